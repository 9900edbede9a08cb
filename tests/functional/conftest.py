"""Helpers to drive the API as an integrator would."""

from __future__ import annotations

import json

import pytest

from restworkx.applications import ALL
from restworkx.auth.service import force_password
from restworkx.db import get_session_factory
from restworkx.records.service import RecordService
from restworkx.settings.service import SettingsService

PASSWORD = "correct horse battery"


class Api:
    """Calls /<app>/api the way the seeds' curl examples do: raw JSON bodies,
    no Content-Type, the token in 'Authorization: Basic <token>'."""

    def __init__(self, testapp, app="ecf"):
        self.testapp, self.app, self.token = testapp, app, None

    def url(self, path: str) -> str:
        return f"/{self.app}/api/{path.lstrip('/')}"

    def headers(self, token=None, extra=None):
        h = dict(extra or {})
        token = token or self.token
        if token:
            h["Authorization"] = f"Basic {token}"
        return h

    def call(self, method, path, body=None, *, token=None, headers=None, raw=None, status=None):
        data = raw if raw is not None else (json.dumps(body) if body is not None else "")
        resp = self.testapp.request(
            self.url(path),
            method=method,
            body=data.encode() if isinstance(data, str) else data,
            headers=self.headers(token, headers),
            expect_errors=True,
        )
        if status is not None:
            assert resp.status_int == status, resp.text
        return resp.json if resp.content_type == "application/json" else resp

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.call("PUT", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)

    def login(self, username, password=PASSWORD) -> str:
        doc = self.post("authenticate", {"username": username, "password": password})
        assert doc["meta"]["code"] == 200, doc
        return doc["data"][0]["token"]

    def as_(self, username, password=PASSWORD) -> Api:
        other = Api(self.testapp, self.app)
        other.token = self.login(username, password)
        return other


def held_reader_row(sql: str, *params):
    """The first row sql answers on this thread's held reader connection (restworkx.db:
    the connection of this thread's prepared reads, and of their plan mode)."""
    from restworkx import db

    cursor = db._held.conn.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchone()
    finally:
        cursor.close()


def ok(doc, code=200):
    assert doc["meta"]["scope"] == "success", doc
    assert doc["meta"]["code"] == code, doc
    return doc


def err(doc, code, message=None):
    assert doc["meta"]["scope"] == "exception", doc
    assert doc["meta"]["code"] == code, doc
    if message is not None:
        assert doc["meta"]["message"] == message, doc
    return doc["meta"]["message"]


@pytest.fixture
def make_admin(engine, app_settings, testapp):
    """Create an administrator with a password straight through the service."""

    def make(username, role_id="platform_owner", app="ecf", permissions=None, password=PASSWORD):
        session = get_session_factory(engine)()
        application = ALL[app]
        service = RecordService(
            session,
            application,
            "installer",
            lambda: SettingsService(session, application, app_settings).effective(),
        )
        body = {"username": username, "role_id": role_id}
        if permissions is not None:
            body["permissions"] = permissions
        change = service.create(application.objects["administrator"], body, {})
        force_password(session, change.record, password)
        session.commit()
        session.close()
        return username

    return make


@pytest.fixture
def api(testapp):
    return Api(testapp)


@pytest.fixture
def owner(api, make_admin) -> Api:
    make_admin("owner")
    return api.as_("owner")


SP_BODY = {
    "name": "IMSWorkX",
    "display_name": "IMSWorkX",
    "first_name": "Jane",
    "last_name": "Doe",
    "email": "example@example.com",
    "address": "1 Main St. Rochester, NY",
    "phone": "5858675309",
    "notes": "more notes",
}
