"""The users service on FastHTML: the JSON API, and an HTMX page at /ui."""

# How the rosetta tooling finds and runs this implementation (see tooling/rosetta/registry.py).
implementation = {
    "framework": "FastHTML",
    "interface": "asgi",
    "validation": "dataclasses",
    "data_layer": "SQLModel + psycopg 3",
    "servers": ["uvicorn"],
    "app": "rosetta_fasthtml.app:create_app",
    "settings": "rosetta_fasthtml.settings:Settings",
}
