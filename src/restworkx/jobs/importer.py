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

Every row is checked by the API's field and record rules (jobs/rowclean.py:
a checker compiled from the declarations, with ``RecordService.clean`` for
any row it does not take, so errors read as the API's), then the batch checks
its keys against the live records and its parents' existence in two queries,
and inserts what passed in one statement (COPY on PostgreSQL, the rows'
text made as they are checked). Should that insert still hit a unique index
(a concurrent API call), the batch is replayed row by row through
``RecordService.create``.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import time

from sqlalchemy import insert, select, text, tuple_
from sqlalchemy.exc import SQLAlchemyError

from ..db import utcnow
from ..declarations.roles import parse_role
from ..errors import APIError
from ..records.service import RecordService
from . import csvio, rowclean
from .service import LeaseLost, elapsed_since, touch, under_provider

log = logging.getLogger(__name__)

IMPORTED, SKIPPED, ERROR = "imported", "skipped", "error"
ANALYZE_FIRST = 5000  # rows imported before the table's statistics are first refreshed


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
    def __init__(
        self,
        db,
        app,
        job,
        lease,
        settings_loader,
        *,
        store,
        batch_rows=500,
        pause=0.0,
    ):
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
        self.pg = db.get_bind().dialect.name == "postgresql"
        table = self.spec.model.__table__
        self.copy_columns = (
            [c.name for c in table.columns if c.name != "id" and c.name not in rowclean.META]
            if self.pg
            else None
        )
        self.inserted, self.analyze_at = 0, ANALYZE_FIRST
        self.preparer = rowclean.Preparer(
            app, self.spec, self.service, self.sp, self.role, copy_columns=self.copy_columns
        )

    # -- the run -------------------------------------------------------------------
    def run(self) -> dict:
        job = self.job
        done = self._out_file(job.progress or 0)
        self._in_file()
        if csvio.looks_binary(job.in_file):
            raise ImportFailed("The in_file is not a CSV text file (it holds NUL bytes).")
        header = self._has_header(job.in_file)
        skip = done + (1 if header else 0)
        batches = self._batches(_records(job.in_file, skip))
        with open(job.out_file, "ab") as out:
            for batch in batches:
                done = self._batch(batch, out, done)
        return dict(self.counts, rows=done, out=self.out)

    def _batches(self, records):
        """Lists of batch_rows (number, cells); a file that stops being readable
        yields the rows before the bad one, then raises ImportFailed."""
        batch: list = []
        try:
            for item in records:
                batch.append(item)
                if len(batch) >= self.batch_rows:
                    yield batch
                    batch = []
        except ImportFailed:
            if batch:
                yield batch
            raise
        if batch:
            yield batch

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
        prepared = self.preparer.prepare(batch)
        try:
            # The lease first: it locks the job row, so a re-claim waits for us.
            touch(
                db,
                self.app,
                self.lease,
                progress=done + len(batch),
                elapsed=elapsed_since(self.job.started_at),
            )
            results = self._fast(batch, prepared)
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
        self.inserted += sum(1 for r in results if r[2] == IMPORTED)
        if self.pg and self.inserted >= self.analyze_at:
            self._analyze()
        for r in results:
            self.counts[r[2]] += 1
        if self.pause:
            time.sleep(self.pause)
        log.debug(
            "job %s: %d rows in %.3fs", self.job.job_id, len(batch), time.monotonic() - started
        )
        return done + len(batch)

    def _analyze(self) -> None:
        """Fresh statistics for the table as it grows (at 5,000 new rows, then each
        time they double). On a table that was small when autovacuum last looked,
        PostgreSQL otherwise plans the key check of a batch as a scan of the
        provider's whole range (it expects a handful of rows): each batch then
        costs as much as the rows already imported, and a big import slows down
        quadratically. Its own short transaction, after the batch's commit."""
        self.analyze_at = 2 * self.inserted
        try:
            # Never queued behind a VACUUM of the table: skipped, tried again later.
            self.db.execute(text("SET LOCAL lock_timeout = '2s'"))
            self.db.execute(text(f'ANALYZE "{self.spec.model.__table__.name}"'))
            self.db.commit()
        except SQLAlchemyError:
            log.info("job %s: ANALYZE failed", self.job.job_id, exc_info=True)
            self.db.rollback()

    def _clean(self, number, cells):
        """(values, None) or (None, outcome) for one row."""
        return self.preparer.clean(number, cells)

    def _fast(self, batch, prepared):
        """The batch's outcomes, its new records inserted in one statement.

        ``prepared`` is ``Preparer.prepare(batch)``: each row checked by the
        API's rules, with its key, its parents and its insert payload."""
        spec = self.spec
        results: dict[int, tuple] = {}
        ready: list[tuple] = []
        seen: set = set()
        for item in prepared:
            number = item[0]
            if item[1] is not None:
                results[number] = item[1]
                continue
            key = item[2]
            if key in seen:
                results[number] = (
                    number,
                    _key_text(key),
                    SKIPPED,
                    f"A {spec.class_name} with {_describe(spec, key)} appears earlier in the file.",
                )
                continue
            seen.add(key)
            ready.append(item)
        existing = self._existing([item[2] for item in ready])
        missing = self._missing_parents(ready)
        rows = []
        for number, _outcome, key, _parents, payload in ready:
            if key in existing:
                results[number] = (
                    number,
                    _key_text(key),
                    SKIPPED,
                    f"A {spec.class_name} with {_describe(spec, key)} already exists.",
                )
                continue
            problem = missing.get(number)
            if problem:
                results[number] = (number, _key_text(key), ERROR, problem)
                continue
            if payload is None:
                raise ValueError(f"record {number} cannot be written by COPY")
            rows.append(payload)
            results[number] = (number, _key_text(key), IMPORTED, "")
        if rows:
            self._insert(rows)
        return [results[n] for n, _c in batch]

    def _insert(self, rows) -> None:
        """Insert the prepared rows: COPY text lines on PostgreSQL (a multi-row
        INSERT costs the server several times more), an executemany INSERT elsewhere."""
        db, table = self.db, self.spec.model.__table__
        now, user = utcnow(), self.service.username
        if self.copy_columns is None:
            meta = {"created": now, "modified": now, "created_by": user, "modified_by": user}
            db.execute(insert(table), [{**values, **meta} for values in rows])
            return
        stamp = now.isoformat(sep=" ")
        who = user.translate(rowclean.COPY_ESCAPES)
        suffix = f"\t{stamp}\t{stamp}\t{who}\t{who}\n"
        buf = io.StringIO(suffix.join(rows) + suffix)
        columns = ", ".join(f'"{n}"' for n in (*self.copy_columns, *rowclean.META))
        cursor = db.connection().connection.dbapi_connection.cursor()
        try:
            cursor.copy_expert(f'COPY "{table.name}" ({columns}) FROM STDIN', buf)
        finally:
            cursor.close()

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

    def _missing_parents(self, ready) -> dict:
        """record number -> the API's message, for rows whose parent is not live."""
        wanted: dict = {}  # (parent object, key items) -> [(blamed, record number)]
        for item in ready:
            for parent, blamed in item[3]:
                wanted.setdefault(parent, []).append((blamed, item[0]))
        by_object: dict = {}
        for pname, items in wanted:
            by_object.setdefault(pname, set()).add(items)
        found = set()
        pg = self.pg
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
            for blamed, number in users:
                out[number] = self.spec.error(
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


_key_of = rowclean.key_of


def _key_text(key: tuple) -> str:
    """key_of for a unique key's values."""
    return "/".join("" if v is None else str(v) for v in key)


def _describe(spec, key: tuple) -> str:
    """describe_key for a unique key's values."""
    return ", ".join(f"{k}='{v}'" for k, v in zip(spec.unique, key, strict=True))
