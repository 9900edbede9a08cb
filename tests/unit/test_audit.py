"""The audit files against the database: records, writers that meet a sync, sync_day."""

from __future__ import annotations

import datetime as dt
import fcntl
import os

import pytest
from sqlalchemy import create_engine, select

from restworkx import audit

DAY = dt.date(2024, 2, 29)
TZ = dt.timezone(dt.timedelta(hours=-5))


def line(n: int, identifier: str | None = None, app: str = "ecf") -> audit.Line:
    when = dt.datetime(2024, 2, 29, 9, 0, tzinfo=TZ) + dt.timedelta(seconds=n)
    values = {"application": app, "username": "u", "identifier": identifier or str(n)}
    return audit.make(values, now=when)


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path}/audit.sqlite")
    audit.AuditLine.__table__.create(engine)
    yield engine
    engine.dispose()


def stored(engine) -> list[bytes]:
    t = audit.AuditLine.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(t.c.line).order_by(t.c.at, t.c.id)).scalars()
        return [r.encode() for r in rows]


def test_a_line_knows_its_day_and_utc_time():
    one = line(0)
    assert one.day == DAY and one.app == "ecf"
    assert one.at == dt.datetime(2024, 2, 29, 14, 0)
    assert one.data.startswith(b"2024-02-29T09:00:00.000-05:00,ecf,u,")


def test_records_split_on_newlines_outside_quotes():
    a = audit.format_line({"outcome": 'two\nlines, "quoted"'})
    b = audit.format_line({"outcome": "plain"})
    assert audit._records(a + b) == [a, b]
    assert audit._records(a + b[:5]) == [a, b[:5]]
    assert audit._records(b"") == []


def test_a_writer_that_waited_on_a_replaced_file_writes_to_the_new_one(tmp_path, monkeypatch):
    directory = str(tmp_path)
    path = audit.audit_path(directory, DAY)
    with open(path, "wb") as fh:
        fh.write(b"old\n")
    replacement = tmp_path / "new"
    replacement.write_bytes(b"new\n")
    real, calls = fcntl.flock, []

    def flock(fd, op):
        if not calls:  # a sync renames its file over ours while we wait for the lock
            os.replace(replacement, path)
        calls.append(op)
        real(fd, op)

    monkeypatch.setattr(audit.fcntl, "flock", flock)
    one = line(1)
    audit.append(directory, one)
    assert len(calls) == 2  # locked the old file, saw it replaced, locked the new one
    with open(path, "rb") as fh:
        assert fh.read() == b"new\n" + one.data


def test_a_line_a_sync_already_wrote_is_not_written_twice(tmp_path):
    directory = str(tmp_path)
    one, two = line(1), line(2)
    path = audit.append(directory, one)
    audit._atomic_text(os.path.join(directory, audit.SYNC_MARK), repr(two.made + 1))
    audit.append(directory, one)  # made before the sync, which wrote it already
    audit.append(directory, two)  # made before the sync too, but not in the file
    with open(path, "rb") as fh:
        assert fh.read() == one.data + two.data


def test_sync_day_rebuilds_merges_and_stores_what_only_the_file_had(tmp_path, engine):
    directory = str(tmp_path)
    lines = [line(n) for n in range(5)]
    for one in lines[:4]:
        audit.record_now(engine, one)
    path = audit.audit_path(directory, DAY)
    # The file lacks lines 0 and 2 (written on the other host) and has line 4,
    # whose insert failed, and a line of another application.
    other = line(3, "other", app="icr")
    with open(path, "wb") as fh:
        fh.write(lines[1].data + lines[3].data + other.data + lines[4].data)
    assert audit.sync_day(engine, "ecf", directory, DAY) is True
    with open(path, "rb") as fh:
        assert fh.read() == b"".join(
            [lines[0].data, lines[1].data, lines[2].data, lines[3].data, other.data, lines[4].data]
        )
    assert stored(engine) == [one.data for one in lines]  # icr's line is not ecf's
    assert audit.sync_day(engine, "ecf", directory, DAY) is False  # nothing left to do
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o640)


def test_sync_day_leaves_a_day_logrotate_rotated(tmp_path, engine):
    directory = str(tmp_path)
    audit.record_now(engine, line(0))
    rotated = audit.audit_path(directory, DAY) + ".1.gz"
    open(rotated, "wb").close()
    assert audit.sync_day(engine, "ecf", directory, DAY) is False
    assert not os.path.exists(audit.audit_path(directory, DAY))


def test_sync_audit_files_days(tmp_path, engine):
    settings = {"restworkx.data_root": str(tmp_path), "restworkx.apps": "ecf"}
    today = dt.datetime.now().astimezone()
    recent = audit.make({"application": "ecf"}, now=today)
    old = audit.make({"application": "ecf"}, now=today - dt.timedelta(days=3))
    for one in (recent, old):
        audit.record_now(engine, one)
    directory = os.path.join(str(tmp_path), "ecf", "logs", "audit-logs")
    assert audit.sync_audit_files(settings, "ecf", days=1, engine=engine) == {
        "ecf": [audit.audit_path(directory, recent.day)]
    }
    assert audit.sync_audit_files(settings, days=[old.day], engine=engine) == {
        "ecf": [audit.audit_path(directory, old.day)]
    }
    assert audit.sync_audit_files(settings, engine=engine) == {"ecf": []}


def test_prune(engine):
    audit.record_now(engine, line(0))
    audit.record_now(engine, audit.make({"application": "ecf"}))
    with engine.begin() as conn:
        assert audit.prune(conn, "ecf", DAY + dt.timedelta(days=1)) == 1
    assert len(stored(engine)) == 1


def test_sync_day_makes_no_file_for_a_day_without_lines(tmp_path, engine):
    directory = str(tmp_path / "audit-logs")
    assert audit.sync_day(engine, "ecf", directory, DAY) is False
    assert os.listdir(directory) == []
