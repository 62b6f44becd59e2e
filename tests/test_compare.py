"""Handlers found by reading the source (tooling/rosetta/handlers.py), and `rosetta compare`
as a user meets it: every implementation's handler side by side, a diff of two members
module by module, one-line errors with exit status 2."""

import ast
import textwrap
from pathlib import Path

import pytest
import yaml

from rosetta import cli, handlers, registry
from rosetta.handlers import Package

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "shared_contract" / "openapi.yaml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert cli.main(["compare", *argv]) == 0
    return capsys.readouterr().out


def fake_package(tmp_path: Path, modules: dict[str, str]) -> Package:
    """A package written from text, registered as nothing (its impl borrows fastapi's)."""
    folder = tmp_path / "rosetta_fake"
    folder.mkdir()
    for name, text in {"__init__": "", **modules}.items():
        (folder / f"{name}.py").write_text(textwrap.dedent(text).lstrip("\n"))
    return Package(registry.get("fastapi"), "rosetta_fake", folder)


def test_operation_ids_are_the_contracts() -> None:
    document = yaml.safe_load(CONTRACT.read_text())
    contract = [
        op["operationId"]
        for item in document["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    ]
    assert sorted(handlers.OPERATION_IDS) == sorted(contract)


@pytest.mark.parametrize("name", [pytest.param(n, id=n) for n in registry.names()])
def test_every_implementation_yields_all_six_handlers(name: str) -> None:
    """Each handler is found, is the whole function (its AST equals the definition's, so no
    decorator or line is cut off), and carries the operation's name or a name its framework
    forces (DRF's viewset actions, found by the operationId in their decorator)."""
    package = handlers.package(name)
    for operation in handlers.OPERATIONS:
        handler = package.handler(operation)
        assert handler.operation == operation
        reparsed = ast.parse(handler.source.code).body[0]
        assert ast.dump(reparsed) == ast.dump(handler.node)
        assert handler.source.name in (
            operation,
            *[forced for forced, op in handlers.FORCED_NAMES.items() if op == operation],
        )
        assert handler.source.path.is_relative_to(package.folder)


def test_handler_with_decorators_and_a_multiline_signature_is_extracted_whole(
    tmp_path: Path,
) -> None:
    handler_text = textwrap.dedent('''\
        @router.post(
            "/users",
            status_code=201,
        )
        @decorate_view(require_json)  # a comment between decorators stays
        async def create_user(
            request: Request,
            body: UserCreate,
        ) -> UserPublic:
            """Create a user"""
            user = await db.create_user(request, body)

            return user
    ''')
    package = fake_package(
        tmp_path,
        {"routes": f"import x\n\n\n{handler_text}\n\ndef get_user() -> None:\n    pass\n"},
    )
    source = package.handler("createUser").source
    assert source.code == handler_text.rstrip("\n")
    assert (source.start, source.end) == (4, 16)
    assert source.location.endswith("rosetta_fake/routes.py:4")


def test_a_method_is_extracted_dedented_with_its_decorators(tmp_path: Path) -> None:
    package = fake_package(
        tmp_path,
        {
            "routes": """
                class UsersController(Controller):
                    @patch(
                        "/users/{id}",
                    )
                    async def update_user(self, id: int) -> None:
                        return None
            """
        },
    )
    handler = package.handler("update_user")
    assert handler.source.qualname == "UsersController.update_user"
    assert handler.source.code.splitlines()[0] == "@patch("
    assert handler.source.code.splitlines()[-1] == "    return None"


def test_forced_names_are_found_by_the_operation_id_then_by_the_frameworks_name(
    tmp_path: Path,
) -> None:
    package = fake_package(
        tmp_path,
        {
            "views": """
                def list(request): ...

                class UserViewSet(GenericViewSet):
                    @extend_schema(operation_id="getUser")
                    def fetch(self, request, id): ...

                    def destroy(self, request, id): ...
            """
        },
    )
    assert package.handler("get_user").source.qualname == "UserViewSet.fetch"
    assert package.handler("delete_user").source.qualname == "UserViewSet.destroy"
    # A module-level `list` is not a viewset action.
    with pytest.raises(handlers.HandlerError, match=r"no handler for list_users in views\.py"):
        package.handler("list_users")


def test_handlers_are_searched_in_the_glossarys_modules_first_never_in_the_data_layer(
    tmp_path: Path,
) -> None:
    package = fake_package(
        tmp_path,
        {
            "db": "def create_user(): ...\ndef get_user(): ...\n",
            "extra": "def create_user(): ...\ndef get_user(): ...\n",
            "api": "def create_user(): ...\n",
        },
    )
    assert package.handler("create_user").module.name == "api"
    assert package.handler("get_user").module.name == "extra"
    with pytest.raises(
        handlers.HandlerError, match=r"no handler for health in api\.py, __init__\.py, extra\.py$"
    ):
        package.handler("health")


def test_follow_goes_one_step_into_each_layer(tmp_path: Path) -> None:
    package = fake_package(
        tmp_path,
        {
            "routes": """
                from . import db
                from .db import Database
                from .problems import UserNotFoundError
                from .schemas import UserPublic, UserUpdate

                class UserResource:
                    def __init__(self, database: Database) -> None:
                        self.db = database

                    async def update_user(self, id: int, body: UserUpdate) -> UserPublic:
                        session = db.session()
                        if not await self.db.update_user(session, id, body):
                            raise UserNotFoundError(id)
                        return UserPublic.from_row(await self.db.get_user(session, id))
            """,
            "db": """
                def session(): ...
                def unused(): ...
                class Database:
                    async def update_user(self, session, id, body): ...
                    async def get_user(self, session, id): ...
            """,
            "schemas": """
                class UserUpdate: ...
                class UserPublic:
                    @classmethod
                    def from_row(cls, row): ...
            """,
            "problems": "class UserNotFoundError(Exception): ...\n",
        },
    )
    handler = package.handler("update_user")

    def followed(layer: str) -> list[str]:
        return [source.qualname for source in handlers.follow(handler, layer)]

    assert followed("db") == ["session", "Database.update_user", "Database.get_user"]
    assert followed("schemas") == ["UserUpdate", "UserPublic"]  # a schema is shown whole
    assert followed("problems") == ["UserNotFoundError"]


def test_compare_shows_every_handler_in_columns(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    out = run(capsys, "create_user")
    for name in registry.names():
        handler = handlers.package(name).handler("create_user")
        impl = handler.impl
        assert f"{impl.name} · {impl.framework} · {handler.source.location}" in out
        assert f"def {handler.source.name}(" in out
    assert any(line.count("╭─") == 2 for line in out.splitlines()), "not side by side"


def test_compare_stacks_the_handlers_in_a_narrow_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    out = run(capsys, "createUser", "--impl", "flask,quart")
    assert [line.count("╭─") for line in out.splitlines() if "╭─" in line] == [1, 1]
    assert max(len(line) for line in out.splitlines()) <= 100


def test_compare_with_db_shows_the_data_layer_function_called(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    out = run(capsys, "update_user", "--impl", "flask,quart", "--with", "db")
    for name in ("flask", "quart"):
        data_function = handlers.package(name).layer_modules("db")[0].definitions()["update_user"]
        line = data_function[0].lineno
        assert f"db: update_user  implementations/{name}/rosetta_{name}/db.py:{line}" in out
    assert "fastapi" not in out


def test_compare_modules_pairs_modules_by_name_then_by_role(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    out = run(capsys, "--modules", "flask", "django")
    pairs = [line.strip("─ ") for line in out.splitlines() if "  ↔  " in line]
    flask, django = "implementations/flask/rosetta_flask", "implementations/django/rosetta_django"
    assert f"{flask}/routes.py  ↔  {django}/views.py" in pairs
    assert f"{flask}/problems.py  ↔  {django}/problems.py" in pairs
    assert f"—  ↔  {django}/urls.py" in pairs


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(
            ["nope"],
            "no operation named 'nope' (operations: list_users, create_user, get_user,"
            " update_user, delete_user, health)",
            id="unknown-operation",
        ),
        pytest.param(
            ["get_user", "--impl", "flask,nope"],
            f"no implementation named 'nope' (registered: {', '.join(registry.names())})",
            id="unknown-impl",
        ),
        pytest.param(
            ["get_user", "--with", "orm"],
            "no layer named 'orm' (layers: db, schemas, problems)",
            id="unknown-layer",
        ),
        pytest.param(
            ["--modules", "flask", "nope"],
            f"no implementation named 'nope' (registered: {', '.join(registry.names())})",
            id="unknown-impl-in-modules",
        ),
    ],
)
def test_compare_mistakes_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    with pytest.raises(SystemExit) as exit:
        cli.main(["compare", *argv])
    assert exit.value.code == 2
    assert capsys.readouterr().err == f"rosetta compare: {message}\n"
