"""A deep path costs one query for the token and one for the records, whatever its depth."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .conftest import ok


@pytest.fixture
def statements():
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE")):
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


@pytest.fixture
def populated(owner):
    owner.post("service_provider", {"name": "acme"})
    for i in range(25):
        owner.post("subscriber/acme", {"name": f"s{i:02d}", "pin": "1234"})
    return owner


def test_get_one_subscriber_is_two_queries(populated, statements):
    ok(populated.get("subscriber/acme/s07"))
    assert len(statements) == 2, statements  # token + record


def test_list_page_is_three_queries(populated, statements):
    doc = ok(populated.get("subscriber/acme?limit=20"))
    assert doc["meta"]["records_total"] == 25
    assert len(statements) == 3, statements  # token + count + page
