"""The users service on Django REST framework: serializers, a ViewSet, drf-spectacular."""

# How the rosetta tooling finds and runs this implementation (see tooling/rosetta/registry.py).
# REST framework's views are synchronous: WSGI is its interface.
implementation = {
    "framework": "Django REST framework",
    "interface": "wsgi",
    "validation": "DRF serializers",
    "data_layer": "Django ORM + psycopg 3 pool",
    "servers": ["gunicorn"],
    "app": "rosetta_drf.wsgi:application",
    "factory": False,
}
