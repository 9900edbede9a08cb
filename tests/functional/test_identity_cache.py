"""The per-process identity cache: fewer token queries, bounded staleness."""

from __future__ import annotations

import datetime as dt
import time
from types import SimpleNamespace

import pytest
import webtest
from sqlalchemy import event, update
from sqlalchemy.engine import Engine

from restworkx import main, security
from restworkx.auth.models import Token
from restworkx.db import utcnow
from restworkx.security import forget_identities

from .conftest import Api, err, ok


@pytest.fixture
def cached_api(app_settings, engine, testapp, make_admin):
    forget_identities()
    app = webtest.TestApp(main({}, **{**app_settings, "restworkx.identity_cache_seconds": "5"}))
    make_admin("owner")
    api = Api(app).as_("owner")
    yield api
    forget_identities()


def _count_token_queries(fn):
    seen = []

    def record(conn, cursor, statement, *args):
        if "auth_token" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    return len(seen)


def test_a_known_token_skips_the_token_query(cached_api):
    ok(cached_api.get("service_provider"))
    assert _count_token_queries(lambda: ok(cached_api.get("service_provider"))) == 0


def test_a_revocation_elsewhere_is_honoured_within_the_ttl(cached_api, engine):
    ok(cached_api.get("service_provider"))
    # Another process expires the token: this one keeps it for at most the TTL...
    with engine.begin() as conn:
        conn.execute(update(Token).values(expires_at=dt.datetime(2000, 1, 1)))
    ok(cached_api.get("service_provider"))
    # ...and forgets it once the cache is dropped (as after its own revocations).
    forget_identities()
    assert "expired" in err(cached_api.get("service_provider"), 401)


def test_archiving_an_administrator_here_ends_its_session_at_once(cached_api, make_admin):
    make_admin("second")
    second = Api(cached_api.testapp).as_("second")
    ok(second.get("service_provider"))
    ok(cached_api.delete("administrator/platform_owner/second"), 205)
    assert "not valid" in err(second.get("service_provider"), 401)


def test_a_cached_token_expires_on_time(cached_api, engine, monkeypatch):
    """The cache keeps an identity no longer than its token lives, even within the TTL."""
    with engine.begin() as conn:
        conn.execute(update(Token).values(expires_at=utcnow() + dt.timedelta(seconds=0.6)))
    forget_identities()
    ok(cached_api.get("service_provider"))  # cached, with 0.6 s left
    # 0.7 s later, on both of the cache's clocks.
    monotonic = time.monotonic
    monkeypatch.setattr(security, "time", SimpleNamespace(monotonic=lambda: monotonic() + 0.7))
    monkeypatch.setattr(security, "utcnow", lambda: utcnow() + dt.timedelta(seconds=0.7))
    assert "expired" in err(cached_api.get("service_provider"), 401)
