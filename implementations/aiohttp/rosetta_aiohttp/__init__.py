"""The users service on aiohttp."""

# How the rosetta tooling finds and runs this implementation (see tooling/rosetta/registry.py).
implementation = {
    "framework": "aiohttp",
    "interface": "native",
    "validation": "attrs + cattrs",
    "data_layer": "Piccolo + asyncpg",
    "servers": ["aiohttp", "gunicorn-aiohttp"],
    "app": "rosetta_aiohttp.app:create_app",
    "settings": "rosetta_aiohttp.settings:Settings",
}
