"""The users service on Pyramid."""

# How the rosetta tooling finds and runs this implementation (see tooling/rosetta/registry.py).
implementation = {
    "framework": "Pyramid",
    "interface": "wsgi",
    "validation": "pyramid_openapi3 (the contract itself)",
    "data_layer": "SQLAlchemy 2 + psycopg 3 (pyramid_tm, zope.sqlalchemy)",
    "servers": ["gunicorn", "waitress"],
    "app": "rosetta_pyramid.app:create_app",
    "settings": "rosetta_pyramid.settings:Settings",
}
