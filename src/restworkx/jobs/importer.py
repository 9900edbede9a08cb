"""Import: append the rows of a CSV file, each checked by the API's rules.

Rows go in batches. A batch is one transaction holding its new records, the
job's progress and its outcome lines, stored as the next chunk of the
out_file in the database (jobs/files.py); the local out_file gets the same
lines. A worker that resumes a job, on this host or on the other one after a
failover, rewrites the local out_file from the database's committed chunks
and reads on after the committed rows, so no row is imported twice and every
row has exactly one outcome line. The in_file comes from the database too
when it is not here (or differs); one an operator put in the upload
directory is stored when the job is claimed, for the same reason.

Within a batch every row is cleaned by ``RecordService.clean`` (the API's
field and record rules), then the batch checks its keys against the live
records and its parents' existence in two queries, and inserts what passed
in one statement. Should that insert still hit a unique index (a concurrent
API call), the batch is replayed row by row through ``RecordService.create``.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import time

from sqlalchemy import JSON, Boolean, DateTime, insert, select, tuple_
from sqlalchemy.dialects.postgresql import JSONB

from ..db import utcnow
from ..declarations.roles import parse_role
from ..errors import APIError
from ..records.service import RecordService, describe_key
from . import csvio
from .service import LeaseLost, elapsed_since, touch, under_provider

log = logging.getLogger(__name__)

IMPORTED, SKIPPED, ERROR = "imported", "skipped", "error"


class ImportFailed(Exception):
    """The file cannot be read on: the job fails with this message."""


def _lines(raw):
    """Decoded lines (a BOM dropped); a line that is not UTF-8 stops the file there."""
    for number, line in enumerate(raw, 1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ImportFailed(
                f"line {number} of the file is not UTF-8 text ({exc.reason} at byte "
                f"{exc.start + 1}); the rows before it were handled."
            ) from None
        yield text.lstrip("\ufeff") if number == 1 else text


def _records(path: str, skip: int):
    """(record number, cells) from the file, after ``skip`` records (header included)."""
    with open(path, "rb") as raw:
        reader = csv.reader(_lines(raw), strict=True)
        number = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportFailed(
                    f"record {number + 1}: the file is not valid CSV ({exc})."
                ) from None
            number += 1
            if number <= skip:
                continue
            yield number, cells


class Importer:
    def __init__(self, db, app, job, lease, settings_loader, *, store, batch_rows=500, pause=0.0):
        self.db, self.app, self.job, self.lease = db, app, job, lease
        self.store = store
        self.out = None  # the stored out_file's Appender
        self.spec = app.objects[job.object]
        self.role = parse_role(job.role_id)
        kwargs = job.kwargs or {}
        self.sp = kwargs.get("service_provider_name") or (
            self.role.sp if under_provider(self.spec) else None
        )
        self.service = RecordService(db, app, job.created_by or "system", settings_loader)
        self.batch_rows = batch_rows
        self.pause = pause
        self.counts = {IMPORTED: 0, SKIPPED: 0, ERROR: 0}

    # -- the run -------------------------------------------------------------------
    def run(self) -> dict:
        job = self.job
        done = self._out_file(job.progress or 0)
        self._in_file()
        if csvio.looks_binary(job.in_file):
            raise ImportFailed("The in_file is not a CSV text file (it holds NUL bytes).")
        header = self._has_header(job.in_file)
        skip = done + (1 if header else 0)
        batch: list = []
        with open(job.out_file, "ab") as out:
            try:
                for number, cells in _records(job.in_file, skip):
                    batch.append((number, cells))
                    if len(batch) >= self.batch_rows:
                        done = self._batch(batch, out, done)
                        batch = []
            except ImportFailed:
                if batch:
                    self._batch(batch, out, done)
                raise
            if batch:
                done = self._batch(batch, out, done)
        return dict(self.counts, rows=done, out=self.out)

    def _out_file(self, done: int) -> int:
        """Start the out_file, or rewrite it from the database to go on; the rows done."""
        job, db, store = self.job, self.db, self.store
        self.out = store.resume(db, job.out_file) if done else None
        if self.out is None and done and os.path.exists(job.out_file):
            # Begun before out_files were stored: the local file is all there is.
            csvio.truncate_outcomes(job.out_file, done)
            self.out = store.store_local(db, job.out_file)
        if self.out is None:
            done = 0
            self.out = store.create(db, job.out_file, job.id)
            first = ("\r\n".join([",".join(csvio.OUTCOME_COLUMNS), ""])).encode()
            self.out.append(first)
            with open(job.out_file, "wb") as fh:
                fh.write(first)
        else:
            self._recount(job.out_file)
        touch(db, self.app, self.lease)
        db.commit()
        return done

    def _in_file(self) -> None:
        """The in_file here and in the database, whichever host it came to."""
        path = self.job.in_file
        try:
            present = bool(path) and self.store.ensure_local(self.db, path)
        except ValueError:  # not in the upload directory (a job older than that rule)
            present = bool(path) and os.path.isfile(path)
        if not present:
            raise ImportFailed(f"The in_file {path} does not exist (any more).")
        touch(self.db, self.app, self.lease)
        self.db.commit()

    def _has_header(self, path) -> bool:
        for _number, cells in _records(path, 0):
            return csvio.is_header(self.spec, cells)
        return False

    def _recount(self, path):
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            next(reader, None)
            for row in reader:
                if len(row) >= 3 and row[2] in self.counts:
                    self.counts[row[2]] += 1

    # -- one batch ---------------------------------------------------------------
    def _batch(self, batch, out, done: int) -> int:
        db = self.db
        started = time.monotonic()
        try:
            # The lease first: it locks the job row, so a re-claim waits for us.
            touch(
                db,
                self.app,
                self.lease,
                progress=done + len(batch),
                elapsed=elapsed_since(self.job.started_at),
            )
            results = self._fast(batch)
        except LeaseLost:
            db.rollback()
            raise
        except Exception:  # a race with the API on a unique key: row by row
            log.info("job %s: batch replayed row by row", self.job.job_id, exc_info=True)
            db.rollback()
            touch(
                db,
                self.app,
                self.lease,
                progress=done + len(batch),
                elapsed=elapsed_since(self.job.started_at),
            )
            results = self._slow(batch)
        lines = b"".join(csvio.outcome_line(*r) for r in results)
        self.out.append(lines)  # the record, committed with the rows and the progress
        out.write(lines)  # the cache: rewritten from the database on a resume
        db.commit()
        for r in results:
            self.counts[r[2]] += 1
        if self.pause:
            time.sleep(self.pause)
        log.debug(
            "job %s: %d rows in %.3fs", self.job.job_id, len(batch), time.monotonic() - started
        )
        return done + len(batch)

    def _clean(self, number, cells):
        """(values, None) or (None, outcome) for one row."""
        spec = self.spec
        columns = spec.csv_columns
        if len(cells) != len(columns):
            return None, (
                number,
                _key_guess(spec, cells),
                ERROR,
                f"has {len(cells)} columns, expected {len(columns)} ({', '.join(columns)}).",
            )
        body = {c: v for c, v in zip(columns, cells, strict=True) if v != ""}
        sp_col = spec.scope[0]
        if self.sp is not None and under_provider(spec) and sp_col not in body:
            body[sp_col] = self.sp  # a blank provider column is the job's provider
        try:
            values, _ = self.service.clean(spec, body, path_keys={})
        except APIError as exc:
            return None, (number, _key_of(spec, body), ERROR, exc.message)
        refused = self._out_of_scope(values)
        if refused:
            return None, (number, _key_of(spec, values), ERROR, refused)
        return values, None

    def _out_of_scope(self, values) -> str | None:
        spec, role = self.spec, self.role
        sp, sub = spec.scope_of(values)
        if self.sp is not None and under_provider(spec) and sp != self.sp:
            return f"belongs to the service provider '{sp}', but this job imports into '{self.sp}'."
        if role.sp is not None and sp != role.sp:
            return f"is outside the scope of the role {role.role_id}."
        if role.sub is not None and sub != role.sub:
            return f"is outside the scope of the role {role.role_id}."
        return None

    def _fast(self, batch):
        spec, db = self.spec, self.db
        results: dict[int, tuple] = {}
        ready: list[tuple[int, dict]] = []
        seen: set = set()
        for number, cells in batch:
            values, outcome = self._clean(number, cells)
            if outcome:
                results[number] = outcome
                continue
            key = tuple(values[k] for k in spec.unique)
            if key in seen:
                results[number] = (
                    number,
                    _key_of(spec, values),
                    SKIPPED,
                    f"A {spec.class_name} with {describe_key(spec, values)} "
                    "appears earlier in the file.",
                )
                continue
            seen.add(key)
            ready.append((number, values))
        existing = self._existing([tuple(v[k] for k in spec.unique) for _n, v in ready])
        missing = self._missing_parents([v for _n, v in ready])
        rows = []
        now, user = utcnow(), self.service.username
        for number, values in ready:
            key = tuple(values[k] for k in spec.unique)
            if key in existing:
                results[number] = (
                    number,
                    _key_of(spec, values),
                    SKIPPED,
                    f"A {spec.class_name} with {describe_key(spec, values)} already exists.",
                )
                continue
            problem = missing.get(id(values))
            if problem:
                results[number] = (number, _key_of(spec, values), ERROR, problem)
                continue
            rows.append(
                {**values, "created": now, "modified": now, "created_by": user, "modified_by": user}
            )
            results[number] = (number, _key_of(spec, values), IMPORTED, "")
        if rows:
            insert_rows(db, spec.model.__table__, rows)
        return [results[n] for n, _c in batch]

    def _existing(self, keys) -> set:
        """The live keys among these. Keys are grouped by their leading columns (the
        provider, usually one) so the query is '= ... AND last IN (...)', which the
        unique index serves; a row-value IN list is planned far worse by PostgreSQL."""
        if not keys:
            return set()
        spec = self.spec
        t = spec.model.__table__
        cols = [t.c[k] for k in spec.unique]
        groups: dict[tuple, list] = {}
        for key in keys:
            groups.setdefault(tuple(key[:-1]), []).append(key[-1])
        found = set()
        for lead, lasts in groups.items():
            rows = self.db.execute(
                select(*cols).where(
                    t.c.archived_at.is_(None),
                    *(c == v for c, v in zip(cols[:-1], lead, strict=True)),
                    cols[-1].in_(lasts),
                )
            ).all()
            found.update(tuple(r) for r in rows)
        return found

    def _missing_parents(self, all_values) -> dict:
        """id(values) -> the API's message, for rows whose parent is not live."""
        service = self.service
        wanted: dict = {}  # (parent object, key tuple) -> [(blamed, values)]
        for values in all_values:
            for blamed, pspec, keys in service.parents(self.spec, values):
                wanted.setdefault((pspec.name, tuple(keys.items())), []).append((blamed, values))
        by_object: dict = {}
        for pname, items in wanted:
            by_object.setdefault(pname, set()).add(items)
        found = set()
        pg = self.db.get_bind().dialect.name == "postgresql"
        for pname, keysets in by_object.items():
            pspec = self.app.objects[pname]
            t = pspec.model.__table__
            for names, group in _group_by_names(keysets).items():
                cols = [t.c[n] for n in names]
                target = cols[0] if len(cols) == 1 else tuple_(*cols)
                vals = [g[0] for g in group] if len(cols) == 1 else list(group)
                stmt = select(*cols).where(t.c.archived_at.is_(None), target.in_(vals))
                if pg:
                    stmt = stmt.with_for_update(read=True)
                for r in self.db.execute(stmt).all():
                    found.add((pname, tuple(zip(names, tuple(r), strict=True))))
        out = {}
        for (pname, items), users in wanted.items():
            if (pname, items) in found:
                continue
            pspec = self.app.objects[pname]
            named = "/".join(str(v) for _k, v in items)
            for blamed, values in users:
                out[id(values)] = self.spec.error(
                    blamed, f"names a {pspec.class_name} '{named}' that does not exist."
                )
        return out

    def _slow(self, batch):
        """Row by row through RecordService.create, each in its own savepoint."""
        spec, db = self.spec, self.db
        results = []
        for number, cells in batch:
            values, outcome = self._clean(number, cells)
            if outcome:
                results.append(outcome)
                continue
            body = {k: v for k, v in values.items() if k in spec.writable_fields}
            try:
                with db.begin_nested():
                    self.service.create(spec, body, {})
            except APIError as exc:
                kind = SKIPPED if exc.code == 409 else ERROR
                results.append((number, _key_of(spec, values), kind, exc.message))
                continue
            except Exception as exc:
                results.append((number, _key_of(spec, values), SKIPPED, str(exc).splitlines()[0]))
                continue
            results.append((number, _key_of(spec, values), IMPORTED, ""))
        return results


def _group_by_names(keysets):
    out: dict = {}
    for items in keysets:
        names = tuple(k for k, _v in items)
        out.setdefault(names, []).append(tuple(v for _k, v in items))
    return out


def _key_of(spec, values) -> str:
    return "/".join("" if values.get(k) is None else str(values.get(k)) for k in spec.unique)


def _key_guess(spec, cells) -> str:
    cols = list(spec.csv_columns)
    try:
        return "/".join(cells[cols.index(k)] for k in spec.unique)
    except (ValueError, IndexError):
        return ""


def insert_rows(db, table, rows: list[dict]) -> None:
    """Insert checked rows: COPY on PostgreSQL (a multi-row INSERT costs the
    server several times more), an executemany INSERT elsewhere."""
    conn = db.connection()
    if conn.dialect.name != "postgresql":
        db.execute(insert(table), rows)
        return
    names = [c.name for c in table.columns if c.name != "id"]
    converters = [(name, _copy_converter(table.c[name])) for name in names]
    buf = io.StringIO()
    write = buf.write
    for row in rows:
        get = row.get
        write(
            "\t".join(
                "\\N" if (value := get(name)) is None else convert(value)
                for name, convert in converters
            )
        )
        write("\n")
    buf.seek(0)
    columns = ", ".join(f'"{n}"' for n in names)
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        cursor.copy_expert(f'COPY "{table.name}" ({columns}) FROM STDIN', buf)
    finally:
        cursor.close()


def _copy_converter(column):
    """value -> COPY text cell for one column, chosen once per column."""
    if isinstance(column.type, JSON | JSONB):
        dumps = json.JSONEncoder(separators=(",", ":")).encode
        return lambda v: dumps(v).translate(_COPY_ESCAPES)
    if isinstance(column.type, Boolean):
        return lambda v: "t" if v else "f"
    if isinstance(column.type, DateTime):
        return lambda v: v.isoformat(sep=" ")
    return lambda v: str(v).translate(_COPY_ESCAPES)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
