"""The users service on Litestar."""

# How the rosetta tooling finds and runs this implementation (see tooling/rosetta/registry.py).
implementation = {
    "framework": "Litestar",
    "interface": "asgi",
    "validation": "msgspec",
    "data_layer": "SQLAlchemy 2 async + asyncpg (Litestar's SQLAlchemy plugin)",
    "servers": ["granian", "uvicorn"],
    "app": "rosetta_litestar.app:create_app",
    "settings": "rosetta_litestar.settings:Settings",
}
