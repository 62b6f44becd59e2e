"""The users service on Quart."""

# How the rosetta tooling finds and runs this implementation (see tooling/rosetta/registry.py).
implementation = {
    "framework": "Quart",
    "interface": "asgi",
    "validation": "Pydantic 2",
    "data_layer": "SQLAlchemy 2 async + asyncpg",
    "servers": ["hypercorn", "uvicorn"],
    "app": "rosetta_quart.app:create_app",
    "settings": "rosetta_quart.settings:Settings",
}
