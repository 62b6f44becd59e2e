"""The users service on Flask."""

# How the rosetta tooling finds and runs this implementation (see tooling/rosetta/registry.py).
implementation = {
    "framework": "Flask",
    "interface": "wsgi",
    "validation": "Pydantic 2",
    "data_layer": "SQLAlchemy 2 + psycopg 3",
    "servers": ["gunicorn", "granian"],
    "app": "rosetta_flask.app:create_app",
    "settings": "rosetta_flask.settings:Settings",
}
