"""Objects that carry bytes (ICR audio): upload with the record, download with GET.

Upload either as multipart/form-data (a part named "file" holding the bytes;
other form fields are the record's fields) on the collection or item path, or
as a raw body (Content-Type audio/wav or application/octet-stream) on the item
path with the other fields as query parameters. GET on an item answers the
bytes with the object's content type; add ?metadata=true for the JSON record.
PUT with a JSON body changes the fields only. The bytes live in the database,
so they are replicated and survive a failover with everything else.
"""

from __future__ import annotations

import socket
from urllib.parse import quote

from pyramid.httpexceptions import HTTPForbidden
from pyramid.response import Response

from ..api import audit_after_commit, read_json
from ..declarations.fields import FieldError
from ..envelope import Envelope
from ..errors import BadRequest
from ..queries import QueryError, parse_bool
from .service import serialize
from .views import _collection_for, _created, _one, kind_view

JSON_TYPES = ("application/json", "text/json")
RAW_TYPES = ("audio/", "application/octet-stream")
META_PARAMS = ("archive", "metadata")


def _upload(request, spec, *, name_from_path: str | None):
    """(fields, bytes or None) from a multipart form, a raw body or JSON."""
    blob = spec.blob
    ctype = (request.content_type or "").lower()
    if ctype.startswith("multipart/form-data"):
        fields, data = {}, None
        for key, value in request.POST.items():
            if hasattr(value, "file"):
                if key != "file":
                    raise BadRequest(f"{spec.class_name}(): send the bytes in a part named 'file'.")
                data = value.file.read(blob.max_bytes + 1)
                if not name_from_path and blob.name_field not in request.POST.getall("name"):
                    fields.setdefault(blob.name_field, value.filename)
            else:
                fields[blob.name_field if key == "name" else key] = value
        return fields, data
    if ctype.startswith(RAW_TYPES) or request.body[:4] == b"RIFF":
        fields = {k: v for k, v in request.GET.items() if k not in META_PARAMS}
        return fields, request.body
    return read_json(request), None


def _store(request, spec, record, data: bytes | None) -> None:
    blob = spec.blob
    if data is None:
        return
    if len(data) > blob.max_bytes:
        raise BadRequest(spec.error(blob.field, f"is limited to {blob.max_bytes} bytes."))
    try:
        blob.check(data)
    except FieldError as exc:
        raise BadRequest(spec.error(blob.name_field, exc)) from None
    setattr(record, blob.field, data)
    if blob.size_field:
        setattr(record, blob.size_field, len(data))
    request.dbsession.flush()


def _defaults(request, spec, fields: dict, keys: dict) -> dict:
    """Where the file lives: this host, and its URI on the API."""
    fields = dict(fields)
    ident = {**keys, **{k: fields.get(k) for k in spec.path if fields.get(k)}}
    fields.setdefault("server", socket.gethostname())
    if all(ident.get(k) for k in spec.path):
        uri = "/".join([request.api_base, spec.name, *(quote(str(ident[k])) for k in spec.path)])
        fields.setdefault("location", uri)
    return fields


def _create(context, request, keys: dict):
    spec = context.spec
    fields, data = _upload(request, spec, name_from_path=keys.get(spec.blob.name_field))
    if not isinstance(fields, dict):
        raise BadRequest(f"{spec.class_name}(): the request body must be a JSON object.")
    if data is None:
        raise BadRequest(
            f"{spec.class_name}(): upload the file's bytes: multipart/form-data with a part "
            f"named 'file', or a raw {spec.blob.content_type} body on the item path."
        )
    target = _collection_for(context, {**fields, **keys})
    if not request.has_permission("create", target):
        raise HTTPForbidden()
    fields = _defaults(request, spec, fields, keys)
    change = request.records.create(spec, fields, keys)
    _store(request, spec, change.record, data)
    audit_after_commit(
        request,
        fields={k: v for k, v in change.fields.items() if k in spec.public_fields},
        identifier="/".join(str(getattr(change.record, k)) for k in spec.path),
    )
    return _created(request, context, change.record)


@kind_view("blob", "POST", item=False)
def create_blob(context, request):
    return _create(context, request, dict(context.key_values))


@kind_view("blob", "POST", item=True)
def create_blob_at(context, request):
    return _create(context, request, dict(context.key_values))


@kind_view("blob", "PUT", item=True)
def put_blob(context, request):
    spec = context.spec
    record = request.records.find(spec, context.key_values)
    if record is None:
        if not request.has_permission("create", context.__parent__):
            raise HTTPForbidden()
        return _create(context, request, dict(context.key_values))
    fields, data = _upload(request, spec, name_from_path=context.keys[-1])
    change = request.records.update(spec, record, fields)
    _store(request, spec, record, data)
    changed = {k: v for k, v in change.fields.items() if k in spec.public_fields}
    if data is not None:
        changed[spec.blob.field] = f"{len(data)} bytes"
    audit_after_commit(request, fields=changed, outcome="modified")
    return _one(request, context, record)


@kind_view("blob", "GET", item=True)
def download_blob(context, request):
    spec = context.spec
    try:
        archived = parse_bool("archive", request.GET.get("archive", "false"))
        as_json = parse_bool("metadata", request.GET.get("metadata", "false"))
    except QueryError as exc:
        raise BadRequest(str(exc)) from None
    record = request.records.find(spec, context.key_values, archived=archived)
    if record is None:
        return Envelope(data=[], total=0, page_size=1, archive=archived)
    if as_json:
        return Envelope(
            data=[serialize(spec, record, request.api_base, quote)],
            total=1,
            page_size=1,
            archive=archived,
        )
    data = getattr(record, spec.blob.field) or b""
    name = getattr(record, spec.blob.name_field)
    return Response(
        body=data,
        content_type=spec.blob.content_type,
        content_disposition=f'attachment; filename="{name}"',
    )
