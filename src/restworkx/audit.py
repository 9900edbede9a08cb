"""The audit log: one CSV line per change or login attempt, per day a file.

The database is the record: every line is a row of ``audit_log``, inserted
in the transaction of the change it records (``record``), or in a short
transaction of its own for what has none (login attempts, refused changes:
``record_now``). The same line is appended to this host's per-day file once
that transaction has committed, for the operators who read the files; and
``sync_audit_files`` rewrites a host's files from the database, so the new
primary of a pair gets the lines written on the old one.

Lines are written with a single write() on a file opened O_APPEND under an
exclusive flock, so several processes never interleave or lose lines. Once a
writer holds the lock it checks that its file is still the one at the path
(a sync or logrotate may have put another there) and opens it again if not.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import fcntl
import io
import json
import logging
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Date, DateTime, Index, Integer, String, Text, delete, insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base

log = logging.getLogger(__name__)

COLUMNS = (
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
)
# When the last sync of a directory read the database (see ``append``).
SYNC_MARK = ".audit-sync"


class AuditLine(Base):
    """One line of an application's audit log, exactly as in the day's file."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_app_day", "app", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app: Mapped[str] = mapped_column(String(16))
    day: Mapped[dt.date] = mapped_column(Date)  # the file's date (local time)
    at: Mapped[dt.datetime] = mapped_column(DateTime)  # UTC
    line: Mapped[str] = mapped_column(Text)  # the CSV record, its newline included


@dataclass(frozen=True)
class Line:
    app: str
    day: dt.date
    at: dt.datetime
    data: bytes

    @property
    def made(self) -> float:
        return self.at.replace(tzinfo=dt.UTC).timestamp()


def audit_path(directory: str, day: dt.date) -> str:
    return os.path.join(directory, f"audit-{day.year}.{day.month:02d}.{day.day:02d}.log")


def format_line(values: dict) -> bytes:
    buf = io.StringIO()
    row = []
    for col in COLUMNS:
        value = values.get(col, "")
        if isinstance(value, dict | list):
            value = json.dumps(value, sort_keys=True, default=str)
        row.append("" if value is None else str(value))
    csv.writer(buf, lineterminator="\n").writerow(row)
    return buf.getvalue().encode("utf-8")


def make(values: dict, now: dt.datetime | None = None) -> Line:
    """The line for these values, stamped with the local time."""
    now = now or dt.datetime.now().astimezone()
    values = {"time": now.isoformat(timespec="milliseconds"), **values}
    at = now.astimezone(dt.UTC).replace(tzinfo=None)
    return Line(str(values.get("application") or ""), now.date(), at, format_line(values))


def _row(line: Line) -> dict:
    return {"app": line.app, "day": line.day, "at": line.at, "line": line.data.decode("utf-8")}


def record(db, line: Line) -> None:
    """Insert the line in the session's transaction (the change it records)."""
    # The mapped class, not its table: zope.sqlalchemy then sees the session changed.
    db.execute(insert(AuditLine).values(**_row(line)))


def record_now(engine, line: Line) -> bool:
    """Insert the line in a short transaction of its own; False if the database refused."""
    try:
        with engine.begin() as conn:
            conn.execute(insert(AuditLine.__table__).values(**_row(line)))
    except DBAPIError:
        log.exception("could not store an audit line in the database")
        return False
    return True


# -- the files -------------------------------------------------------------------


def _same_file(fd: int, path: str) -> bool:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    own = os.fstat(fd)
    return (own.st_dev, own.st_ino) == (st.st_dev, st.st_ino)


def _open_locked(path: str) -> int:
    """An O_APPEND descriptor of the file at ``path``, under its exclusive flock."""
    while True:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if _same_file(fd, path):
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # replaced while we waited: the lines go to the new file


def _synced_at(directory: str) -> float:
    try:
        with open(os.path.join(directory, SYNC_MARK)) as fh:
            return float(fh.read().strip() or 0)
    except (FileNotFoundError, ValueError):
        return 0.0


def _holds(path: str, data: bytes) -> bool:
    with open(path, "rb") as fh:
        text = fh.read()
    return text.startswith(data) or b"\n" + data in text


def append(directory: str, line: Line) -> str:
    """Append the line to its day's file; returns the file's path."""
    os.makedirs(directory, exist_ok=True)
    path = audit_path(directory, line.day)
    fd = _open_locked(path)
    try:
        # A sync that read the database after this line was made may hold it
        # already (its transaction had committed): never write it twice.
        if line.made <= _synced_at(directory) and _holds(path, line.data):
            return path
        os.write(fd, line.data)
    finally:
        os.close(fd)
    return path


def write(directory: str, values: dict, now: dt.datetime | None = None) -> str:
    """Append a line to the file only (the callers with a database use ``record``)."""
    return append(directory, make(values, now))


# -- the database onto the files ---------------------------------------------------


def _records(text: bytes) -> list[bytes]:
    """The CSV records of a file, each with its newline (a quoted field may hold one)."""
    out, start, quotes = [], 0, 0
    pos = 0
    while True:
        nl = text.find(b"\n", pos)
        if nl < 0:
            break
        quotes += text.count(b'"', pos, nl)
        pos = nl + 1
        if quotes % 2 == 0:
            out.append(text[start:pos])
            start, quotes = pos, 0
    if start < len(text):
        out.append(text[start:])  # a last line cut short
    return out


_NO_TIME = dt.datetime.max


def _time_of(data: bytes) -> dt.datetime:
    try:
        stamp = dt.datetime.fromisoformat(data.split(b",", 1)[0].decode())
        return stamp.astimezone(dt.UTC).replace(tzinfo=None)
    except (ValueError, UnicodeDecodeError):
        return _NO_TIME


def _application_of(data: bytes) -> str | None:
    try:
        row = next(csv.reader(io.StringIO(data.decode("utf-8"))))
    except (StopIteration, csv.Error, UnicodeDecodeError):
        return None
    return row[1] if len(row) == len(COLUMNS) else None


def _atomic_text(path: str, text: str) -> None:
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def sync_day(engine, app: str, directory: str, day: dt.date) -> bool:
    """Rewrite one day's file from the database; True if the file changed.

    Complete lines the file holds and the database does not (their insert
    failed) are kept, and stored when the database is writable; a line cut
    short is dropped. The new file is written aside, locked, and renamed over
    the old one while the old one's lock is held, so a writer waits, then
    finds the new file and appends to it.
    """
    os.makedirs(directory, exist_ok=True)
    path = audit_path(directory, day)
    if not os.path.exists(path) and any(
        n.startswith(os.path.basename(path) + ".") and not n.endswith(".tmp")
        for n in os.listdir(directory)
    ):
        return False  # rotated away by logrotate: the rotated copy is the operators'
    existed = os.path.exists(path)
    fd = _open_locked(path)
    try:
        with open(path, "rb") as fh:
            current = fh.read()
        t = AuditLine.__table__
        with engine.connect() as conn:
            rows = conn.execute(
                select(t.c.line).where(t.c.app == app, t.c.day == day).order_by(t.c.at, t.c.id)
            ).all()
        if not (existed or rows or current):
            os.unlink(path)  # nothing that day: no empty file (a waiting writer reopens)
            return False
        # Written after the read: a writer whose line is older may find it in the file.
        _atomic_text(os.path.join(directory, SYNC_MARK), repr(time.time()))
        stored = [r.line.encode("utf-8") for r in rows]
        unmatched = collections.Counter(stored)
        missing, broken = [], 0
        for r in _records(current):
            if unmatched[r] > 0:
                unmatched[r] -= 1
            elif r.endswith(b"\n") and _application_of(r) is not None:
                missing.append(r)
            else:
                broken += 1  # a line cut short: the database has it whole, if anyone
        if broken:
            log.warning("audit %s %s: %d incomplete line(s) dropped", app, day, broken)
        ours = [r for r in missing if _application_of(r) == app]
        if ours:
            _store_missing(engine, app, day, ours)
        merged = [(_time_of(d), i, d) for i, d in enumerate(stored)]
        merged += [(_time_of(d), len(stored) + i, d) for i, d in enumerate(missing)]
        data = b"".join(d for _t, _i, d in sorted(merged))
        if data == current:
            return False
        tmp = f"{path}.{os.getpid()}.tmp"
        new = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        try:
            fcntl.flock(new, fcntl.LOCK_EX)
            os.write(new, data)
            os.fsync(new)
            os.replace(tmp, path)
        finally:
            os.close(new)
        return True
    finally:
        os.close(fd)


def _store_missing(engine, app: str, day: dt.date, lines: list[bytes]) -> None:
    values = [
        {"app": app, "day": day, "at": _time_of(d), "line": d.decode("utf-8", "replace")}
        for d in lines
    ]
    for v in values:
        if v["at"] is _NO_TIME:
            v["at"] = dt.datetime.combine(day, dt.time())
    try:
        with engine.begin() as conn:
            conn.execute(insert(AuditLine.__table__), values)
        log.info("audit %s %s: %d line(s) only in the file stored", app, day, len(lines))
    except DBAPIError:
        log.warning(
            "audit %s %s: lines only in the file not stored (read-only database?)", app, day
        )


def _days(engine, app: str, days) -> list[dt.date]:
    if days is None:
        t = AuditLine.__table__
        with engine.connect() as conn:
            return list(conn.execute(select(t.c.day).where(t.c.app == app).distinct()).scalars())
    if isinstance(days, int):
        today = dt.datetime.now().astimezone().date()
        return [today - dt.timedelta(days=n) for n in range(days)]
    return list(days)


def sync_audit_files(
    settings: dict,
    app: str | None = None,
    days: int | Iterable[dt.date] | None = None,
    *,
    engine=None,
) -> dict[str, list[str]]:
    """Rewrite this host's audit files from the database.

    ``app``: one application (default: every installed one). ``days``: the
    days to rewrite: ``None`` every day the database holds, an int the last
    that many days up to today, or the dates themselves. Returns the files
    rewritten, per application. A day that logrotate already rotated away is
    left alone.
    """
    from . import applications
    from .db import get_engine
    from .settings.service import installer_values

    own = engine is None
    engine = engine or get_engine(settings)
    names = [app] if app else list(applications.installed(settings))
    out: dict[str, list[str]] = {}
    try:
        for name in names:
            directory = installer_values(name, settings)["restworkx"]["audit_log_directory"]
            out[name] = [
                audit_path(directory, day)
                for day in sorted(_days(engine, name, days))
                if sync_day(engine, name, directory, day)
            ]
            if out[name]:
                log.info("audit %s: %d file(s) rewritten from the database", name, len(out[name]))
    finally:
        if own:
            engine.dispose()
    return out


def prune(db, app: str, oldest_kept: dt.date) -> int:
    """Delete the lines of days before ``oldest_kept`` (the caller commits)."""
    t = AuditLine.__table__
    return db.execute(delete(t).where(t.c.app == app, t.c.day < oldest_kept)).rowcount
