"""The users service on plain Django: async function views, forms, the async ORM."""

# How the rosetta tooling finds and runs this implementation (see tooling/rosetta/registry.py).
# Django serves both interfaces from one project; the suite drives the ASGI one in-process.
implementation = {
    "framework": "Django",
    "interface": "asgi",
    "validation": "Django forms",
    "data_layer": "Django ORM (async) + psycopg 3 pool",
    "servers": ["uvicorn", "gunicorn", "daphne"],
    "apps": {"wsgi": "rosetta_django.wsgi:application", "asgi": "rosetta_django.asgi:application"},
    "factory": False,
}
