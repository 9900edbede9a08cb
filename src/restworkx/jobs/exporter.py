"""Export: the documented columns, in order, of the records a role may see.

One query streams the rows in the order and with the filters of a table
query; memory stays bounded whatever the number of records. On PostgreSQL
the database writes the CSV lines itself (``COPY (query) TO STDOUT``, each
cell rendered in SQL as Python's csv writer would render it, see
``_sql_cell``); elsewhere, or for a column only Python can render, a
server-side cursor feeds csv.writer. A header row names the columns. Progress and the
heartbeat go through a second session, so the reading transaction keeps one
snapshot. The out_file goes into the database (jobs/files.py) in chunks
committed with the progress; the worker seals it in the transaction that
marks the job done. A restarted export, on either host, drops what an
earlier attempt stored and starts again from the beginning.
"""

from __future__ import annotations

import io
import os
import threading
from queue import Queue

from sqlalchemy import Text, case, cast, func, select

from ..declarations.fields import Bool, Int, Str, Timestamp, format_datetime
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


# -- PostgreSQL writes the CSV -------------------------------------------------------


def _sql_cell(table, name: str, field):
    """The column as COPY ... (FORMAT csv) should print it so that the line is the
    one Python's csv writer makes of the row: None or None (the cell left empty,
    unquoted), or an expression. PostgreSQL quotes exactly what csv.QUOTE_MINIMAL
    quotes (a comma, a double quote, CR or LF; quotes doubled) except the empty
    string, which it quotes: NULLIF makes it the empty NULL cell."""
    col = table.c[name]
    if isinstance(field, Bool):
        return case((col.is_(True), "true"), (col.is_(False), "false"), else_=None)
    if field.is_json:
        return func.nullif(cast(col, Text), "")
    if isinstance(field, Timestamp):  # format_datetime: isoformat(sep=" ")
        whole = func.to_char(col, "YYYY-MM-DD HH24:MI:SS")
        micro = case(
            (func.to_char(col, "US") != "000000", func.to_char(col, ".US")),
            else_="",
        )
        return whole.concat(micro)
    if isinstance(field, Int):
        return col
    if isinstance(field, Str):
        return func.nullif(col, "")
    return None


def copy_statement(conn, app, spec, role_id: str, kwargs: dict | None) -> str | None:
    """``COPY (<the export query>) TO STDOUT (FORMAT csv)`` with its parameters
    inlined, or None when a column is of a kind only Python renders."""
    names = list(dict.fromkeys(spec.csv_columns))
    if len(names) < 2:  # a lone empty cell: csv writes '""', COPY an empty line
        return None
    t = spec.model.__table__
    cells = [_sql_cell(t, name, spec.fields[name]) for name in names]
    if any(c is None for c in cells):
        return None
    query = export_query(app, spec, role_id, kwargs)
    stmt = query.with_only_columns(*(c.label(f"c{i}") for i, c in enumerate(cells)))
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    processors = compiled._bind_processors
    params = {k: processors[k](v) if k in processors else v for k, v in params.items()}
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        select_sql = cursor.mogrify(str(compiled), params).decode()
    finally:
        cursor.close()
    return f"COPY ({select_sql}) TO STDOUT WITH (FORMAT csv)"


class _Rows:
    """COPY's file: PostgreSQL sends a row per write (one CopyData message,
    ending in LF); lines are to end in CRLF as csv.writer's do. Every STREAM_ROWS
    rows go to ``flush``. An error in ``flush`` is kept and raised once COPY is
    over: raising inside psycopg2's copy would leave the connection mid-COPY."""

    def __init__(self, flush):
        self.flush, self.rows, self.count, self.error = flush, [], 0, None

    def write(self, data):
        if self.error is not None:
            return
        if not data.endswith(b"\n"):
            self.error = RuntimeError("COPY sent a row that does not end a line")
            return
        self.rows.append(data[:-1])
        if len(self.rows) >= STREAM_ROWS:
            self.drain()

    def drain(self):
        rows, self.rows = self.rows, []
        if rows and self.error is None:
            self.count += len(rows)
            try:
                self.flush(b"\r\n".join(rows) + b"\r\n", len(rows), self.count)
            except BaseException as exc:
                self.error = exc


def _copy_out(conn, copy, fh, pending, out, write_db, app, job, lease) -> int:
    """Run the COPY; the lines go to the local file as they come, and to the
    database (the stored chunks, the progress) through a thread of their own on
    the write session, so storing overlaps reading. Returns the rows written."""
    queue: Queue = Queue(maxsize=4)
    failed: list[BaseException] = []

    def store() -> None:
        while (item := queue.get()) is not None:
            if failed:
                continue  # drained, not stored: the export fails below
            data, rows, total = item
            try:
                pending.extend(data)
                while len(pending) >= files.CHUNK:
                    out.append(bytes(pending[: files.CHUNK]))
                    del pending[: files.CHUNK]
                if total % PROGRESS_EVERY < rows:
                    progress = {"progress": total, "elapsed": elapsed_since(job.started_at)}
                    touch(write_db, app, lease, **progress)
                    write_db.commit()
            except BaseException as exc:  # a lost lease: raised once the COPY is over
                failed.append(exc)

    def rows_out(data: bytes, rows: int, total: int) -> None:
        fh.write(data)
        queue.put((data, rows, total))

    storer = threading.Thread(target=store, name=f"job-{job.job_id}-store", daemon=True)
    storer.start()
    sink = _Rows(rows_out)
    try:
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            cursor.copy_expert(copy, sink)
        finally:
            cursor.close()
        sink.drain()
    finally:
        queue.put(None)
        storer.join()
    for error in (*failed, sink.error):
        if error is not None:
            raise error
    return sink.count


def run_export(read_db, write_db, app, job, lease, store) -> dict:
    spec = app.objects[job.object]
    conn = read_db.connection()
    copy = None
    if conn.dialect.name == "postgresql":
        copy = copy_statement(conn, app, spec, job.role_id, job.kwargs)
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

        if copy is not None:
            flush()  # the header
            count = _copy_out(conn, copy, fh, pending, out, write_db, app, job, lease)
        else:
            # On the statement itself: options given to Session.connection() are ignored
            # once the session holds a connection, and the whole result would be buffered.
            result = conn.execute(stmt.execution_options(stream_results=True))
            for part in result.partitions(STREAM_ROWS):
                if stamps:
                    part = [_stamped(row, stamps) for row in part]
                w.writerows(part)
                count += len(part)
                flush()
                if count % PROGRESS_EVERY < len(part):
                    touch(
                        write_db, app, lease, progress=count, elapsed=elapsed_since(job.started_at)
                    )
                    write_db.commit()
        flush()  # the header alone, when nothing matched
        out.append(bytes(pending))
        fh.flush()
        os.fsync(fh.fileno())
    read_db.rollback()
    os.replace(tmp, job.out_file)
    return {"rows": count, "out": out}
