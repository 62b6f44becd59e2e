"""db/schema.sql holds what the database can hold, the same for every ORM."""

import time
from typing import Any

import psycopg
import pytest
from psycopg import errors

from rosetta.database import apply_schema

Conn = psycopg.Connection[Any]


def insert(db: Conn, email: str, name: str = "x") -> tuple[Any, ...]:
    row = db.execute(
        "INSERT INTO users (email, name) VALUES (%s, %s) RETURNING *", (email, name)
    ).fetchone()
    assert row is not None
    return tuple(row)


def test_schema_applies_twice(schema_url: str) -> None:
    apply_schema(schema_url)


def test_schema_stamps_both_timestamps_alike(users_db: Conn) -> None:
    _, _, _, created_at, updated_at = insert(users_db, "a@example.com")
    assert created_at == updated_at


def test_schema_unique_email_in_any_case(users_db: Conn) -> None:
    insert(users_db, "Ada@Example.com")
    with pytest.raises(errors.UniqueViolation):
        insert(users_db, "ada@EXAMPLE.COM")


@pytest.mark.parametrize(
    ("email", "name", "constraint"),
    [
        pytest.param("ab", "x", "users_email_length", id="email-short"),
        pytest.param("a" * 255, "x", "users_email_length", id="email-long"),
        pytest.param("a@example.com", "", "users_name_length", id="name-empty"),
        pytest.param("a@example.com", "x" * 101, "users_name_length", id="name-long"),
        pytest.param("a@example.com", "   ", "users_name_not_blank", id="name-blank"),
        pytest.param("a\x01@example.com", "x", "users_email_no_control", id="email-control"),
        pytest.param("a@example.com", "a\x7f", "users_name_no_control", id="name-del"),
    ],
)
def test_schema_checks(users_db: Conn, email: str, name: str, constraint: str) -> None:
    with pytest.raises(errors.CheckViolation) as raised:
        insert(users_db, email, name)
    assert raised.value.diag.constraint_name == constraint


def test_schema_lengths_count_code_points(users_db: Conn) -> None:
    insert(users_db, "e@example.com", "\N{GRINNING FACE}" * 100)


def test_schema_updated_at_moves_only_on_change(users_db: Conn) -> None:
    user_id, _, _, created_at, updated_at = insert(users_db, "a@example.com", "Ada")
    time.sleep(0.002)
    same = users_db.execute(
        "UPDATE users SET name = 'Ada', updated_at = now() + interval '1 day',"
        " created_at = now() WHERE id = %s RETURNING created_at, updated_at",
        (user_id,),
    ).fetchone()
    assert same == (created_at, updated_at)
    changed = users_db.execute(
        "UPDATE users SET name = 'Grace' WHERE id = %s RETURNING created_at, updated_at",
        (user_id,),
    ).fetchone()
    assert changed is not None
    assert changed[0] == created_at
    assert changed[1] > updated_at
