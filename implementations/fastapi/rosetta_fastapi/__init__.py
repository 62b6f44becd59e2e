"""The users service on FastAPI."""

# How the rosetta tooling finds and runs this implementation (see tooling/rosetta/registry.py).
implementation = {
    "framework": "FastAPI",
    "interface": "asgi",
    "validation": "Pydantic 2",
    "data_layer": "SQLAlchemy 2 async + asyncpg",
    "servers": ["uvicorn", "granian"],
    "app": "rosetta_fastapi.app:create_app",
    "settings": "rosetta_fastapi.settings:Settings",
}
