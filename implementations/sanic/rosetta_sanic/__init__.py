"""The users service on Sanic."""

# How the rosetta tooling finds and runs this implementation (see tooling/rosetta/registry.py).
implementation = {
    "framework": "Sanic",
    "interface": "asgi",
    "validation": "Pydantic 2",
    "data_layer": "Tortoise ORM + asyncpg",
    "servers": ["sanic", "uvicorn"],
    "app": "rosetta_sanic.app:create_app",
    "settings": "rosetta_sanic.settings:Settings",
}
