"""The job queue: submit, claim, heartbeat, finish. Independent of HTTP.

A job is a row of ``<app>_job``. Its status is ``processing`` from submission
until it is ``done`` or ``failed``; within ``processing``, ``pid IS NULL``
means queued, and a ``heartbeat`` older than the stale limit means the worker
that claimed it died: another worker claims it again and resumes it.

Every write of a worker runs under a lease: ``pid`` and ``attempts`` as
they were when it claimed the job. A worker that lost its lease (it was
presumed dead and the job re-claimed) finds its update matching no row and
stops, and the batch it was writing rolls back with it. Every claim counts
an attempt, so a worker on the other host of a pair that happens to have the
same pid never holds the lease of the one before it. On PostgreSQL the
heartbeat and the stale limit are read on the database's clock, the one
clock both hosts share.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import DateTime, and_, func, or_, select, update

from ..db import utcnow
from ..declarations.fields import FieldError
from ..declarations.roles import Role, parse_role, scope_name
from ..errors import BadRequest, Forbidden
from ..queries import QueryError, parse
from ..settings.service import installer_values
from .csvio import exportable, importable
from .files import FileStore

log = logging.getLogger(__name__)

PROCESSING, DONE, FAILED = "processing", "done", "failed"
SYSTEM = "system"
FILTER_KEYS = ("sort", "search", "like", "icontains", "sort_function", "regex", "archive")
IMPORT_KEYS = ("job_type", "object", "in_file", "service_provider_name")
EXPORT_KEYS = ("job_type", "object", *FILTER_KEYS)
DEFAULT_STALE_SECONDS = 120


@dataclass(frozen=True)
class Lease:
    id: int
    pid: int
    attempts: int


def directories(app_name: str, settings: dict) -> tuple[str, str]:
    """(upload_directory, download_directory) of an application."""
    values = installer_values(app_name, settings)
    return values["upload_directory"], values["download_directory"]


def stale_seconds(settings: dict) -> float:
    return float(settings.get("restworkx.job_stale_seconds") or DEFAULT_STALE_SECONDS)


def upload_subdirectory(role: Role) -> str:
    """Where the upload endpoint puts a role's files, under the upload directory."""
    return scope_name(role.sp, role.sub)


def resolve_in_file(path, upload_dir: str, role: Role, stored=None) -> str:
    """The real path of an import's file; refused unless inside the upload directory.

    Links and '..' are resolved first. Files at the top of the upload
    directory are anyone's (placed there by an operator); files in a scope's
    subdirectory (written by the upload endpoint) belong to that scope.
    ``stored(path)`` says whether the database holds the file: one uploaded
    on the other host of a pair need not be here yet.
    """
    if not isinstance(path, str) or not path.strip():
        raise BadRequest("Job(): Field 'in_file' is required for an import, but missing.")
    root = os.path.realpath(upload_dir)
    full = os.path.realpath(os.path.join(root, path))
    if os.path.commonpath([root, full]) != root or full == root:
        raise BadRequest(
            f"Job(): Field 'in_file' must name a file inside the upload directory {root}."
        )
    rel = os.path.relpath(full, root).split(os.sep)
    if len(rel) > 1 and not _covers(role, rel[0]):
        raise BadRequest(
            "Job(): Field 'in_file' names a file uploaded by another service provider "
            "or subscriber."
        )
    if not os.path.isfile(full) and not (stored and stored(full)):
        raise BadRequest(f"Job(): Field 'in_file' names '{path}', which does not exist.")
    return full


def _covers(role: Role, directory: str) -> bool:
    if role.sp is None:
        return True
    own = scope_name(role.sp, role.sub)
    return directory == own or (role.sub is None and directory.startswith(f"sub:{role.sp}:"))


def out_file_name(download_dir: str, obj: str, job_type: str, today: dt.date) -> str:
    return os.path.join(
        download_dir, f"{obj}-{job_type}-{today.isoformat()}-{secrets.token_hex(5)}.csv"
    )


def under_provider(spec) -> bool:
    """Records of this object belong to a service provider named in a public column."""
    sp_col, sub_col = spec.scope
    is_provider = spec.container and sub_col is None  # the service provider itself
    return bool(sp_col) and sp_col in spec.public_fields and not is_provider


def check_request(app, role: Role, body) -> tuple[str, str, object, dict | None]:
    """Check a submission; returns (job_type, object, spec, kwargs)."""
    if not isinstance(body, dict):
        raise BadRequest("Job(): the request body must be a JSON object.")
    job_type = body.get("job_type")
    if job_type not in ("import", "export"):
        raise BadRequest(
            f"Job(): Field 'job_type' must be import or export (got {_shown(job_type)})."
        )
    allowed = IMPORT_KEYS if job_type == "import" else EXPORT_KEYS
    for name in body:
        if name not in allowed:
            raise BadRequest(
                f"Job(): Field '{name}' is not a parameter of an {job_type} job "
                f"(parameters: {', '.join(allowed)})."
            )
    obj = body.get("object")
    choices = importable(app) if job_type == "import" else exportable(app)
    spec = app.object(obj) if isinstance(obj, str) else None
    if spec is None or spec.name not in choices:
        raise BadRequest(
            f"Job(): Field 'object' must name an object to {job_type} "
            f"({', '.join(choices)}; got {_shown(obj)})."
        )
    kwargs: dict = {}
    if job_type == "import":
        sp = body.get("service_provider_name")
        if under_provider(spec):
            if sp is None:
                sp = role.sp
            if not isinstance(sp, str) or not sp:
                raise BadRequest(
                    f"Job(): Field 'service_provider_name' is required to import {spec.name} "
                    "records, but missing."
                )
            if role.sp is not None and sp != role.sp:
                raise Forbidden(
                    f"Job(): the role {role.role_id} cannot import into the service provider "
                    f"'{sp}'."
                )
            if sp != role.sp:
                kwargs["service_provider_name"] = sp
        elif sp is not None:
            raise BadRequest(
                f"Job(): Field 'service_provider_name' does not apply to {spec.name} records."
            )
    else:
        filters = {k: body[k] for k in FILTER_KEYS if k in body}
        for k, v in filters.items():
            if isinstance(v, bool) and k == "archive":
                filters[k] = "true" if v else "false"
            elif not isinstance(filters[k], str):
                raise BadRequest(f"Job(): Field '{k}' must be a string, like its query parameter.")
        try:
            parse(filters, spec.public_fields)
        except QueryError as exc:
            raise BadRequest(str(exc)) from None
        kwargs.update(filters)
    return job_type, spec.name, spec, kwargs or None


def _shown(value) -> str:
    return "nothing" if value is None else repr(value)


def submit(db, app, settings: dict, role_id: str, body, username: str):
    """Validate and queue a job; returns the job row (flushed, not committed)."""
    try:
        role = parse_role(role_id)
    except FieldError as exc:
        raise BadRequest(f"Job(): Field 'role_id' {exc}") from None
    job_type, obj, _spec, kwargs = check_request(app, role, body)
    upload_dir, download_dir = directories(app.short_name, settings)
    in_file = None
    if job_type == "import":
        files = FileStore(app.short_name, settings)
        in_file = resolve_in_file(
            body.get("in_file"),
            upload_dir,
            role,
            stored=lambda full: files.find(db, full) is not None,
        )
    os.makedirs(download_dir, exist_ok=True)
    now = utcnow()
    model = app.objects["job"].model
    job = model(
        role_id=role.role_id,
        job_type=job_type,
        object=obj,
        status=PROCESSING,
        in_file=in_file,
        out_file=out_file_name(download_dir, obj, job_type, dt.date.today()),
        progress=None,
        elapsed="0",
        pid=None,
        kwargs=kwargs,
        output_hash=None,
        message=None,
        scope_sp=role.sp,
        scope_sub=role.sub,
        attempts=0,
        created=now,
        modified=now,
        created_by=username,
        modified_by=SYSTEM,
    )
    db.add(job)
    db.flush()
    job.job_id = job.id
    db.flush()
    return job


# -- the worker's side ---------------------------------------------------------


def heartbeat_clock(db):
    """Now, for heartbeats: the database's clock on PostgreSQL (workers on two
    hosts compare their heartbeats), this host's on the embedded SQLite."""
    if db.get_bind().dialect.name == "postgresql":
        return func.timezone("UTC", func.clock_timestamp(), type_=DateTime)
    return utcnow()


def claim(db, app, pid: int, stale: float):
    """Claim one runnable job of an application and commit; returns (job, lease) or None."""
    t = app.objects["job"].model.__table__
    now = utcnow()
    clock = heartbeat_clock(db)
    runnable = and_(
        t.c.status == PROCESSING,
        t.c.archived_at.is_(None),
        or_(t.c.pid.is_(None), t.c.heartbeat.is_(None), t.c.heartbeat < clock - _td(stale)),
    )
    pg = db.get_bind().dialect.name == "postgresql"
    stmt = select(t.c.id, t.c.attempts).where(runnable).order_by(t.c.id).limit(1)
    if pg:
        stmt = stmt.with_for_update(skip_locked=True)
    for _ in range(5):
        row = db.execute(stmt).first()
        if row is None:
            db.rollback()
            return None
        attempts = (row.attempts or 0) + 1
        # The WHERE repeats the test: on SQLite the UPDATE is the atomic claim.
        result = db.execute(
            update(t)
            .where(t.c.id == row.id, runnable)
            .values(
                pid=pid,
                attempts=attempts,
                heartbeat=clock,
                started_at=_coalesce(t.c.started_at, now),
                modified=now,
                modified_by=SYSTEM,
            )
        )
        db.commit()
        if result.rowcount == 1:
            job = db.get(app.objects["job"].model, row.id)
            return job, Lease(row.id, pid, attempts)
    return None


def _coalesce(col, value):
    return func.coalesce(col, value)


def _td(seconds: float) -> dt.timedelta:
    return dt.timedelta(seconds=seconds)


class LeaseLost(RuntimeError):
    """Another worker claimed the job: this one must stop without writing more."""


def touch(db, app, lease: Lease, **values) -> None:
    """Update the job under the lease (in the caller's transaction); heartbeat too."""
    t = app.objects["job"].model.__table__
    now = utcnow()
    values.setdefault("heartbeat", heartbeat_clock(db))
    values.setdefault("modified", now)
    values.setdefault("modified_by", SYSTEM)
    result = db.execute(
        update(t)
        .where(
            t.c.id == lease.id,
            t.c.pid == lease.pid,
            t.c.attempts == lease.attempts,
            t.c.status == PROCESSING,
        )
        .values(**values)
    )
    if result.rowcount != 1:
        raise LeaseLost(f"job {lease.id} was claimed by another worker")


def elapsed_since(started: dt.datetime | None) -> str:
    if started is None:
        return "0"
    return str(round((utcnow() - started).total_seconds(), 1))


SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_file_name(name: str) -> str:
    base = os.path.basename(name or "")
    base = SAFE_NAME.sub("_", base).strip("._") or "upload"
    if not base.lower().endswith(".csv"):
        base += ".csv"
    return base[:200]
