"""The audit log: one CSV line per change or login attempt, per day a file.

Lines are written with a single write() on a file opened O_APPEND under an
exclusive flock, so several server processes never interleave or lose lines,
and a file moved away by logrotate is simply replaced at the next write.
"""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import io
import json
import os

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


def write(directory: str, values: dict, now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now().astimezone()
    values = {"time": now.isoformat(timespec="milliseconds"), **values}
    os.makedirs(directory, exist_ok=True)
    path = audit_path(directory, now.date())
    data = format_line(values)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, data)
    finally:
        os.close(fd)
    return path
