"""shared_contract/ is a valid OpenAPI 3.1 document and agrees with its README."""

import re
from pathlib import Path

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from conformance import contract

README = Path(contract.CONTRACT).with_name("README.md")
OPERATIONS = {"listUsers", "createUser", "getUser", "updateUser", "deleteUser", "health"}


def test_contract_is_valid_openapi_3_1() -> None:
    assert contract.document()["openapi"].startswith("3.1")
    validate(contract.document())


def test_contract_operations() -> None:
    found = {op["operationId"] for op in contract.summarize(contract.document()).values()}
    assert found == OPERATIONS


def test_contract_examples_hold() -> None:
    schemas = contract.document()["components"]["schemas"]
    for name, schema in schemas.items():
        for example in schema.get("examples", []):
            Draft202012Validator(schema).validate(example)
            assert name


def test_contract_readme_problem_table_matches_the_document() -> None:
    rows = re.findall(r"^\| (\d{3}) \| `([^`]+)` \| `([^`]+)` \|$", README.read_text(), re.M)
    table = {int(status): {"type": type_, "title": title} for status, type_, title in rows}
    assert table == contract.problem_types()
