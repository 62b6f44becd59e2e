"""The users service on Tornado."""

# How the rosetta tooling finds and runs this implementation (see tooling/rosetta/registry.py).
implementation = {
    "framework": "Tornado",
    "interface": "native",
    "validation": "marshmallow",
    "data_layer": "psycopg 3 async + psycopg_pool, plain SQL",
    "servers": ["tornado"],
    "app": "rosetta_tornado.app:create_app",
    "settings": "rosetta_tornado.settings:Settings",
}
