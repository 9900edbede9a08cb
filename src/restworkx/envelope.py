"""The JSON envelope: {"meta": ..., "data": [...], "jsonapi": ...}.

Views return an Envelope; one view decorator (enveloped) turns it into the
response, and one set of exception views turns errors into the exception form.
Error bodies answer HTTP 200 as the seeds document, unless the client sends
``X-API-Status: http``, in which case the HTTP status equals the body's code.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

import orjson
from pyramid.httpexceptions import HTTPMethodNotAllowed, HTTPNotFound
from pyramid.response import Response
from pyramid.view import exception_view_config, forbidden_view_config, notfound_view_config
from sqlalchemy.exc import IntegrityError, OperationalError

from . import errors
from .declarations.fields import format_datetime
from .jsoncodec import exact_ints

log = logging.getLogger(__name__)
STATUS_HEADER = "X-API-Status"
PLAIN_404 = """<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">
<html><head>
<title>404 Not Found</title>
</head><body>
<h1>Not Found</h1>
<p>The requested URL {path} was not found on this server.</p>
</body></html>
"""


@dataclass
class Envelope:
    data: list = field(default_factory=list)
    total: int | None = None
    page_size: int | None = None
    offset: int | None = None
    archive: bool = False
    code: int = 200
    message: str = ""
    extra_meta: dict = field(default_factory=dict)


def _default(value: Any):
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(doc) -> bytes:
    try:
        return orjson.dumps(doc, default=_default, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        # An integer beyond 64 bits (a JSON field may hold one): written as its digits.
        return orjson.dumps(exact_ints(doc), default=_default, option=orjson.OPT_NON_STR_KEYS)


def json_response(doc, status: int = 200) -> Response:
    """doc as a JSON response (dumps: datetimes and long integers included)."""
    return Response(body=dumps(doc), status=status, content_type="application/json")


def jsonapi(request) -> dict:
    app = getattr(request, "application", None)
    return app.jsonapi if app is not None else {}


def success_body(request, env: Envelope) -> dict:
    shown = len(env.data)
    meta = {
        "scope": "success",
        "code": env.code,
        "message": env.message,
        "encoding": "ascii",
        "zoom": 0,
        "archive": env.archive,
        "authorization": request.headers.get("Authorization", ""),
        "records_total": env.total if env.total is not None else shown,
        "records_shown": shown,
        "records_page_size": env.page_size if env.page_size is not None else shown,
        "records_page_offset": env.offset or 0,
    }
    meta.update(env.extra_meta)
    return {"meta": meta, "data": env.data, "jsonapi": jsonapi(request)}


def error_response(request, code: int, message: str) -> Response:
    body = {
        "meta": {"scope": "exception", "message": message, "code": code, "encoding": "ascii"},
        "jsonapi": jsonapi(request),
    }
    status = 200
    if request.headers.get(STATUS_HEADER, "").lower() == "http" and code >= 400:
        status = code
    return json_response(body, status)


def render(request, value) -> Response:
    """What an API view returns, as its response: an Envelope in the success form, any
    other document as it is, a Response untouched."""
    if isinstance(value, Response):
        return value
    if isinstance(value, Envelope):
        value = success_body(request, value)
    return json_response(value)


def enveloped(view):
    """The view decorator of every API view (api.api_view): its result goes out through
    render(), not through a Pyramid renderer, whose machinery (system values, the
    request's response object) cost a simple GET a tenth of its time."""

    def enveloped_view(context, request):
        return render(request, view(context, request))

    return enveloped_view


def _audit_failure(request, code: int, message: str):
    audit = getattr(request, "audit_failure", None)
    if audit is not None:
        audit(code, message)


@exception_view_config(errors.APIError)
def api_error(exc, request):
    _audit_failure(request, exc.code, exc.message)
    return error_response(request, exc.code, exc.message)


@exception_view_config(IntegrityError)
def integrity_error(exc, request):
    # A unique index caught a race the pre-checks could not see.
    log.info("integrity error: %s", exc.orig)
    message = "A record with the same key already exists."
    _audit_failure(request, 409, message)
    return error_response(request, 409, message)


@exception_view_config(OperationalError)
def database_unavailable(exc, request):
    log.error("database error: %s", exc.orig)
    return error_response(request, 503, "The database is not available; try again shortly.")


@forbidden_view_config()
def forbidden(exc, request):
    if not getattr(request, "is_api", False):
        return HTTPNotFound(body=PLAIN_404.format(path=request.path))
    if request.authenticated_userid is None:
        message = (
            getattr(request, "auth_failure", None)
            or "Authentication required: send the header "
            "'Authorization: Basic <token>' with a token from /authenticate."
        )
        _audit_failure(request, 401, message)
        return error_response(request, 401, message)
    _audit_failure(request, 403, errors.NOT_PERMITTED)
    return error_response(request, 403, errors.NOT_PERMITTED)


@notfound_view_config()
def not_found(exc, request):
    if not getattr(request, "is_api", False):
        return Response(
            PLAIN_404.format(path=request.path),
            status=404,
            content_type="text/html",
            charset="iso-8859-1",
        )
    context = request.context
    if getattr(context, "is_api_root", False) and request.view_name:
        return error_response(request, 404, f"No object '{request.view_name}' exists.")
    return error_response(request, 404, f"No resource at '{request.path}'.")


@exception_view_config(HTTPMethodNotAllowed)
def method_not_allowed(exc, request):
    return exc


def includeme(config):
    config.scan(__name__)
