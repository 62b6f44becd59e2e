"""The users service on Bottle."""

# How the rosetta tooling finds and runs this implementation (see tooling/rosetta/registry.py).
implementation = {
    "framework": "Bottle",
    "interface": "wsgi",
    "validation": "marshmallow",
    "data_layer": "Peewee + psycopg 3 (playhouse's pooled database)",
    "servers": ["gunicorn", "waitress"],
    "app": "rosetta_bottle.app:create_app",
    "settings": "rosetta_bottle.settings:Settings",
}
