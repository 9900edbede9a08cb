"""The audit log (SPEC 9): one CSV line per change, never a secret."""

from __future__ import annotations

import csv
import datetime as dt
import glob
import io
import json
import multiprocessing
import os

import pytest
from sqlalchemy import select

from restworkx import audit
from restworkx.applications import ALL

from .conftest import PASSWORD, err, ok

COLUMNS = [
    "time",
    "application",
    "username",
    "role_id",
    "client",
    "method",
    "object",
    "identifier",
    "outcome",
    "fields",
]
NEW_PASSWORD = "another long password"
MAIL_PASSWORD = "mail-server-s3cret"


class AuditLog:
    def __init__(self, directory):
        self.directory = directory
        self.seen = len(self.rows())

    def text(self) -> str:
        out = []
        for path in sorted(glob.glob(os.path.join(self.directory, "audit-*.log"))):
            with open(path, encoding="utf-8") as f:
                out.append(f.read())
        return "".join(out)

    def rows(self) -> list[dict]:
        rows = list(csv.reader(io.StringIO(self.text())))
        for row in rows:
            assert len(row) == len(COLUMNS), row
        return [dict(zip(COLUMNS, row, strict=True)) for row in rows]

    def new(self) -> list[dict]:
        rows = self.rows()
        out, self.seen = rows[self.seen :], len(rows)
        return out

    def one(self, **expected) -> dict:
        rows = self.new()
        assert len(rows) == 1, rows
        (row,) = rows
        for key, value in expected.items():
            if key == "outcome_prefix":
                assert row["outcome"].startswith(value), row
            else:
                assert row[key] == value, (key, row)
        return row


@pytest.fixture
def log(app_settings):
    directory = os.path.join(app_settings["restworkx.data_root"], "ecf", "logs", "audit-logs")
    return AuditLog(directory)


def test_the_file_is_named_by_day(owner, log):
    ok(owner.post("service_provider", {"name": "acme"}))
    today = dt.datetime.now().astimezone().date()
    name = f"audit-{today.year}.{today.month:02d}.{today.day:02d}.log"
    assert os.path.exists(os.path.join(log.directory, name))
    row = log.one(application="ecf", username="owner", role_id="platform_owner")
    assert row["client"] == "192.0.2.10"
    stamp = dt.datetime.fromisoformat(row["time"])
    assert stamp.tzinfo is not None
    assert abs(stamp - dt.datetime.now().astimezone()) < dt.timedelta(minutes=5)


def test_every_change_appends_exactly_one_line(api, make_admin, log):
    secrets = {PASSWORD, NEW_PASSWORD, MAIL_PASSWORD, "wrong password"}
    make_admin("owner")
    log.new()

    # Logins, failed and successful.
    err(api.post("authenticate", {"username": "owner", "password": "wrong password"}), 401)
    log.one(username="owner", method="POST", object="authenticate", outcome_prefix="error 401: ")
    err(api.post("authenticate", {"username": "nobody", "password": "wrong password"}), 401)
    log.one(username="nobody", object="authenticate", outcome_prefix="error 401: ")
    owner = api.as_("owner")
    secrets.add(owner.token)
    log.one(username="owner", role_id="platform_owner", object="authenticate", outcome="login")

    # Create, modify, create by PUT.
    ok(owner.post("service_provider", {"name": "acme", "notes": "first"}))
    row = log.one(method="POST", object="service_provider", identifier="acme")
    assert json.loads(row["fields"])["notes"] == "first"
    ok(owner.put("service_provider/acme", {"notes": "second"}))
    row = log.one(method="PUT", object="service_provider", identifier="acme", outcome="modified")
    assert json.loads(row["fields"]) == {"notes": "second"}
    ok(owner.put("service_provider/other", {"notes": "made by PUT"}))
    log.one(method="PUT", identifier="other", outcome="created")
    ok(owner.post("subscriber/acme", {"name": "bob", "pin": "1234"}))
    log.one(object="subscriber", identifier="acme/bob")

    # Archive, restore, purge.
    ok(owner.delete("subscriber/acme/bob"), 205)
    log.one(method="DELETE", object="subscriber", identifier="acme/bob", outcome="archived")
    ok(owner.delete("subscriber/acme/bob?archive=true&restore=true"), 205)
    log.one(method="DELETE", identifier="acme/bob", outcome="restored")
    ok(owner.delete("service_provider/other"), 205)
    log.one(outcome="archived")
    ok(owner.delete("service_provider/other?archive=true"), 205)
    log.one(method="DELETE", object="service_provider", identifier="other", outcome="purged")

    # Settings, with a secret in the change.
    settings = {"web_settings": {"help_page": "http://example.com/help"}}
    settings["email_settings"] = {"password": MAIL_PASSWORD}
    ok(owner.put("settings", settings))
    row = log.one(method="PUT", object="settings")
    fields = json.loads(row["fields"])
    assert fields["web_settings"] == {"help_page": "http://example.com/help"}
    assert fields["email_settings"]["password"] != MAIL_PASSWORD

    # An administrator: creation, activation, reset, password set by the reset.
    doc = ok(owner.post("administrator/service_provider:acme", {"username": "sp_acme"}))
    activation = doc["meta"]["activation_token"]
    secrets.add(activation)
    log.one(object="administrator", identifier="service_provider:acme/sp_acme")
    body = {"username": "sp_acme", "token": activation, "password": PASSWORD}
    ok(api.post("activate", body))
    log.one(username="sp_acme", object="administrator", outcome="password set")
    doc = ok(owner.post("administrator/service_provider:acme/sp_acme/reset"))
    reset = doc["data"][0]["token"]
    secrets.add(reset)
    log.one(username="owner", identifier="service_provider:acme/sp_acme", outcome="password reset")
    ok(api.post("activate", {"username": "sp_acme", "token": reset, "password": NEW_PASSWORD}))
    log.one(username="sp_acme", outcome="password set")
    sp = api.as_("sp_acme", NEW_PASSWORD)
    secrets.add(sp.token)
    log.one(username="sp_acme", role_id="service_provider:acme", outcome="login")

    # Failed writes.
    err(owner.post("service_provider", {"last_name": "x"}), 400)
    log.one(
        method="POST",
        object="service_provider",
        outcome="error 400: ServiceProvider(): Field 'name' is required, but missing.",
    )
    err(owner.post("service_provider", {"name": "acme"}), 409)
    log.one(outcome_prefix="error 409: ")
    err(sp.post("service_provider", {"name": "x"}), 403)
    log.one(
        username="sp_acme",
        outcome="error 403: You do not have permission to perform that operation.",
    )
    err(owner.delete("subscriber/acme/ghost"), 404)
    log.one(method="DELETE", identifier="acme/ghost", outcome_prefix="error 404: ")
    err(api.post("activate", {"username": "sp_acme", "token": reset, "password": "x" * 20}), 401)
    log.one(outcome_prefix="error 401: ")
    err(api.post("service_provider", {"name": "x"}), 401)  # no token at all
    log.one(username="", outcome_prefix="error 401: ")

    text = log.text()
    for secret in secrets:
        assert secret not in text, secret
    assert "$argon2" not in text


def test_reads_are_not_audited(owner, log):
    ok(owner.post("service_provider", {"name": "acme"}))
    ok(owner.post("subscriber/acme", {"name": "bob", "pin": "1234"}))
    log.new()
    for path in (
        "service_provider",
        "service_provider/acme",
        "service_provider/ghost",
        "subscriber?archive=true",
        "subscriber/acme/bob",
        "administrator",
        "settings",
    ):
        ok(owner.get(path))
    err(owner.get("servi"), 404)
    err(owner.get("subscriber?sort=nope ASC"), 400)
    assert log.new() == []


def test_audit_lines_with_awkward_values_stay_one_record(owner, log):
    notes = 'a "quoted", comma\nand a newline'
    ok(owner.post("service_provider", {"name": "acme", "notes": notes}))
    row = log.one(identifier="acme")
    assert json.loads(row["fields"])["notes"] == notes


# -- concurrency ---------------------------------------------------------------------
WORKERS, LINES = 4, 500
NOW = dt.datetime(2024, 2, 29, 12, 0, tzinfo=dt.UTC)


def _writer(directory: str, worker: int) -> None:
    for i in range(LINES):
        audit.write(
            directory,
            {
                "application": "ecf",
                "username": f"w{worker}",
                "method": "POST",
                "object": "subscriber",
                "identifier": f"{worker}/{i}",
                "outcome": "ok",
                "fields": {"notes": 'with "quotes", commas' + "x" * (i % 97)},
            },
            now=NOW,
        )


def test_concurrent_writers_never_interleave(tmp_path):
    directory = str(tmp_path / "audit-logs")
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(directory, w)) for w in range(WORKERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    (path,) = glob.glob(os.path.join(directory, "*"))
    assert os.path.basename(path) == "audit-2024.02.29.log"
    with open(path, encoding="utf-8") as f:
        raw = f.read()
    assert raw.endswith("\n")
    assert raw.count("\n") == WORKERS * LINES
    rows = list(csv.reader(io.StringIO(raw)))
    assert len(rows) == WORKERS * LINES
    seen = set()
    for row in rows:
        assert len(row) == len(COLUMNS), row
        values = dict(zip(COLUMNS, row, strict=True))
        worker, i = values["identifier"].split("/")
        assert values["username"] == f"w{worker}"
        fields = json.loads(values["fields"])
        assert fields["notes"] == 'with "quotes", commas' + "x" * (int(i) % 97)
        seen.add(values["identifier"])
    assert len(seen) == WORKERS * LINES


# -- the database is the record ------------------------------------------------------


def _stored_lines(engine, app="ecf") -> list[bytes]:
    t = audit.AuditLine.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(t.c.line).where(t.c.app == app).order_by(t.c.at, t.c.id))
        return [r.encode() for r in rows.scalars()]


@pytest.fixture
def fresh_log(log):
    """This test's lines only: the files outlive the tables emptied after each test."""
    for path in glob.glob(os.path.join(log.directory, "audit-*")):
        os.unlink(path)
    log.seen = 0
    return log


def test_every_line_is_in_the_database_too(api, make_admin, fresh_log, engine):
    make_admin("owner")
    err(api.post("authenticate", {"username": "owner", "password": "wrong password"}), 401)
    owner = api.as_("owner")
    ok(owner.post("service_provider", {"name": "acme"}))  # a change: its own transaction
    err(owner.post("service_provider", {"name": "acme"}), 409)  # refused: a short one
    err(owner.post("service_provider", {"last_name": "x"}), 400)
    assert [r["outcome"][:9] for r in fresh_log.new()] == [
        "error 401",
        "login",
        "created",
        "error 409",
        "error 400",
    ]
    assert b"".join(_stored_lines(engine)) == fresh_log.text().encode()
    # The failed login was counted although it was audited in another transaction.
    admin_t = ALL["ecf"].objects["administrator"].model.__table__
    with engine.connect() as conn:
        assert conn.execute(select(admin_t.c.failed_logins)).scalar() == 0  # reset by the login


def test_sync_rebuilds_a_deleted_or_partial_day_file(fresh_log, owner, engine, app_settings):
    ok(owner.post("service_provider", {"name": "acme", "notes": 'a "quoted",\nnote'}))
    ok(owner.post("subscriber/acme", {"name": "bob", "pin": "1234"}))
    err(owner.post("service_provider", {"name": "acme"}), 409)
    (path,) = glob.glob(os.path.join(fresh_log.directory, "audit-*.log"))
    with open(path, "rb") as fh:
        original = fh.read()
    assert [r["outcome"][:9] for r in fresh_log.rows()] == [
        "login",
        "created",
        "created",
        "error 409",
    ]

    os.unlink(path)
    assert audit.sync_audit_files(app_settings, "ecf") == {"ecf": [path]}
    with open(path, "rb") as fh:
        assert fh.read() == original

    with open(path, "r+b") as fh:
        fh.truncate(len(original) - 30)  # a file cut in its last line
    assert audit.sync_audit_files(app_settings, "ecf", days=1) == {"ecf": [path]}
    with open(path, "rb") as fh:
        assert fh.read() == original
    assert audit.sync_audit_files(app_settings) == {"ecf": [], "icr": [], "cin": [], "isna": []}


def test_sync_brings_the_other_hosts_lines_and_keeps_this_ones(
    fresh_log, owner, engine, app_settings
):
    ok(owner.post("service_provider", {"name": "here"}))
    before = dt.datetime.now().astimezone() - dt.timedelta(seconds=5)
    there = audit.make({"application": "ecf", "username": "elsewhere"}, now=before)
    assert audit.record_now(engine, there)  # written on the old primary, never here
    only_here = audit.make({"application": "ecf", "username": "db-was-down"})
    audit.append(fresh_log.directory, only_here)  # its insert failed
    (path,) = audit.sync_audit_files(app_settings, "ecf")["ecf"]
    rows = fresh_log.rows()
    assert [r["username"] for r in rows] == ["elsewhere", "owner", "owner", "db-was-down"]
    assert [r["outcome"] for r in rows][1:3] == ["login", "created"]
    assert _stored_lines(engine)[-1] == only_here.data
    with open(path, "rb") as fh:
        assert fh.read() == b"".join(_stored_lines(engine))
