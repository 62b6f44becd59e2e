"""The users service on Django Ninja: Pydantic 2 schemas, async operations, the async ORM."""

# How the rosetta tooling finds and runs this implementation (see tooling/rosetta/registry.py).
# Django serves both interfaces from one project; the suite drives the ASGI one in-process.
implementation = {
    "framework": "Django Ninja",
    "interface": "asgi",
    "validation": "Pydantic 2 (Ninja Schema)",
    "data_layer": "Django ORM (async) + psycopg 3 pool",
    "servers": ["uvicorn", "gunicorn", "daphne"],
    "apps": {"wsgi": "rosetta_ninja.wsgi:application", "asgi": "rosetta_ninja.asgi:application"},
    "factory": False,
}
