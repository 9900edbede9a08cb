"""Thin views over RecordService: list, read, create, modify, archive."""

from __future__ import annotations

from urllib.parse import quote

from pyramid.httpexceptions import HTTPForbidden

from ..api import (
    NO_PERMISSION_REQUIRED,
    api_view,
    audit_after_commit,
    method_not_allowed,
    read_json,
)
from ..envelope import Envelope
from ..errors import BadRequest, NotFound
from ..queries import QueryError, parse, parse_bool
from ..resources import Collection, Item
from ..security import caller_scope
from ..settings.schema import MASK
from .service import serialize

ARCHIVED_MESSAGE = "Record successfully archived or restored."

# Handlers for objects of another kind (blob, job), by (kind, method, on an item).
# One view per method and context dispatches to them: predicates per kind would
# make Pyramid try, and reject with an exception, each kind's view in turn.
KIND_VIEWS: dict = {}


def kind_view(kind: str, method: str, *, item: bool):
    """Register fn as the handler of one method for one kind of object. It runs
    under the generic view's permission: list/create on collections, view on
    GET items, edit on PUT items, list on POST items (create is checked inside)."""

    def register(fn):
        KIND_VIEWS[(kind, method, item)] = fn
        return fn

    return register


def _special(context, request):
    return KIND_VIEWS.get((context.spec.kind, request.method, context.is_item))


def _one(request, context, record, *, code=200, message="") -> Envelope:
    data = [serialize(context.spec, record, request.api_base, quote)]
    return Envelope(data=data, total=1, page_size=1, code=code, message=message)


def _query(request, spec):
    try:
        return parse(request.GET, spec.public_fields)
    except QueryError as exc:
        raise BadRequest(str(exc)) from None


def _archive_flag(request) -> bool:
    try:
        return parse_bool("archive", request.GET.get("archive", "false"))
    except QueryError as exc:
        raise BadRequest(str(exc)) from None


def list_records(context, request):
    if (special := _special(context, request)) is not None:
        return special(context, request)
    spec = context.spec
    query = _query(request, spec)
    rows, total = request.records.list(spec, context.key_values, query, caller_scope(request))
    data = [serialize(spec, row, request.api_base, quote) for row in rows]
    return Envelope(
        data=data, total=total, page_size=query.limit, offset=query.offset, archive=query.archive
    )


def get_record(context, request):
    if (special := _special(context, request)) is not None:
        return special(context, request)
    spec = context.spec
    if not spec.keyed:  # history (CDRs): a full path is still a list
        return list_records(context, request)
    archived = _query(request, spec).archive
    record = request.records.find_row(spec, context.key_values, archived=archived)
    if record is None:  # "Not provisioned" is a success with no data.
        return Envelope(data=[], total=0, page_size=1, archive=archived)
    env = _one(request, context, record)
    env.archive = archived
    return env


def _create(context, request):
    spec = context.spec
    if not spec.writable:
        raise method_not_allowed(_allowed(context))
    body = read_json(request)
    keys = dict(context.key_values)
    if isinstance(body, dict):
        # The body may name deeper keys than the path: check 'create' where it lands.
        for name in spec.path:
            if name not in keys and name in body:
                keys[name] = body[name]
            else:
                break
    target = _collection_for(context, keys)
    if not request.has_permission("create", target):
        raise HTTPForbidden()
    change = request.records.create(spec, body, context.key_values)
    audit_after_commit(
        request,
        fields=_safe_fields(spec, change.fields),
        identifier="/".join(str(getattr(change.record, k)) for k in spec.path),
        outcome="created",
    )
    return _created(request, context, change.record)


def _created(request, context, record) -> Envelope:
    env = _one(request, context, record)
    hook = request.registry.get("after_create", {}).get(context.spec.name)
    if hook is not None:
        env.extra_meta.update(hook(request, record))
    return env


def _collection_for(context, keys: dict) -> Collection:
    spec = context.spec
    ordered = []
    for name in spec.path[:-1]:
        if name not in keys or not isinstance(keys[name], str):
            break
        ordered.append(keys[name])
    api_root = context
    while isinstance(api_root, Collection | Item):
        api_root = api_root.__parent__
    return Collection(spec, tuple(ordered), api_root, spec.name)


def create_record(context, request):
    if (special := _special(context, request)) is not None:
        return special(context, request)
    return _create(context, request)


def create_record_at(context, request):
    if (special := _special(context, request)) is not None:
        return special(context, request)
    return _create(context, request)


def put_record(context, request):
    if (special := _special(context, request)) is not None:
        return special(context, request)
    spec = context.spec
    if not spec.writable:
        raise method_not_allowed(_allowed(context))
    body = read_json(request)
    record = request.records.find(spec, context.key_values)
    if record is None:
        if not request.has_permission("create", context.__parent__):
            raise HTTPForbidden()
        change = request.records.create(spec, body, context.key_values)
    else:
        change = request.records.update(spec, record, body)
    audit_after_commit(
        request,
        fields=_safe_fields(spec, change.fields),
        outcome="created" if change.created else "modified",
    )
    if change.created:
        return _created(request, context, change.record)
    return _one(request, context, change.record)


def delete_record(context, request):
    if (special := _special(context, request)) is not None:
        return special(context, request)
    spec = context.spec
    if not spec.writable:
        raise method_not_allowed(_allowed(context))
    archived = _archive_flag(request)
    try:
        restore = parse_bool("restore", request.GET.get("restore", "false"))
    except QueryError as exc:
        raise BadRequest(str(exc)) from None
    if restore and not archived:
        raise BadRequest("Restoring needs both archive=true and restore=true.")
    service = request.records
    record = service.find(spec, context.key_values, archived=archived, lock=True)
    what = f"{spec.class_name} '{'/'.join(context.keys)}'"
    if record is None:
        where = "in the archive" if archived else "live"
        raise NotFound(f"{what} does not exist {where}.")
    if not archived:
        service.archive(spec, record)
        action = "archived"
    elif restore:
        service.restore(spec, record)
        action = "restored"
    else:
        service.purge(spec, record)
        action = "purged"
    audit_after_commit(request, outcome=action)
    return Envelope(data=[], total=0, code=205, message=ARCHIVED_MESSAGE, archive=archived)


def _allowed(context) -> tuple[str, ...]:
    spec = context.spec
    if spec.writable:
        return ("GET", "POST", "PUT", "DELETE") if context.is_item else ("GET", "POST")
    if spec.kind == "job" and not context.is_item:
        return ("GET", "POST")
    return ("GET",)


# method -> (permission, handler). One view per context dispatches on the method:
# a view per method would make Pyramid try them in turn, each mismatch costing an
# exception. HEAD is answered as GET, as a request_method="GET" view would.
COLLECTION_METHODS = {
    "GET": ("list", list_records),
    "HEAD": ("list", list_records),
    "POST": ("list", create_record),
}
ITEM_METHODS = {
    "GET": ("view", get_record),
    "HEAD": ("view", get_record),
    "PUT": ("edit", put_record),
    "POST": ("list", create_record_at),
    "DELETE": ("archive", delete_record),
}


def _dispatch(methods: dict, context, request):
    entry = methods.get(request.method)
    if entry is None:
        return method_not_allowed(_allowed(context))
    permission, handler = entry
    if not request.has_permission(permission, context):
        raise HTTPForbidden()
    return handler(context, request)


@api_view(context=Collection, permission=NO_PERMISSION_REQUIRED)
def collection_view(context, request):
    return _dispatch(COLLECTION_METHODS, context, request)


@api_view(context=Item, permission=NO_PERMISSION_REQUIRED)
def item_view(context, request):
    return _dispatch(ITEM_METHODS, context, request)


def _safe_fields(spec, fields: dict) -> dict:
    """What the audit log may show: public fields, credentials masked."""
    return {
        k: (MASK if spec.fields[k].masked else v)
        for k, v in fields.items()
        if k in spec.public_fields
    }
