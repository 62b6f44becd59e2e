"""The users service on BlackSheep."""

# How the rosetta tooling finds and runs this implementation (see tooling/rosetta/registry.py).
implementation = {
    "framework": "BlackSheep",
    "interface": "asgi",
    "validation": "Pydantic 2",
    "data_layer": "SQLAlchemy 2 async + asyncpg, rodi DI",
    "servers": ["uvicorn", "granian"],
    "app": "rosetta_blacksheep.app:create_app",
    "settings": "rosetta_blacksheep.settings:Settings",
}
