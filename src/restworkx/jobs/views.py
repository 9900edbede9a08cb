"""The job endpoints: submit, list and show jobs; upload an import's CSV;
download a job's out_file. The generic record views dispatch to the handlers
registered with ``kind_view("job", ...)`` for ``/<app>/api/job/...``."""

from __future__ import annotations

import os
from urllib.parse import quote

from pyramid.authorization import ACLHelper
from pyramid.httpexceptions import HTTPForbidden
from pyramid.response import FileResponse, Response

from ..api import api_view, audit_after_commit, read_json
from ..declarations.fields import FieldError, format_datetime
from ..declarations.roles import parse_role, scope_chain
from ..envelope import Envelope
from ..errors import BadRequest, NotFound
from ..queries import QueryError, parse
from ..records.views import kind_view
from ..resources import Collection, Item, object_acl
from ..security import caller_scope
from . import files
from . import service as jobs
from .files import FileStore

UPLOAD = "upload"
MAX_UPLOAD = 2 * 1024 * 1024 * 1024


def serialize_job(job, api_base: str) -> dict:
    get = job.__getitem__ if hasattr(job, "keys") else job.__getattribute__
    return {
        "scope": "job",
        "meta": {
            "modified_by": get("modified_by"),
            "txnid": None,
            "modified": format_datetime(get("modified")),
            "created_by": get("created_by"),
            "created": format_datetime(get("created")),
        },
        "links": {
            "self": {
                "scope": "job",
                "identifier": {"job_id": get("job_id"), "out_file": get("out_file")},
                "uri": f"{api_base}/job/{quote(get('role_id'), safe=':')}/{get('job_id')}",
            }
        },
        "attributes": {
            "status": get("status"),
            "out_file": get("out_file"),
            "pid": get("pid"),
            "object": get("object"),
            "job_type": get("job_type"),
            "job_id": get("job_id"),
            "elapsed": get("elapsed"),
            "in_file": get("in_file"),
            "kwargs": get("kwargs"),
            "progress": get("progress"),
            "role_id": get("role_id"),
            "output_hash": get("output_hash"),
            "message": get("message"),
        },
    }


def _executable(request) -> dict:
    expected = f"restworkx-{request.application.short_name}"
    given = request.GET.get("executable")
    if given is None:
        raise BadRequest(f"The query parameter 'executable={expected}' is required for a job.")
    if given != expected:
        raise BadRequest(f"The query parameter 'executable' must be {expected} (got '{given}').")
    return {"executable": expected}


def _role_id(context, request) -> str:
    if context.keys:
        return context.keys[0]
    return request.identity.role_id  # POST /job: the caller's own role


def _check_role(role_id: str):
    try:
        return parse_role(role_id)
    except FieldError as exc:
        raise BadRequest(f"Job(): Field 'role_id' {exc}") from None


@kind_view("job", "POST", item=False)
def submit_job(context, request):
    meta = _executable(request)
    role_id = _role_id(context, request)
    role = _check_role(role_id)
    target = Collection(context.spec, (role.role_id,), context.__parent__, role.role_id)
    if context.keys:
        target = context
    if not request.has_permission("create", target):
        raise HTTPForbidden()
    body = read_json(request)
    app = request.application
    if isinstance(body, dict) and isinstance(body.get("object"), str):
        spec = app.object(body["object"])
        if spec is not None:
            # The caller must hold the right within the role's scope, and the job runs
            # with the role's rights: both must allow creating (import) or reading (export).
            perm = "create" if body.get("job_type") == "import" else "list"
            if not _role_may(request, app, role, spec.name, perm):
                raise HTTPForbidden()
    job = jobs.submit(
        request.dbsession,
        app,
        request.registry.settings,
        role.role_id,
        body,
        request.identity.username,
    )
    audit_after_commit(
        request,
        identifier=f"{job.role_id}/{job.job_id}",
        outcome=f"{job.job_type} queued",
        fields={
            k: getattr(job, k) for k in ("job_type", "object", "in_file", "out_file", "kwargs")
        },
    )
    return Envelope(
        data=[serialize_job(job, request.api_base)], total=1, page_size=1, extra_meta=meta
    )


class _Scope:
    def __init__(self, obj: str, role):
        self.__acl__ = object_acl(obj, scope_chain(role.sp, role.sub), item=False)


def _role_may(request, app, role, obj: str, perm: str) -> bool:
    principals = request.identity.principals
    if not ACLHelper().permits(_Scope(obj, role), principals, perm):
        return False
    if role.kind == "platform_owner":
        return True
    needed = "create" if perm == "create" else "view"
    return needed in app.rights(role.kind, None).get(obj, set())


@kind_view("job", "GET", item=False)
def list_jobs(context, request):
    spec = context.spec
    try:
        query = parse(request.GET, spec.public_fields)
    except QueryError as exc:
        raise BadRequest(str(exc)) from None
    rows, total = request.records.list(spec, context.key_values, query, caller_scope(request))
    return Envelope(
        data=[serialize_job(r, request.api_base) for r in rows],
        total=total,
        page_size=query.limit,
        offset=query.offset,
        archive=query.archive,
    )


def _load(context, request):
    role_id, job_id = context.keys
    try:
        number = int(job_id)
    except ValueError:
        return None
    return request.records.find(context.spec, {"role_id": role_id, "job_id": number})


@kind_view("job", "GET", item=True)
def show_job(context, request):
    job = _load(context, request)
    if job is None:
        return Envelope(data=[], total=0, page_size=1)
    return Envelope(data=[serialize_job(job, request.api_base)], total=1, page_size=1)


@api_view(context=Item, object_kind="job", request_method="GET", permission="view", name="download")
def download_out_file(context, request):
    """The out_file: this host's copy when it is the stored one, else streamed
    from the database (a job run on the other host of a pair)."""
    job = _load(context, request)
    if job is None:
        raise NotFound(f"Job '{'/'.join(context.keys)}' does not exist.")
    missing = NotFound(f"Job {job.job_id} has no out_file to download yet (status {job.status}).")
    if job.status != jobs.DONE or not job.out_file:
        raise missing
    store = FileStore(request.application.short_name, request.registry.settings)
    try:
        stored = store.find(request.dbsession, job.out_file)
    except ValueError:  # outside the download directory (an old job): the local file
        stored = None
    local = os.path.isfile(job.out_file)
    name = os.path.basename(job.out_file)
    if local and (stored is None or files.local_matches(job.out_file, stored.size, stored.sha256)):
        response = FileResponse(job.out_file, request=request, content_type="text/csv")
    elif stored is not None and stored.sha256 is not None:
        response = Response(
            app_iter=files.stream(request.registry["db_engine"], stored.id),
            content_type="text/csv",
            content_length=stored.size,
        )
    else:
        raise missing
    response.content_disposition = f'attachment; filename="{name}"'
    if job.output_hash:
        response.headers["X-Output-Hash"] = job.output_hash
    return response


@kind_view("job", "POST", item=True)
def upload_in_file(context, request):
    """POST /job/<role_id>/upload?filename=x.csv with the CSV as the body (or a
    multipart form field named 'file'): stores it for an import by that role.

    The bytes go into the database in the request's transaction, a chunk at
    a time, and to the upload directory beside it (this host's cache)."""
    role_id, name = context.keys
    if name != UPLOAD:
        raise BadRequest("POST a job to /job/<role_id>; /job/<role_id>/upload takes a CSV file.")
    role = _check_role(role_id)
    if not request.has_permission("create", context.__parent__):
        raise HTTPForbidden()
    app_name, settings = request.application.short_name, request.registry.settings
    upload_dir, _ = jobs.directories(app_name, settings)
    field = request.POST.get("file") if request.content_type == "multipart/form-data" else None
    if field is not None and hasattr(field, "file"):
        filename, stream = field.filename, field.file
    else:
        filename, stream = request.GET.get("filename") or "upload.csv", request.body_file_seekable
    directory = os.path.join(upload_dir, jobs.upload_subdirectory(role))
    os.makedirs(directory, exist_ok=True)
    target = os.path.join(directory, jobs.safe_file_name(filename))
    stored = FileStore(app_name, settings).create(request.dbsession, target)
    tmp = target + ".part"
    try:
        with open(tmp, "wb") as fh:
            for chunk in iter(lambda: stream.read(files.CHUNK), b""):
                if stored.size + len(chunk) > MAX_UPLOAD:
                    raise BadRequest("The upload is larger than 2 GiB.")
                fh.write(chunk)
                stored.append(chunk)
    except BaseException:
        os.unlink(tmp)
        raise
    digest = stored.seal()
    os.replace(tmp, target)
    audit_after_commit(
        request,
        identifier=role.role_id,
        outcome="uploaded",
        fields={"in_file": target, "size": stored.size},
    )
    return Envelope(
        data=[
            {
                "scope": "upload",
                "attributes": {"in_file": target, "size": stored.size, "sha256": digest},
            }
        ],
        total=1,
        page_size=1,
    )
