"""Nightly maintenance (``restworkx maintenance``; ``restworkx scheduler`` runs
it at every local midnight).

For every installed application:

- purges records archived longer than ``restworkx.archive_max_days`` days
  (0 keeps them forever), with the tokens of purged administrators;
- removes CSV files older than ``csv_retention_days`` days (0 keeps them)
  from the upload and download directories, and from the database's store
  of job files (jobs/files.py);
- starts the day's audit file and removes audit files dated more than
  ``restworkx.log_duration`` days before today, and their lines from the
  database; then rewrites this host's audit files from the database
  (``audit.sync_audit_files``), so a new primary's files hold the lines
  written on the old one.

It does nothing on a host whose database is not the writable primary
(PostgreSQL in recovery), and takes a lock (a PostgreSQL advisory lock, or
a file lock under the data root on SQLite) so two runs never overlap. Every
step is idempotent: a second run finds nothing more to do.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import os
import re
import time

from sqlalchemy import delete, select, text

from . import applications, audit
from .db import get_engine, get_session_factory, utcnow
from .settings.service import SettingsService, data_root, installer_values

log = logging.getLogger(__name__)

ADVISORY_KEY = 0x52575858  # "RWXX"
AUDIT_NAME = re.compile(r"audit-(\d{4})\.(\d{2})\.(\d{2})\.log(?:\..*)?$")


def is_writable_primary(conn) -> bool:
    if conn.dialect.name == "postgresql":
        return not conn.execute(text("SELECT pg_is_in_recovery()")).scalar()
    return True


@contextlib.contextmanager
def exclusive(engine, settings: dict):
    """Yield True while holding the maintenance lock, False if another run holds it."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY})
            held = bool(got.scalar())
            conn.commit()
            try:
                yield held
            finally:
                if held:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
                    conn.commit()
        return
    root = data_root(settings)
    os.makedirs(root, exist_ok=True)
    fd = os.open(os.path.join(root, "maintenance.lock"), os.O_RDWR | os.O_CREAT, 0o640)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _find(doc, key):
    """The first value of ``key`` anywhere in a settings document."""
    if isinstance(doc, dict):
        if key in doc:
            return doc[key]
        for value in doc.values():
            found = _find(value, key)
            if found is not None:
                return found
    return None


def run(settings: dict, engine=None, now: dt.datetime | None = None) -> dict:
    """One maintenance run; returns what it did, per application."""
    engine = engine or get_engine(settings)
    with engine.connect() as conn:
        primary = is_writable_primary(conn)
    if not primary:
        log.info("maintenance: this host's database is not the writable primary; nothing to do")
        return {"skipped": "not the writable primary"}
    with exclusive(engine, settings) as held:
        if not held:
            log.info("maintenance: another run holds the lock; nothing to do")
            return {"skipped": "another maintenance run is in progress"}
        report = {}
        sessions = get_session_factory(engine)
        for app in applications.installed(settings).values():
            report[app.short_name] = run_app(sessions, app, settings, now)
        return report


def run_app(sessions, app, settings: dict, now: dt.datetime | None = None) -> dict:
    local_now = now or dt.datetime.now().astimezone()
    utc_now = local_now.astimezone(dt.UTC).replace(tzinfo=None) if now else utcnow()
    dirs = installer_values(app.short_name, settings)
    audit_dir = dirs["restworkx"]["audit_log_directory"]
    db = sessions()
    try:
        doc = SettingsService(db, app, settings).effective()
        db.rollback()
        done = {
            "purged": purge_archived(db, app, int(doc["restworkx"]["archive_max_days"]), utc_now),
        }
        retention = _find(doc, "csv_retention_days")
        retention = int(retention) if retention is not None else 0
        done["stored_removed"] = remove_stored_files(db, app, settings, retention, utc_now)
        keep_days = int(doc["restworkx"]["log_duration"])
        done["audit_lines_removed"] = audit.prune(
            db, app.short_name, oldest_audit_day(keep_days, local_now)
        )
        db.commit()
    finally:
        db.close()
    done["csv_removed"] = remove_old_csv(
        [dirs["upload_directory"], dirs["download_directory"]],
        retention,
        local_now.timestamp(),
    )
    done["audit_removed"] = rotate_audit(audit_dir, keep_days, local_now)
    done["audit_synced"] = audit.sync_audit_files(
        settings, app.short_name, engine=sessions.kw["bind"]
    )[app.short_name]
    log.info(
        "maintenance %s: purged %s, removed %d CSV files (%d stored), removed %d audit "
        "files (%d lines stored), rewrote %d audit files from the database",
        app.short_name,
        ", ".join(f"{n} {o}" for o, n in done["purged"].items()) or "nothing",
        len(done["csv_removed"]),
        len(done["stored_removed"]),
        len(done["audit_removed"]),
        done["audit_lines_removed"],
        len(done["audit_synced"]),
    )
    return done


def purge_archived(db, app, max_days: int, utc_now: dt.datetime) -> dict[str, int]:
    """Delete records archived more than ``max_days`` days ago; 0 keeps them."""
    if max_days <= 0:
        return {}
    from .auth.models import Token

    cutoff = utc_now - dt.timedelta(days=max_days)
    out = {}
    for spec in app.objects.values():
        if not spec.archivable:
            continue
        t = spec.model.__table__
        old = (t.c.archived_at.is_not(None), t.c.archived_at < cutoff)
        if spec.name == "administrator":
            db.execute(
                delete(Token).where(
                    Token.app == app.short_name, Token.admin_id.in_(select(t.c.id).where(*old))
                )
            )
        count = db.execute(delete(t).where(*old)).rowcount
        if count:
            out[spec.name] = count
    db.commit()
    return out


def remove_old_csv(directories, retention_days: int, now_ts: float) -> list[str]:
    """Remove *.csv files older than ``retention_days`` days; 0 keeps them."""
    if retention_days <= 0:
        return []
    cutoff = now_ts - retention_days * 86400
    removed = []
    for top in directories:
        if not os.path.isdir(top):
            continue
        for dirpath, _dirs, files in os.walk(top):
            for name in files:
                if not name.lower().endswith((".csv", ".csv.part")):
                    continue
                path = os.path.join(dirpath, name)
                try:
                    if os.lstat(path).st_mtime < cutoff:
                        os.unlink(path)
                        removed.append(path)
                except FileNotFoundError:
                    continue  # another run removed it
    return removed


def remove_stored_files(db, app, settings: dict, retention_days: int, utc_now) -> list[str]:
    """Remove stored job files last written more than ``retention_days`` days
    ago (the caller commits); 0 keeps them."""
    if retention_days <= 0:
        return []
    from .jobs.files import FileStore

    cutoff = utc_now - dt.timedelta(days=retention_days)
    return FileStore(app.short_name, settings).remove_older(db, cutoff)


def oldest_audit_day(keep_days: int, local_now: dt.datetime) -> dt.date:
    return local_now.date() - dt.timedelta(days=max(keep_days, 1))


def rotate_audit(directory: str, keep_days: int, local_now: dt.datetime) -> list[str]:
    """Start today's audit file; remove those dated more than ``keep_days`` days ago."""
    os.makedirs(directory, exist_ok=True)
    today = local_now.date()
    path = audit.audit_path(directory, today)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    os.close(fd)
    oldest_kept = oldest_audit_day(keep_days, local_now)
    removed = []
    for name in sorted(os.listdir(directory)):
        m = AUDIT_NAME.match(name)
        if not m:
            continue
        day = dt.date(int(m[1]), int(m[2]), int(m[3]))
        if day < oldest_kept:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(directory, name))
                removed.append(name)
    return removed


def next_midnight(now: dt.datetime) -> dt.datetime:
    """The next local midnight after ``now`` (an aware local datetime)."""
    tomorrow = (now + dt.timedelta(days=1)).date()
    return dt.datetime.combine(tomorrow, dt.time(0, 0)).astimezone()


def scheduler(settings: dict, *, sleep=time.sleep, clock=None, runs: int | None = None) -> None:
    """Run maintenance at every local midnight, forever (or ``runs`` times)."""
    clock = clock or (lambda: dt.datetime.now().astimezone())
    engine = get_engine(settings)
    done = 0
    log.info("scheduler: maintenance runs at every local midnight")
    while runs is None or done < runs:
        due = next_midnight(clock())
        while (left := (due - clock()).total_seconds()) > 0:
            sleep(min(left, 60.0))  # short naps follow clock and DST changes
        try:
            run(settings, engine)
        except Exception:
            log.exception("maintenance failed; the next run is at the next midnight")
        done += 1
