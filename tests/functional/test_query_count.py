"""A deep path costs one query for the token and one for the records, whatever its depth.

Statements are counted where they reach the driver: SQLAlchemy's cursor events see
what SQLAlchemy runs, and on PostgreSQL a counting cursor also sees the prepared
reads (EXECUTE of a statement PREPAREd once per connection) that bypass it.
"""

from __future__ import annotations

import re

import pytest
import webtest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from restworkx import db, main
from restworkx.db import release_readers
from restworkx.security import forget_identities

from .conftest import Api, ok

WORK = ("SELECT", "INSERT", "UPDATE", "DELETE", "EXECUTE")


@pytest.fixture
def statements(engine):
    seen: list[str] = []
    if engine.dialect.name == "postgresql":
        import psycopg2.extensions

        class CountingCursor(psycopg2.extensions.cursor):
            def execute(self, query, vars=None):
                # A read that sets how its statement is planned sends the SET in
                # the same round trip, ahead of its EXECUTE: one statement of work.
                work = re.sub(r"^\s*SET plan_cache_mode = \w+;\s*", "", query)
                if work.lstrip().upper().startswith(WORK):
                    seen.append(work)
                return super().execute(query, vars)

        def checkout(dbapi_conn, _record, _proxy):
            dbapi_conn.cursor_factory = CountingCursor

        def checkin(dbapi_conn, _record):
            if dbapi_conn is not None:
                dbapi_conn.cursor_factory = None

        event.listen(Pool, "checkout", checkout)
        event.listen(Pool, "checkin", checkin)
        release_readers()  # a held reader connection is checked out again, counting
        yield seen
        release_readers()  # back to the pool through checkin: no counting cursor left
        event.remove(Pool, "checkout", checkout)
        event.remove(Pool, "checkin", checkin)
        return

    def record(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(WORK):
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


def test_list_page_is_three_queries(populated, statements, monkeypatch):
    # On PostgreSQL a count first reads how often its table has changed (a kept total
    # is kept on while that does not move), at most once a second per process.
    monkeypatch.setattr(db, "CHANGES_READ_SECONDS", 60.0)
    db._CHANGES_SEEN.clear()
    doc = ok(populated.get("subscriber/acme?limit=20"))
    assert doc["meta"]["records_total"] == 25
    first = list(statements)
    statements.clear()
    ok(populated.get("subscriber/acme?limit=10"))
    assert len(statements) == 3, statements  # token + count + page
    postgresql = populated.testapp.app.registry["db_engine"].dialect.name == "postgresql"
    asked = [s for s in first if db._TABLE_CHANGES.name in s]
    assert len(asked) == (1 if postgresql else 0), first
    assert len(first) == 3 + len(asked), first


def test_get_one_subscriber_reads_outside_any_transaction(populated, statements):
    """A GET reads on autocommit connections: no BEGIN, COMMIT or ROLLBACK round trips."""
    seen: list[str] = []

    def record(dbapi_conn, _record, _proxy):
        seen.append(dbapi_conn.autocommit if hasattr(dbapi_conn, "autocommit") else None)

    event.listen(Pool, "checkout", record)
    release_readers()
    try:
        ok(populated.get("subscriber/acme/s07"))
    finally:
        event.remove(Pool, "checkout", record)
    assert seen, "no connection was checked out"
    if populated.testapp.app.registry["db_engine"].dialect.name == "postgresql":
        assert all(seen), seen


@pytest.fixture
def cached(app_settings, engine, testapp, make_admin):
    forget_identities()
    app = webtest.TestApp(main({}, **{**app_settings, "restworkx.identity_cache_seconds": "5"}))
    make_admin("owner")
    api = Api(app).as_("owner")
    api.post("service_provider", {"name": "acme"})
    api.post("subscriber/acme", {"name": "s00", "pin": "1234"})
    yield api
    forget_identities()


def test_a_cached_identity_makes_a_get_one_query(cached, statements):
    ok(cached.get("subscriber/acme/s00"))
    statements.clear()
    doc = ok(cached.get("subscriber/acme/s00"))
    assert doc["data"][0]["attributes"]["name"] == "s00"
    assert len(statements) == 1, statements  # the record; the token is known


def test_a_put_reads_the_settings_only_for_a_field_they_rule(populated, statements):
    """pin and speed_call_numbers follow ecf_settings: a PUT of neither skips the read."""

    def settings_reads():
        return [s for s in statements if "app_settings" in s]

    ok(populated.put("subscriber/acme/s07", {"first_name": "Ann", "schedules": []}))
    assert settings_reads() == [], statements
    statements.clear()
    ok(populated.put("subscriber/acme/s07", {"pin": "4321"}))
    assert len(settings_reads()) == 1, statements
    statements.clear()
    ok(populated.put("subscriber/acme/s07", {"speed_call_numbers": ["5551234567"]}))
    assert len(settings_reads()) == 1, statements


def test_a_first_page_that_is_not_full_is_its_own_total(populated, statements):
    def work():  # what the request asked, less a count's look at its table's changes
        return [s for s in statements if db._TABLE_CHANGES.name not in s]

    # token, then: the page alone, the page and a count (a total beyond the page
    # shown), or the count alone (limit=0).
    for query, total, shown, asked in (
        ("limit=30", 25, 25, 2),
        ("icontains=name:s0&limit=20", 10, 10, 2),
        ("limit=10", 25, 10, 3),
        ("limit=10&offset=20", 25, 5, 3),
        ("limit=0", 25, 0, 2),
    ):
        statements.clear()
        doc = ok(populated.get(f"subscriber/acme?{query}"))
        assert (doc["meta"]["records_total"], len(doc["data"])) == (total, shown), query
        assert len(work()) == asked, (query, statements)
