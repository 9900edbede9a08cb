"""Logins, lock-out, tokens, activation, reset and recovery mail (SPEC 4)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import socket
from email import message_from_bytes

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from restworkx.applications import ALL
from restworkx.auth.models import Token

from .conftest import PASSWORD, err, ok

LOGIN_FAILED = "The username and password provided were not correct."
NOT_PERMITTED = "You do not have permission to perform that operation."
ADMIN = ALL["ecf"].objects["administrator"].model
NEW_PASSWORD = "a brand new password"


def utcnow():
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@pytest.fixture
def acme(owner, make_admin):
    ok(owner.post("service_provider", {"name": "acme"}))
    ok(owner.post("service_provider", {"name": "other"}))
    ok(owner.post("subscriber/acme", {"name": "bob", "pin": "1234"}))
    make_admin("sp_acme", "service_provider:acme")
    make_admin("sp_other", "service_provider:other")
    make_admin("sub_bob", "subscriber:acme:bob")
    return owner


def login(api, username, password=PASSWORD):
    return api.post("authenticate", {"username": username, "password": password})


def db_update(engine, stmt):
    with Session(engine) as s:
        s.execute(stmt)
        s.commit()


def token_rows(engine):
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(Token.__table__)).mappings()]


# -- lock-out ----------------------------------------------------------------------
def test_lockout_after_login_attempts_then_unlock(acme, api, engine):
    ok(acme.put("settings", {"web_settings": {"login_attempts": 3, "lockout_minutes": 15}}))
    for _ in range(3):
        err(login(api, "sp_acme", "wrong password"), 401, LOGIN_FAILED)
    for password in (PASSWORD, "wrong password"):
        message = err(login(api, "sp_acme", password), 401)
        assert "locked" in message and "sp_acme" in message, message
        assert "15 minutes" in message, message
    # Others are not affected.
    ok(login(api, "sp_other"))

    db_update(
        engine,
        update(ADMIN)
        .where(ADMIN.username == "sp_acme")
        .values(locked_until=utcnow() - dt.timedelta(seconds=1)),
    )
    token = ok(login(api, "sp_acme"))["data"][0]["token"]
    ok(api.get("service_provider/acme", token=token))


def test_a_success_resets_the_failure_count(acme, api):
    ok(acme.put("settings", {"web_settings": {"login_attempts": 3}}))
    for _ in range(2):
        err(login(api, "sp_acme", "wrong password"), 401, LOGIN_FAILED)
    ok(login(api, "sp_acme"))
    for _ in range(2):
        err(login(api, "sp_acme", "wrong password"), 401, LOGIN_FAILED)
    ok(login(api, "sp_acme"))


# -- tokens --------------------------------------------------------------------------
def test_tokens_are_random_and_only_their_hash_is_stored(acme, api, engine):
    tokens = [ok(login(api, "sp_acme"))["data"][0]["token"] for _ in range(3)]
    assert len(set(tokens)) == 3
    for token in tokens:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 >= 128, token
    rows = token_rows(engine)
    dump = repr(rows)
    for token in tokens:
        assert token not in dump
        digest = hashlib.sha256(token.encode()).hexdigest()
        (row,) = [r for r in rows if r["token_hash"] == digest]
        assert row["kind"] == "session"
        assert row["expires_at"] - row["created"] == dt.timedelta(hours=24)
        assert abs(row["created"] - utcnow()) < dt.timedelta(minutes=5)
    # The administrator table holds no raw token either.
    with engine.connect() as conn:
        admins = repr([dict(r) for r in conn.execute(select(ADMIN.__table__)).mappings()])
    assert not any(token in admins for token in tokens)


def test_a_token_expires_after_24_hours(acme, api, engine):
    token = ok(login(api, "sp_acme"))["data"][0]["token"]
    digest = hashlib.sha256(token.encode()).hexdigest()
    ok(api.get("service_provider/acme", token=token))
    # Moving the clock a day on means moving the issue time a day back.
    with Session(engine) as s:
        row = s.execute(select(Token).where(Token.token_hash == digest)).scalar_one()
        row.created -= dt.timedelta(hours=24, seconds=1)
        row.expires_at -= dt.timedelta(hours=24, seconds=1)
        s.commit()
    assert "expired" in err(api.get("service_provider/acme", token=token), 401)


# -- activation ------------------------------------------------------------------------
def test_a_new_administrator_activates_once(acme, api):
    doc = ok(acme.post("administrator/service_provider:acme", {"username": "newbie"}))
    token = doc["meta"]["activation_token"]
    assert len(token) >= 22
    assert token not in repr(doc["data"])
    assert "password" not in doc["data"][0]["attributes"]

    for password in (PASSWORD, "", "anything at all"):
        err(login(api, "newbie", password), 401, LOGIN_FAILED)

    short = "x" * 7
    message = err(
        api.post("activate", {"username": "newbie", "token": token, "password": short}), 400
    )
    assert "password_length" in message and "8" in message
    err(api.post("activate", {"username": "newbie", "token": "nope", "password": PASSWORD}), 401)
    err(api.post("activate", {"username": "sp_acme", "token": token, "password": PASSWORD}), 401)
    err(login(api, "newbie", short), 401, LOGIN_FAILED)

    ok(api.post("activate", {"username": "newbie", "token": token, "password": PASSWORD}))
    session = ok(login(api, "newbie"))["data"][0]["token"]
    ok(api.get("subscriber/acme", token=session))

    # Single use: the same token cannot set another password.
    again = api.post("activate", {"username": "newbie", "token": token, "password": NEW_PASSWORD})
    assert "not valid" in err(again, 401)
    err(login(api, "newbie", NEW_PASSWORD), 401, LOGIN_FAILED)
    ok(login(api, "newbie"))


def test_password_length_setting_is_enforced(acme, api):
    ok(acme.put("settings", {"web_settings": {"password_length": 12}}))
    token = ok(acme.post("administrator/service_provider:acme", {"username": "newbie"}))["meta"][
        "activation_token"
    ]
    body = {"username": "newbie", "token": token, "password": "x" * 11}
    assert "12" in err(api.post("activate", body), 400)
    ok(api.post("activate", {**body, "password": "x" * 12}))


def test_activate_needs_all_fields(api, acme):
    err(api.post("activate", {"username": "sp_acme"}), 400)
    err(api.post("activate", raw="{not json"), 400)


# -- reset -----------------------------------------------------------------------------
def test_reset_sets_a_new_password_and_ends_old_sessions(acme, api):
    sp = api.as_("sp_acme")
    doc = ok(sp.post("administrator/subscriber:acme:bob/sub_bob/reset"))
    reset = doc["data"][0]["token"]
    bob_session = ok(login(api, "sub_bob"))["data"][0]["token"]
    ok(api.get("subscriber/acme/bob", token=bob_session))  # not ended before use

    body = {"username": "sub_bob", "token": reset, "password": NEW_PASSWORD}
    ok(api.post("activate", body))
    assert "not valid" in err(api.get("subscriber/acme/bob", token=bob_session), 401)
    err(login(api, "sub_bob"), 401, LOGIN_FAILED)
    ok(login(api, "sub_bob", NEW_PASSWORD))
    err(api.post("activate", {**body, "password": "yet another password"}), 401)
    # The administrator who asked for the reset keeps its session.
    ok(sp.get("subscriber/acme/bob"))


def test_a_new_reset_token_replaces_the_old(acme, api):
    first = ok(acme.post("administrator/service_provider:acme/sp_acme/reset"))["data"][0]["token"]
    second = ok(acme.post("administrator/service_provider:acme/sp_acme/reset"))["data"][0]["token"]
    assert first != second
    body = {"username": "sp_acme", "password": NEW_PASSWORD}
    err(api.post("activate", {**body, "token": first}), 401)
    ok(api.post("activate", {**body, "token": second}))


@pytest.mark.parametrize(
    ("caller", "target"),
    [
        ("sp_other", "service_provider:acme/sp_acme"),
        ("sub_bob", "service_provider:acme/sp_acme"),
        ("sp_acme", "service_provider:other/sp_other"),
        ("sp_acme", "platform_owner/owner"),
    ],
)
def test_reset_by_an_unauthorized_admin_is_403(acme, api, engine, caller, target):
    other = api.as_(caller)
    before = [r for r in token_rows(engine) if r["kind"] != "session"]
    err(other.post(f"administrator/{target}/reset"), 403, NOT_PERMITTED)
    assert [r for r in token_rows(engine) if r["kind"] != "session"] == before


def test_reset_of_a_missing_administrator(acme):
    err(acme.post("administrator/service_provider:acme/nobody/reset"), 404)


def test_reset_answers_only_post(acme):
    resp = acme.get("administrator/service_provider:acme/sp_acme/reset")
    assert resp.status_int == 405
    assert resp.headers["Allow"] == "POST"


# -- archiving an administrator ---------------------------------------------------------
def test_archiving_an_administrator_invalidates_its_tokens(acme, api, engine):
    sp = api.as_("sp_acme")
    reset = ok(acme.post("administrator/service_provider:acme/sp_acme/reset"))["data"][0]["token"]
    admin_id = _admin_id(engine, "sp_acme")
    assert [r for r in token_rows(engine) if r["admin_id"] == admin_id]

    ok(acme.delete("administrator/service_provider:acme/sp_acme"), 205)
    assert "not valid" in err(sp.get("subscriber/acme"), 401)
    assert [r for r in token_rows(engine) if r["admin_id"] == admin_id] == []
    err(login(api, "sp_acme"), 401, LOGIN_FAILED)
    body = {"username": "sp_acme", "token": reset, "password": NEW_PASSWORD}
    err(api.post("activate", body), 401)

    ok(acme.delete("administrator/service_provider:acme/sp_acme?archive=true&restore=true"), 205)
    err(sp.get("subscriber/acme"), 401)  # old sessions stay dead
    ok(login(api, "sp_acme"))


def _admin_id(engine, username):
    with engine.connect() as conn:
        return conn.execute(select(ADMIN.id).where(ADMIN.username == username)).scalar_one()


# -- mail --------------------------------------------------------------------------------
class Recorder:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        msg = message_from_bytes(envelope.content)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 OK"

    def token(self, index=-1) -> str:
        body = self.messages[index][1].get_payload(decode=True).decode()
        return re.search(r"Token: (\S+)", body).group(1)


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    yield recorder, port
    controller.stop()


@pytest.fixture
def mailing(acme, smtp):
    recorder, port = smtp
    settings = {"email_settings": {"use_email": True, "host": "127.0.0.1", "port": port}}
    ok(acme.put("settings", settings))
    ok(acme.put("administrator/service_provider:acme/sp_acme", {"email": "sp@acme.example"}))
    return recorder


def test_creation_mails_the_activation_token(acme, mailing, api):
    doc = ok(
        acme.post(
            "administrator/service_provider:acme",
            {"username": "newbie", "email": "newbie@acme.example"},
        )
    )
    assert "activation_token" not in doc["meta"]
    assert len(mailing.messages) == 1
    rcpt, msg = mailing.messages[0]
    assert rcpt == ["newbie@acme.example"]
    assert msg["Subject"] == "Activate Your Account"
    token = mailing.token()
    assert token not in repr(doc)
    ok(api.post("activate", {"username": "newbie", "token": token, "password": PASSWORD}))
    ok(login(api, "newbie"))


def test_creation_without_email_is_refused_while_mailing(acme, mailing):
    message = err(acme.post("administrator/service_provider:acme", {"username": "newbie"}), 400)
    assert "email" in message
    assert mailing.messages == []
    assert acme.get("administrator/service_provider:acme/newbie")["data"] == []


def test_unauthenticated_reset_mails_a_recovery_token(acme, mailing, api):
    session = ok(login(api, "sp_acme"))["data"][0]["token"]
    api.token = None
    existing = ok(api.post("administrator/service_provider:acme/sp_acme/reset"))
    assert existing["data"] == []
    assert len(mailing.messages) == 1
    rcpt, msg = mailing.messages[0]
    assert rcpt == ["sp@acme.example"]
    assert msg["Subject"] == "Recover Your Account"
    token = mailing.token()

    missing = ok(api.post("administrator/service_provider:acme/nobody/reset"))
    wrong_role = ok(api.post("administrator/service_provider:other/sp_acme/reset"))
    no_email = ok(api.post("administrator/service_provider:other/sp_other/reset"))
    assert existing == missing == wrong_role == no_email
    assert len(mailing.messages) == 1

    ok(api.post("activate", {"username": "sp_acme", "token": token, "password": NEW_PASSWORD}))
    err(api.get("subscriber/acme", token=session), 401)
    ok(login(api, "sp_acme", NEW_PASSWORD))


def test_authorized_reset_mails_instead_of_answering_the_token(acme, mailing):
    doc = ok(acme.post("administrator/service_provider:acme/sp_acme/reset"))
    assert doc["data"] == []
    assert len(mailing.messages) == 1
    assert mailing.messages[0][0] == ["sp@acme.example"]


def test_without_mail_an_unauthenticated_reset_is_refused(acme, api):
    api.token = None
    err(api.post("administrator/service_provider:acme/sp_acme/reset"), 401)
