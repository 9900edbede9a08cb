"""``restworkx worker``: claims queued (or abandoned) jobs and runs them.

Several workers may run at once, on one host or on both hosts of a pair;
the claim is atomic (SKIP LOCKED on PostgreSQL, a conditional UPDATE on
SQLite), and a job whose worker stopped sending heartbeats is claimed again
and resumed after its last committed batch, from the files the database
holds (jobs/files.py), so the other host can go on with it.

A worker whose database is a standby (PostgreSQL in recovery, the secondary
of a pair) idles until it is promoted; one whose database does not answer
waits for it. Each says so once, not at every poll.
"""

from __future__ import annotations

import logging
import os
import signal
import time

from sqlalchemy.exc import OperationalError

from .. import applications, audit
from ..db import get_engine, get_session_factory, utcnow
from ..maintenance import is_writable_primary
from ..settings.service import SettingsService, installer_values
from . import csvio
from .exporter import run_export
from .files import FileStore
from .importer import Importer, ImportFailed
from .service import DONE, FAILED, LeaseLost, claim, elapsed_since, stale_seconds, touch

log = logging.getLogger(__name__)


def database_is_standby(engine) -> bool:
    """The database is a standby (PostgreSQL in recovery): no job can be claimed."""
    with engine.connect() as conn:
        return not is_writable_primary(conn)


class Worker:
    def __init__(self, settings: dict, engine=None):
        self.settings = settings
        self.engine = engine or get_engine(settings)
        self.sessions = get_session_factory(self.engine)
        self.apps = applications.installed(settings)
        self.pid = os.getpid()
        self.stale = stale_seconds(settings)
        self.batch_rows = int(settings.get("restworkx.job_batch_rows") or 500)
        self.pause = float(settings.get("restworkx.job_batch_pause") or 0)
        self.files = {name: FileStore(name, settings) for name in self.apps}
        self.stopping = False
        self.idle = None  # why the worker is idle ("standby", "unavailable"), said once

    def _idle(self, reason: str | None, detail: str = "") -> None:
        if reason == self.idle:
            return
        if reason == "standby":
            log.info("worker %s: the database is a standby; idle until it is promoted", self.pid)
        elif reason == "unavailable":
            log.warning("worker %s: the database does not answer (%s); waiting", self.pid, detail)
        elif self.idle is not None:
            log.info("worker %s: the database is writable again; running jobs", self.pid)
        self.idle = reason

    def run_once(self) -> int:
        """Run every runnable job, then return how many ran (none on a standby)."""
        if database_is_standby(self.engine):
            self._idle("standby")
            return 0
        self._idle(None)
        ran = 0
        while not self.stopping:
            progressed = False
            for app in self.apps.values():
                if self.stopping:
                    break
                if self.run_one(app):
                    ran += 1
                    progressed = True
            if not progressed:
                break
        return ran

    def run_forever(self, poll: float = 1.0) -> None:
        def stop(signum, _frame):
            log.info("worker %s: signal %s, stopping after the current batch", self.pid, signum)
            self.stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        log.info("worker %s polling %s", self.pid, ", ".join(self.apps))
        while not self.stopping:
            try:
                ran = self.run_once()
            except OperationalError as exc:  # a failover, a restart: said once
                self._idle("unavailable", " ".join(str(exc.orig).split()))
                ran = 0
            except Exception:
                log.exception("worker %s: unexpected error; retrying", self.pid)
                ran = 0
            if not ran:
                time.sleep(poll)

    def run_one(self, app) -> bool:
        db = self.sessions()
        try:
            claimed = claim(db, app, self.pid, self.stale)
            if claimed is None:
                return False
            job, lease = claimed
            self._run(db, app, job, lease)
            return True
        finally:
            db.close()

    def _run(self, db, app, job, lease) -> None:
        log.info(
            "job %s (%s %s %s) claimed, attempt %s, from row %s",
            job.job_id,
            app.short_name,
            job.job_type,
            job.object,
            lease.attempts,
            job.progress or 0,
        )
        role_sp = job.scope_sp

        def loader():
            return SettingsService(db, app, self.settings).effective(sp=role_sp)

        store = self.files[app.short_name]
        try:
            if job.job_type == "import":
                result = Importer(
                    db,
                    app,
                    job,
                    lease,
                    loader,
                    store=store,
                    batch_rows=self.batch_rows,
                    pause=self.pause,
                ).run()
                summary = (
                    f"{result['imported']} imported, {result['skipped']} "
                    f"skipped, {result['error']} errors"
                )
            else:
                reader = self.sessions()
                try:
                    result = run_export(reader, db, app, job, lease, store)
                finally:
                    reader.close()
                summary = f"{result['rows']} records exported"
        except LeaseLost:
            log.warning("job %s: lost to another worker; stopping", job.job_id)
            db.rollback()
            return
        except OperationalError:
            # The database went away (a failover?): the job is not failed; whichever
            # worker claims it once its heartbeat is stale goes on with it.
            log.warning("job %s: the database connection failed; left to be resumed", job.job_id)
            raise
        except ImportFailed as exc:
            db.rollback()
            self._finish(db, app, job, lease, FAILED, str(exc), None)
            return
        except Exception as exc:
            log.exception("job %s failed", job.job_id)
            db.rollback()
            self._finish(db, app, job, lease, FAILED, f"The job failed: {exc}", None)
            return
        self._finish(db, app, job, lease, DONE, summary, result["rows"], result["out"])

    def _out_hash(self, db, app, job, status, out) -> str | None:
        """Seal the stored out_file (in the transaction that finishes the job)."""
        if status == DONE and out is not None:
            return out.seal()
        store = self.files[app.short_name]
        try:
            if job.job_type == "import":  # the outcomes of the rows before the failure
                return store.reseal(db, job.out_file)
            store.remove(db, job.out_file)  # a part of an export is of no use
        except ValueError:  # an out_file outside the download directory (an old job)
            if os.path.exists(job.out_file):
                return csvio.sha256_of(job.out_file)
        return None

    def _finish(self, db, app, job, lease, status, message, rows, out=None) -> None:
        digest = self._out_hash(db, app, job, status, out)
        values = {
            "status": status,
            "message": message,
            "output_hash": digest,
            "finished_at": utcnow(),
            "elapsed": elapsed_since(job.started_at),
        }
        if rows is not None:
            values["progress"] = rows
        line = audit.make(
            {
                "application": app.short_name,
                "username": job.created_by,
                "role_id": job.role_id,
                "client": f"worker:{self.pid}",
                "method": "JOB",
                "object": job.object,
                "identifier": str(job.job_id),
                "outcome": f"{job.job_type} {status}: {message}",
                "fields": {"out_file": job.out_file, "output_hash": digest},
            }
        )
        try:
            touch(db, app, lease, **values)
            audit.record(db, line)
            db.commit()
        except LeaseLost:
            db.rollback()
            return
        log.info("job %s %s: %s", job.job_id, status, message)
        directory = installer_values(app.short_name, self.settings)["restworkx"][
            "audit_log_directory"
        ]
        try:
            audit.append(directory, line)
        except OSError:
            log.exception("could not write the audit log")
