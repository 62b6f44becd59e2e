"""The users service on Falcon (ASGI)."""

# How the rosetta tooling finds and runs this implementation (see tooling/rosetta/registry.py).
implementation = {
    "framework": "Falcon",
    "interface": "asgi",
    "validation": "msgspec",
    "data_layer": "psycopg 3 async + psycopg_pool, plain SQL",
    "servers": ["uvicorn", "granian"],
    "app": "rosetta_falcon.app:create_app",
    "settings": "rosetta_falcon.settings:Settings",
}
