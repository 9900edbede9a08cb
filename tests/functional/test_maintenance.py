"""Nightly maintenance: purge by age, old CSV files, audit files, idempotency, locking."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

from sqlalchemy import select, update

from restworkx import maintenance
from restworkx.applications import ALL
from restworkx.settings.service import installer_values

from .conftest import ok


def _age_archive(engine, obj, days):
    t = ALL["ecf"].objects[obj].model.__table__
    when = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=days)
    with engine.begin() as conn:
        conn.execute(update(t).where(t.c.archived_at.is_not(None)).values(archived_at=when))


def test_purge_by_age_and_zero_keeps(owner, app_settings, engine):
    for name in ("old", "recent"):
        ok(owner.post("service_provider", {"name": name}))
        ok(owner.post(f"subscriber/{name}", {"name": "s", "pin": "1234"}))
    ok(owner.delete("service_provider/old"), 205)
    _age_archive(engine, "service_provider", 8)
    _age_archive(engine, "subscriber", 8)
    ok(owner.delete("service_provider/recent"), 205)  # archived just now

    ok(owner.put("settings", {"restworkx": {"archive_max_days": 0}}))
    report = maintenance.run(app_settings, engine)
    assert report["ecf"]["purged"] == {}
    assert ok(owner.get("service_provider?archive=true"))["meta"]["records_total"] == 2

    ok(owner.put("settings", {"restworkx": {"archive_max_days": 7}}))
    report = maintenance.run(app_settings, engine)
    assert report["ecf"]["purged"] == {"service_provider": 1, "subscriber": 1}
    archived = ok(owner.get("service_provider?archive=true"))["data"]
    assert [r["attributes"]["name"] for r in archived] == ["recent"]
    assert ok(owner.get("subscriber?archive=true"))["meta"]["records_total"] == 1
    # A second run has nothing left to do.
    assert maintenance.run(app_settings, engine)["ecf"]["purged"] == {}


def test_old_csv_files_and_audit_files(owner, app_settings, engine):
    values = installer_values("ecf", app_settings)
    up, down = values["upload_directory"], values["download_directory"]
    audit_dir = values["restworkx"]["audit_log_directory"]
    for d in (up, os.path.join(up, "sp:x"), down, audit_dir):
        os.makedirs(d, exist_ok=True)
    old = time.time() - 31 * 86400
    files = {
        "old_up": os.path.join(up, "sp:x", "old.csv"),
        "new_up": os.path.join(up, "new.csv"),
        "old_down": os.path.join(down, "old-export.csv"),
        "old_other": os.path.join(down, "keep.txt"),
    }
    for key, path in files.items():
        Path(path).write_text("x\n")
        if key.startswith("old"):
            os.utime(path, (old, old))
    today = dt.date.today()
    names = [
        f"audit-{d:%Y.%m.%d}.log" for d in (today - dt.timedelta(days=n) for n in (0, 1, 2, 9))
    ]
    for name in names[1:]:
        open(os.path.join(audit_dir, name), "a").close()
    ok(owner.put("settings", {"restworkx": {"log_duration": 2}}))
    report = maintenance.run(app_settings, engine)["ecf"]
    assert sorted(report["csv_removed"]) == sorted([files["old_up"], files["old_down"]])
    assert os.path.exists(files["new_up"]) and os.path.exists(files["old_other"])
    assert report["audit_removed"] == [names[3]]
    present = set(os.listdir(audit_dir))
    assert set(names[:3]) <= present and names[3] not in present
    again = maintenance.run(app_settings, engine)["ecf"]
    assert again["csv_removed"] == [] and again["audit_removed"] == []
    # csv_retention_days 0 keeps every file.
    ok(owner.put("settings", {"ecf_settings": {"csv_retention_days": 0}}))
    os.utime(files["new_up"], (old, old))
    assert maintenance.run(app_settings, engine)["ecf"]["csv_removed"] == []


def test_a_second_run_at_once_and_a_standby_do_nothing(app_settings, engine, monkeypatch):
    with maintenance.exclusive(engine, app_settings) as held:
        assert held
        assert maintenance.run(app_settings, engine) == {
            "skipped": "another maintenance run is in progress"
        }
    monkeypatch.setattr(maintenance, "is_writable_primary", lambda conn: False)
    assert maintenance.run(app_settings, engine) == {"skipped": "not the writable primary"}


def test_scheduler_runs_at_local_midnight(app_settings, monkeypatch):
    tz = dt.timezone(dt.timedelta(hours=-5))
    clock = [dt.datetime(2024, 3, 9, 23, 59, 0, tzinfo=tz)]
    runs = []

    def sleep(seconds):
        clock[0] += dt.timedelta(seconds=seconds)

    monkeypatch.setattr(
        maintenance, "next_midnight", lambda now: dt.datetime(2024, 3, 10, 0, 0, tzinfo=tz)
    )
    monkeypatch.setattr(maintenance, "run", lambda settings, engine: runs.append(clock[0]))
    maintenance.scheduler(app_settings, sleep=sleep, clock=lambda: clock[0], runs=1)
    assert runs == [dt.datetime(2024, 3, 10, 0, 0, tzinfo=tz)]


def test_is_writable_primary_on_this_backend(engine):
    with engine.connect() as conn:
        assert maintenance.is_writable_primary(conn) is True


def test_audit_lines_are_pruned_and_the_files_synced(owner, app_settings, engine):
    from restworkx import audit

    directory = installer_values("ecf", app_settings)["restworkx"]["audit_log_directory"]
    now = dt.datetime.now().astimezone()
    old = audit.make({"application": "ecf", "username": "old"}, now=now - dt.timedelta(days=9))
    recent = audit.make({"application": "ecf", "username": "peer"}, now=now)
    for line in (old, recent):
        assert audit.record_now(engine, line)  # lines of the other host
    ok(owner.put("settings", {"restworkx": {"log_duration": 2}}))
    report = maintenance.run(app_settings, engine)["ecf"]
    assert report["audit_lines_removed"] == 1
    assert report["audit_synced"] == [audit.audit_path(directory, now.date())]
    assert not os.path.exists(audit.audit_path(directory, old.day))
    assert recent.data in Path(audit.audit_path(directory, now.date())).read_bytes()
    t = audit.AuditLine.__table__
    with engine.connect() as conn:
        lines = conn.execute(select(t.c.line)).scalars().all()
    assert recent.data.decode() in lines and old.data.decode() not in lines
    again = maintenance.run(app_settings, engine)["ecf"]
    assert again["audit_lines_removed"] == 0 and again["audit_synced"] == []
