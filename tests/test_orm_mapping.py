"""The Django members map the shared table without owning it: `managed = False`, no
migrations, and the ORM's view of every column (name, type, nullability) equals the real
table's. Each is probed in a process of its own, since Django is configured once per
process."""

import json
import subprocess
import sys
from typing import Any

import psycopg
import pytest

from rosetta import registry

DJANGO = [name for name in registry.names() if registry.get(name).framework.startswith("Django")]
PROBE = """
import importlib.util, json, django
django.setup()
from django.db import connection
from {package}.models import User
print(json.dumps({{
    "managed": User._meta.managed,
    "table": User._meta.db_table,
    "migrations": importlib.util.find_spec("{package}.migrations") is not None,
    "columns": [[f.column, f.db_type(connection), f.null] for f in User._meta.concrete_fields],
}}))
"""


@pytest.mark.parametrize("name", DJANGO)
def test_django_model_matches_the_shared_table(
    name: str, schema_url: str, users_db: psycopg.Connection[Any]
) -> None:
    package = f"rosetta_{name}"
    probe = subprocess.run(
        [sys.executable, "-c", PROBE.format(package=package)],
        env={"DJANGO_SETTINGS_MODULE": f"{package}.settings", "DATABASE_URL": schema_url},
        capture_output=True,
        text=True,
        check=True,
    )
    model = json.loads(probe.stdout)
    assert (model["managed"], model["table"], model["migrations"]) == (False, "users", False)
    table = users_db.execute(
        "SELECT column_name, data_type, is_nullable = 'YES' FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = 'users'"
        " ORDER BY ordinal_position"
    ).fetchall()
    assert [tuple(column) for column in model["columns"]] == table
