"""The users service on CherryPy."""

# How the rosetta tooling finds and runs this implementation (see tooling/rosetta/registry.py).
implementation = {
    "framework": "CherryPy",
    "interface": "wsgi",
    "validation": "marshmallow",
    "data_layer": "psycopg 3 + psycopg_pool, plain SQL",
    "servers": ["cheroot", "gunicorn"],
    # Cheroot runs the app through its WSGI interface too (cherrypy.tree is WSGI).
    "app": "rosetta_cherrypy.app:create_app",
    "settings": "rosetta_cherrypy.settings:Settings",
}
