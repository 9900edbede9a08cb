"""The connections of prepared reads (restworkx.db): each thread keeps its own, a read
whose connection died (the database restarted, the host changed HA role) runs again on
a new one instead of failing the request, and each statement is planned as it asks."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Integer, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import Pool

from restworkx.db import ReadStatement, read_one, release_readers

from .conftest import held_reader_row, ok


@pytest.fixture
def pg(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("prepared reads are PostgreSQL's")
    return engine


@pytest.fixture
def subscriber(owner):
    owner.post("service_provider", {"name": "acme"})
    ok(owner.post("subscriber/acme", {"name": "s01", "pin": "1234"}))
    return owner


@pytest.fixture
def checkouts(pg):
    """The backend pid of every pool checkout while the test runs."""
    seen: list[int] = []

    def checkout(dbapi_conn, _record, _proxy):
        seen.append(dbapi_conn.get_backend_pid())

    event.listen(Pool, "checkout", checkout)
    release_readers()
    yield seen
    event.remove(Pool, "checkout", checkout)


def _alive(pg, pid: int) -> bool:
    with pg.connect() as conn:
        return bool(
            conn.execute(text("SELECT 1 FROM pg_stat_activity WHERE pid = :p"), {"p": pid}).first()
        )


def test_a_thread_reads_on_one_connection(subscriber, checkouts):
    ok(subscriber.get("subscriber/acme/s01"))
    checkouts.clear()
    for _ in range(5):
        ok(subscriber.get("subscriber/acme/s01"))
    assert checkouts == []


def test_a_read_on_a_dead_connection_runs_again(pg, subscriber, checkouts):
    ok(subscriber.get("subscriber/acme/s01"))
    (backend,) = checkouts
    with pg.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:p, 5000)"), {"p": backend}).scalar()
    checkouts.clear()
    doc = ok(subscriber.get("subscriber/acme/s01"))
    assert doc["data"][0]["attributes"]["name"] == "s01"
    assert len(checkouts) == 1 and checkouts[0] != backend
    assert not _alive(pg, backend)


def test_threads_read_on_connections_of_their_own(subscriber, checkouts):
    errors: list = []

    def read():
        try:
            for _ in range(20):
                ok(subscriber.get("subscriber/acme/s01"))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    # One checkout per thread for its reads (the identity's token read included).
    assert len(set(checkouts)) == 3 and len(checkouts) == 3


@pytest.fixture
def reader(pg, wsgi_app):
    release_readers()
    return wsgi_app.registry["db_reader"]


def _plans(statement: ReadStatement) -> tuple[int, int]:
    return held_reader_row(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = %s",
        statement.name,
    )


def _statement(sql: str, plan):
    return ReadStatement(text(sql).columns(y=Integer), plan=plan)


def test_each_read_is_planned_as_its_statement_asks(reader):
    generic = _statement("SELECT CAST(:x AS integer) + 1 AS y", "generic")
    auto = _statement("SELECT CAST(:x AS integer) + 2 AS y", "auto")
    either = _statement("SELECT CAST(:x AS integer) + 3 AS y", None)
    for x in range(7):
        assert read_one(reader, generic, {"x": x})["y"] == x + 1
        assert held_reader_row("SHOW plan_cache_mode") == ("force_generic_plan",)
        assert read_one(reader, either, {"x": x})["y"] == x + 3
        assert held_reader_row("SHOW plan_cache_mode") == ("force_generic_plan",)
        assert read_one(reader, auto, {"x": x})["y"] == x + 2
        assert held_reader_row("SHOW plan_cache_mode") == ("auto",)
    assert _plans(generic) == (7, 0)
    # PostgreSQL plans the first five runs for their values before it compares.
    assert _plans(auto)[1] >= 5


def test_a_failed_read_leaves_the_plan_mode_known(reader):
    generic = _statement("SELECT CAST(:x AS integer) + 1 AS y", "generic")
    auto = _statement("SELECT CAST(:x AS integer) + 2 AS y", "auto")
    failing = _statement("SELECT 1 / CAST(:x AS integer) AS y", "generic")
    read_one(reader, auto, {"x": 1})
    with pytest.raises(DBAPIError, match="division by zero"):
        read_one(reader, failing, {"x": 0})
    # The SET went back with the failed statement; the next read sets it again.
    assert held_reader_row("SHOW plan_cache_mode") == ("auto",)
    assert read_one(reader, generic, {"x": 1})["y"] == 2
    assert held_reader_row("SHOW plan_cache_mode") == ("force_generic_plan",)
    assert read_one(reader, auto, {"x": 1})["y"] == 3
    assert held_reader_row("SHOW plan_cache_mode") == ("auto",)


def test_a_statement_asks_for_a_known_plan():
    with pytest.raises(ValueError, match="plan must be one of"):
        _statement("SELECT 1 AS y", "custom")
