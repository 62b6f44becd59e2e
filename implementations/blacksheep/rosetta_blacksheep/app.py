"""The application factory: the only place where the app is wired."""

from blacksheep import Application, Router
from rodi import Container

from . import db, problems
from .routes import docs, router
from .settings import Settings

MAX_BODY_SIZE = 1024 * 1024


def create_app(settings: Settings | None = None) -> Application:
    services = Container()
    services.add_instance(settings or Settings())  # type: ignore[call-arg]  # read from the environment
    # A router of its own (and the controllers' routes handed over): BlackSheep's default
    # router is a process-wide singleton that only one app may use.
    app = Application(router=Router(), services=services)
    app.controllers_router = router
    app.on_start += db.open_engine
    app.on_stop += db.close_engine
    app.middlewares.append(problems.BodySizeLimit(MAX_BODY_SIZE))
    problems.register(app)
    docs.bind_app(app)
    return app
