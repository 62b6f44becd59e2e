"""The users service on Robyn."""

# How the rosetta tooling finds and runs this implementation (see tooling/rosetta/registry.py).
implementation = {
    "framework": "Robyn",
    "interface": "native",
    "validation": "msgspec",
    "data_layer": "asyncpg, plain SQL",
    "servers": ["robyn"],
    "app": "rosetta_robyn.app:create_app",
    "settings": "rosetta_robyn.settings:Settings",
}
