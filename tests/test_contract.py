"""shared_contract/ is a valid OpenAPI 3.1 document, agrees with its README, and its
patterns mean the README's rules in words, in Python's `re` and in ECMA-262."""

import copy
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import regress
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


def _served(change: Callable[[dict[str, Any]], None]) -> list[str]:
    """The differences the structural comparison finds in a changed copy of the contract."""
    served = copy.deepcopy(contract.document())
    change(served["components"])
    return contract.differences(contract.summarize(contract.document()), contract.summarize(served))


def test_structural_comparison_holds_the_contract_to_itself() -> None:
    assert _served(lambda components: None) == []


@pytest.mark.parametrize(
    ("change", "found"),
    [
        pytest.param(
            lambda c: c["schemas"]["UserUpdate"]["properties"].update(
                name={"anyOf": [{"$ref": "#/components/schemas/Name"}, {"type": "null"}]}
            ),
            "/PATCH /users/{id}/requestBody/schemas/application/json/properties/name/nullable",
            id="nullable-patch-member",
        ),
        pytest.param(
            lambda c: c["schemas"]["UserPublic"]["properties"]["email"].update(
                type=["string", "null"]
            ),
            "/GET /users/{id}/responses/200/schemas/application/json/properties/email/nullable",
            id="nullable-response-member",
        ),
        pytest.param(
            lambda c: c["schemas"]["Name"].pop("pattern"),
            "/POST /users/requestBody/schemas/application/json/properties/name/pattern",
            id="dropped-pattern",
        ),
        pytest.param(
            lambda c: c["schemas"]["Email"].update(pattern="^[^@\\s]+@[^@\\s]+$"),
            "/GET /users/parameters/query:email/schema/pattern",
            id="other-pattern",
        ),
        pytest.param(
            lambda c: c["parameters"]["Offset"]["schema"].pop("format"),
            "/GET /users/parameters/query:offset/schema/format",
            id="dropped-format",
        ),
        pytest.param(
            lambda c: c["schemas"]["Name"].update(maxLength=101),
            "/POST /users/requestBody/schemas/application/json/properties/name/maxLength",
            id="other-length",
        ),
        pytest.param(
            lambda c: c["parameters"]["Limit"]["schema"].update(maximum=1000),
            "/GET /users/parameters/query:limit/schema/maximum",
            id="other-bound",
        ),
    ],
)
def test_structural_comparison_finds(change: Callable[[dict[str, Any]], None], found: str) -> None:
    differences = _served(change)
    assert any(d.startswith(found + ":") for d in differences), differences


# --- the patterns mean the rules in words, in Python's `re` and in ECMA-262 ---------------

CONTROL = {*map(chr, range(0x20)), "\x7f"}
WHITESPACE = {
    *"\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680",
    *map(chr, range(0x2000, 0x200B)),
    *"\u2028\u2029\u202f\u205f\u3000",
}
SAMPLE_SIZE = 200_000  # strings per schema
# Besides those: ASCII, U+FEFF (whitespace to ECMA's \s, not to Python), other letters of
# the BMP, astral characters (two code units in UTF-16), and the email's own separators.
ALPHABET = [
    *CONTROL,
    *WHITESPACE,
    "\ufeff",
    *"abcxyzAZ09-_+'\"\\/[]^$",
    "é",
    "中",
    "\U0001f600",
    "\U0001d400",
    "\U0010fffd",
    *"@@..",
]


def is_email(value: str) -> bool:
    """The contract's email rule in words."""
    local, _, domain = value.partition("@")
    return (
        len(value) <= 254
        and value.count("@") == 1
        and 1 <= len(local) <= 64
        and "." in domain[1:-1]
        and not any(c in CONTROL or c.isspace() for c in value)
    )


def is_name(value: str) -> bool:
    """The contract's name rule in words."""
    return 1 <= len(value) <= 100 and not any(c in CONTROL for c in value) and not value.isspace()


RULES = {"Email": is_email, "Name": is_name}


def test_whitespace_is_what_python_calls_so() -> None:
    """The class the patterns and this module spell out is str.isspace(), every code point."""
    assert {chr(i) for i in range(0x110000) if chr(i).isspace()} == WHITESPACE


PLAIN = "abcdé中\U0001f600"
# How often a character comes from the alphabet rather than PLAIN, one rate per string:
# mostly plain characters, so that valid values are common.
RATES = [0.0, 0.01, 0.1, 0.5]
STREAM = 1 << 18  # characters drawn per rate, once; each piece is a slice of one


def _streams(rng: random.Random) -> list[str]:
    characters = [*ALPHABET, *PLAIN]
    return [
        "".join(
            rng.choices(
                characters,
                [rate / len(ALPHABET)] * len(ALPHABET) + [(1 - rate) / len(PLAIN)] * len(PLAIN),
                k=STREAM,
            )
        )
        for rate in RATES
    ]


def _pieces(rng: random.Random, streams: list[str], longest: int) -> str:
    length = max(0, rng.choice((4, longest, longest + 2)) - rng.randrange(5))
    if rng.random() < 0.5:
        length = rng.randrange(length + 1)
    stream = rng.choice(streams)
    start = rng.randrange(STREAM - length)
    return stream[start : start + length]


def sample(schema_name: str, size: int) -> list[str]:
    rng = random.Random(16)
    streams = _streams(rng)
    if schema_name == "Name":
        return [_pieces(rng, streams, 100) for _ in range(size)]
    found = []
    for _ in range(size):
        # Domains up to 190 code points reach the 254 bound of the whole.
        local = _pieces(rng, streams, 64)
        domain = _pieces(rng, streams, rng.choice((20, 190)))
        dot = rng.randint(0, len(domain))
        found.append(f"{local}@{domain[:dot]}.{domain[dot:]}" if rng.random() < 0.9 else local)
    return found


Search = Callable[[str], object]


def schema_accepts(schema_name: str, search: Search) -> Callable[[str], bool]:
    """The schema's verdict on a string: its lengths and its pattern, found by `search`."""
    schema = contract.document()["components"]["schemas"][schema_name]
    shortest, longest = schema.get("minLength", 0), schema["maxLength"]
    return lambda value: shortest <= len(value) <= longest and search(value) is not None


ENGINES: dict[str, Callable[[str], Search]] = {
    "python-re": lambda pattern: re.compile(pattern).search,
    # JSON Schema's dialect: ECMA-262 with the `u` flag (lengths in code points).
    "ecma-262": lambda pattern: regress.Regex(pattern, "u").find,
}


@pytest.mark.parametrize("schema_name", RULES)
def test_pattern_means_the_rule(schema_name: str) -> None:
    """On a large random sample, each engine's verdict (lengths and pattern) is the rule's."""
    pattern = contract.document()["components"]["schemas"][schema_name]["pattern"]
    assert "\\s" not in pattern.lower(), "\\s and \\S mean other classes in ECMA-262"
    engines = {name: schema_accepts(schema_name, make(pattern)) for name, make in ENGINES.items()}
    rule = RULES[schema_name]
    verdicts = {True: 0, False: 0}
    for value in sample(schema_name, SAMPLE_SIZE):
        verdict = rule(value)
        for engine, accepts in engines.items():
            assert accepts(value) == verdict, f"{engine} says {not verdict} for {value!r}"
        verdicts[verdict] += 1
    # Both verdicts are common, so that the sample can tell the pattern and the rule apart.
    assert min(verdicts.values()) > SAMPLE_SIZE // 10, verdicts


@pytest.mark.parametrize("engine", ENGINES)
def test_pattern_classes_hold_for_every_code_point(engine: str) -> None:
    """The characters refused alone as a name, and inside an email's local part, are
    exactly the rule's (lone surrogates cannot reach an ECMA-262 engine as text: their
    range is left out)."""
    schemas = contract.document()["components"]["schemas"]
    name = schema_accepts("Name", ENGINES[engine](schemas["Name"]["pattern"]))
    email = schema_accepts("Email", ENGINES[engine](schemas["Email"]["pattern"]))
    points = [*map(chr, range(0xD800)), *map(chr, range(0xE000, 0x110000))]
    assert {c for c in points if not name(c)} == CONTROL | WHITESPACE
    assert {c for c in points if not email(f"a{c}b@example.com")} == CONTROL | WHITESPACE | {"@"}
