"""The connections of prepared reads (restworkx.db): each thread keeps its own, and a
read whose connection died (the database restarted, the host changed HA role) runs
again on a new one instead of failing the request."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, text
from sqlalchemy.pool import Pool

from restworkx.db import release_readers

from .conftest import ok


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
