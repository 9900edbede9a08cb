"""Export: the documented columns, in order, of the records a role may see.

One query streams the rows (a server-side cursor on PostgreSQL) in the
order and with the filters of a table query; memory stays bounded whatever
the number of records. A header row names the columns. Progress and the
heartbeat go through a second session, so the reading transaction keeps one
snapshot. The out_file goes into the database (jobs/files.py) in chunks
committed with the progress; the worker seals it in the transaction that
marks the job done. A restarted export, on either host, drops what an
earlier attempt stored and starts again from the beginning.
"""

from __future__ import annotations

import io
import os

from sqlalchemy import Text, case, cast, select

from ..declarations.fields import Bool, Timestamp, format_datetime
from ..declarations.roles import parse_role
from ..queries import parse
from ..records.service import RecordService
from . import csvio, files
from .service import elapsed_since, touch

STREAM_ROWS = 10000
PROGRESS_EVERY = 20000


def _csv_column(table, name: str, field):
    """The column as the CSV cell, computed by the database where it can: JSON as
    its text (no decode and re-encode per row), booleans as true/false."""
    col = table.c[name]
    if field.is_json:
        return cast(col, Text).label(name)
    if isinstance(field, Bool):
        return case((col.is_(True), "true"), (col.is_(False), "false"), else_=None).label(name)
    return col


def export_query(app, spec, role_id: str, kwargs: dict | None):
    t = spec.model.__table__
    filters = {k: v for k, v in (kwargs or {}).items() if k != "service_provider_name"}
    query = parse(filters, spec.public_fields)
    role = parse_role(role_id)
    service = RecordService(None, app, "system", dict)
    where = [t.c.archived_at.is_not(None) if query.archive else t.c.archived_at.is_(None)]
    where += service.scope_filter(spec, (role.sp, role.sub))
    strings = [n for n, f in spec.public_fields.items() if f.is_string]
    where += query.where(t, strings)
    cols = [_csv_column(t, name, spec.fields[name]) for name in dict.fromkeys(spec.csv_columns)]
    return (
        select(*cols)
        .where(*where)
        .order_by(*query.order_by(t, spec.default_sort))
        .execution_options(yield_per=STREAM_ROWS)
    )


def _stamped(row, stamps):
    row = list(row)
    for i in stamps:
        row[i] = format_datetime(row[i])
    return row


def run_export(read_db, write_db, app, job, lease, store) -> dict:
    spec = app.objects[job.object]
    stmt = export_query(app, spec, job.role_id, job.kwargs)
    names = list(spec.csv_columns)
    # Only timestamps still need Python to format them (csv writes None as "").
    stamps = [i for i, c in enumerate(names) if isinstance(spec.fields[c], Timestamp)]
    out = store.create(write_db, job.out_file, job.id)
    touch(write_db, app, lease, progress=0, elapsed=elapsed_since(job.started_at))
    write_db.commit()
    count = 0
    pending = bytearray()
    tmp = job.out_file + ".part"
    with open(tmp, "wb") as fh:
        buf = io.StringIO()
        w = csvio.writer(buf)
        w.writerow(names)

        def flush():
            data = buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
            fh.write(data)
            pending.extend(data)
            while len(pending) >= files.CHUNK:
                out.append(bytes(pending[: files.CHUNK]))
                del pending[: files.CHUNK]

        # On the statement itself: options given to Session.connection() are ignored
        # once the session holds a connection, and the whole result would be buffered.
        conn = read_db.connection()
        result = conn.execute(stmt.execution_options(stream_results=True))
        for part in result.partitions(STREAM_ROWS):
            if stamps:
                part = [_stamped(row, stamps) for row in part]
            w.writerows(part)
            count += len(part)
            flush()
            if count % PROGRESS_EVERY < len(part):
                touch(write_db, app, lease, progress=count, elapsed=elapsed_since(job.started_at))
                write_db.commit()
        flush()  # the header alone, when nothing matched
        out.append(bytes(pending))
        fh.flush()
        os.fsync(fh.fileno())
    read_db.rollback()
    os.replace(tmp, job.out_file)
    return {"rows": count, "out": out}
