"""The users service on Emmett."""

# How the rosetta tooling finds and runs this implementation (see tooling/rosetta/registry.py).
# Emmett's App is an RSGI app (Granian's own interface) and an ASGI one: the same factory
# serves both; the suite drives ASGI in-process.
implementation = {
    "framework": "Emmett",
    "interface": "asgi",
    "validation": "Emmett model validation",
    "data_layer": "Emmett ORM (pyDAL) + psycopg2",
    "servers": ["granian-rsgi", "granian"],
    "apps": {"rsgi": "rosetta_emmett.app:create_app", "asgi": "rosetta_emmett.app:create_app"},
    "settings": "rosetta_emmett.settings:Settings",
}
