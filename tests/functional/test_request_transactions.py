"""The transaction of a request (restworkx.db): a change runs in one that begins with
the request; a read (GET, HEAD) begins one only if it makes its ORM session, and
that one is rolled back when the request ends."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import transaction

from restworkx.db import utcnow
from restworkx.settings.models import StoredSettings

from .conftest import ok


class Transactions:
    """What transaction.manager does on this thread (the test's requests run here)."""

    def __init__(self):
        self.events: list[str] = []

    # The names are the synchronizer interface's (transaction.interfaces.ISynchronizer).
    def newTransaction(self, txn):
        self.events.append("begin")

    def beforeCompletion(self, txn):
        pass

    def afterCompletion(self, txn):
        self.events.append("commit" if txn.status == "Committed" else "abort")


@pytest.fixture
def transactions(owner):
    owner.post("service_provider", {"name": "acme"})
    ok(owner.post("subscriber/acme", {"name": "s01", "pin": "1234"}))
    seen = Transactions()
    transaction.manager.registerSynch(seen)
    yield seen
    transaction.manager.unregisterSynch(seen)


def test_reading_records_begins_no_transaction(owner, transactions):
    ok(owner.get("subscriber/acme/s01"))
    ok(owner.get("subscriber/acme"))
    head = owner.testapp.head(owner.url("subscriber/acme/s01"), headers=owner.headers())
    assert head.status_int == 200 and head.body == b""
    assert transactions.events == []


def test_a_change_commits_the_transaction_it_began_with(owner, transactions):
    ok(owner.put("subscriber/acme/s01", {"first_name": "Ann"}))
    assert transactions.events == ["begin", "commit"]
    doc = ok(owner.get("subscriber/acme/s01"))
    assert doc["data"][0]["attributes"]["first_name"] == "Ann"


def test_a_read_that_makes_its_session_rolls_it_back(owner, transactions, engine):
    doc = ok(owner.get("settings"))  # the settings are read through the ORM session
    assert doc["data"]
    assert transactions.events == ["begin", "abort"]
    assert engine.pool.checkedout() == 0
    # The next change has a transaction of its own, as before.
    ok(owner.put("subscriber/acme/s01", {"last_name": "Smith"}))
    assert transactions.events == ["begin", "abort", "begin", "commit"]


def test_a_read_that_fails_rolls_back_too(owner, transactions):
    # A job is read through the ORM session; this one does not exist.
    doc = owner.get("job/platform_owner/999999/download")
    assert doc["meta"]["scope"] == "exception" and doc["meta"]["code"] == 404, doc
    assert transactions.events == ["begin", "abort"]


def test_a_read_cannot_change_what_is_stored(wsgi_app):
    factory = wsgi_app.registry["dbsession_factory"]
    request = SimpleNamespace(method="GET")
    session = factory(info={"request": request, "read_only": True})
    try:
        session.add(StoredSettings(app="ecf", data={}, modified=utcnow(), modified_by="x"))
        with pytest.raises(RuntimeError, match="A GET request changes nothing"):
            session.flush()
    finally:
        session.close()
