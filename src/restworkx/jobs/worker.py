"""``restworkx worker``: claims queued (or abandoned) jobs and runs them.

Several workers may run at once, on one host or on both hosts of a pair;
the claim is atomic (SKIP LOCKED on PostgreSQL, a conditional UPDATE on
SQLite), and a job whose worker stopped sending heartbeats is claimed again
and resumed after its last committed batch.
"""

from __future__ import annotations

import logging
import os
import signal
import time

from .. import applications, audit
from ..db import get_engine, get_session_factory, utcnow
from ..settings.service import SettingsService, installer_values
from . import csvio
from .exporter import run_export
from .importer import Importer, ImportFailed
from .service import DONE, FAILED, LeaseLost, claim, elapsed_since, stale_seconds, touch

log = logging.getLogger(__name__)


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
        self.stopping = False

    def run_once(self) -> int:
        """Run every runnable job, then return how many ran."""
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

        try:
            if job.job_type == "import":
                result = Importer(
                    db, app, job, lease, loader, batch_rows=self.batch_rows, pause=self.pause
                ).run()
                summary = (
                    f"{result['imported']} imported, {result['skipped']} "
                    f"skipped, {result['error']} errors"
                )
            else:
                reader = self.sessions()
                try:
                    result = run_export(reader, db, app, job, lease)
                finally:
                    reader.close()
                summary = f"{result['rows']} records exported"
        except LeaseLost:
            log.warning("job %s: lost to another worker; stopping", job.job_id)
            db.rollback()
            return
        except ImportFailed as exc:
            db.rollback()
            self._finish(db, app, job, lease, FAILED, str(exc), None)
            return
        except Exception as exc:
            log.exception("job %s failed", job.job_id)
            db.rollback()
            self._finish(db, app, job, lease, FAILED, f"The job failed: {exc}", None)
            return
        self._finish(db, app, job, lease, DONE, summary, result["rows"])

    def _finish(self, db, app, job, lease, status, message, rows) -> None:
        digest = csvio.sha256_of(job.out_file) if os.path.exists(job.out_file) else None
        values = {
            "status": status,
            "message": message,
            "output_hash": digest,
            "finished_at": utcnow(),
            "elapsed": elapsed_since(job.started_at),
        }
        if rows is not None:
            values["progress"] = rows
        try:
            touch(db, app, lease, **values)
            db.commit()
        except LeaseLost:
            db.rollback()
            return
        log.info("job %s %s: %s", job.job_id, status, message)
        directory = installer_values(app.short_name, self.settings)["restworkx"][
            "audit_log_directory"
        ]
        try:
            audit.write(
                directory,
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
                },
            )
        except OSError:
            log.exception("could not write the audit log")
