"""The users service on Starlette."""

# How the rosetta tooling finds and runs this implementation (see tooling/rosetta/registry.py).
implementation = {
    "framework": "Starlette",
    "interface": "asgi",
    "validation": "msgspec",
    "data_layer": "asyncpg, plain SQL",
    "servers": ["uvicorn", "granian"],
    "app": "rosetta_starlette.app:create_app",
    "settings": "rosetta_starlette.settings:Settings",
}
