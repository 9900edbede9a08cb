"""What every API view shares: the view decorator, the JSON body, request helpers."""

from __future__ import annotations

import logging

from pyramid.httpexceptions import HTTPMethodNotAllowed
from pyramid.renderers import null_renderer
from pyramid.security import NO_PERMISSION_REQUIRED
from pyramid.view import view_config

from . import audit, jsoncodec
from .db import reads_for
from .envelope import enveloped
from .errors import BadRequest

log = logging.getLogger(__name__)


class api_view(view_config):
    """view_config that refuses to register a view without a permission, and sends
    what the view returns out as the envelope (envelope.enveloped) unless it names a
    renderer of its own."""

    def __init__(self, **settings):
        if "permission" not in settings:
            raise TypeError(f"api_view needs an explicit permission: {settings}")
        if "renderer" not in settings:
            if "decorator" in settings:
                raise TypeError(f"api_view decorates with envelope.enveloped: {settings}")
            # The decorator makes the response: no renderer, and no check for one.
            settings["decorator"], settings["renderer"] = enveloped, null_renderer
        super().__init__(**settings)


class MethodNotAllowed(HTTPMethodNotAllowed):
    """A real 405 with Allow and an empty body, as the seeds show."""

    def prepare(self, environ):
        self.content_type = "text/html"
        self.body = b""


def method_not_allowed(allowed: tuple[str, ...]):
    return MethodNotAllowed(headers={"Allow": ", ".join(allowed)})


def read_json(request, *, required: bool = True):
    """The body is JSON whatever Content-Type says (the seeds send none, or ecf/json)."""
    body = request.body
    if not body.strip():
        if required:
            raise BadRequest("The request body is empty; send a JSON object.")
        return {}
    try:
        doc = jsoncodec.loads(body)
    except ValueError as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc}.") from None
    if b"\\u0000" in body and _holds_nul(doc):
        # PostgreSQL stores no NUL in text or JSONB: refuse it here, not with a 500.
        raise BadRequest("The request body holds a NUL character (\\u0000); no field takes it.")
    return doc


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def api_base(request) -> str:
    app = request.application
    return f"/{app.short_name}/api"


def app_settings(request) -> dict:
    from .settings.service import SettingsService

    return SettingsService.for_request(request).effective(request.identity)


def records(request):
    from .records.service import RecordService

    identity = request.identity
    return RecordService(
        lambda: request.dbsession,
        request.application,
        identity.username if identity else "system",
        lambda: request.app_settings,
        reads=lambda: reads_for(request),
    )


def _audit_values(request, outcome: str, **values) -> dict:
    identity = request.identity
    context = request.context
    spec = getattr(context, "spec", None)
    out = {
        "application": request.application.short_name,
        "username": identity.username if identity else values.pop("username", ""),
        "role_id": identity.role_id if identity else "",
        "client": request.client_addr or "",
        "method": request.method,
        "object": spec.name if spec else request.view_name or getattr(context, "__name__", ""),
        "identifier": "/".join(getattr(context, "keys", ()) or ()),
        "outcome": outcome,
    }
    out.update(values)
    return out


def audit_directory(request) -> str:
    from .settings.service import installer_values

    app = request.application
    values = installer_values(app.short_name, request.registry.settings)
    return values["restworkx"]["audit_log_directory"]


def audit_after_commit(request, outcome: str = "ok", **values) -> None:
    """Record a change: its line joins the change's transaction, and reaches the
    day's file once that transaction has committed."""
    line = audit.make(_audit_values(request, outcome, **values))
    audit.record(request.dbsession, line)
    directory = audit_directory(request)

    def hook(success):
        if success:
            audit.append(directory, line)

    request.tm.get().addAfterCommitHook(hook)


def audit_now(request, outcome: str, **values) -> None:
    """Record what the request's transaction may not keep (a login attempt, a
    refused change): in a short transaction of its own once the request's has
    ended, committed or not, so it never waits on the request's own locks."""
    line = audit.make(_audit_values(request, outcome, **values))
    directory = audit_directory(request)
    engine = request.registry["db_engine"]
    pending = [line]

    def hook(*_status):
        if not pending:
            return  # a failed commit may end in an abort too: once is enough
        pending.clear()
        try:  # never raise from a transaction's hook
            audit.record_now(engine, line)
            audit.append(directory, line)
        except Exception:
            log.exception("could not write the audit log")

    if request.environ.get("tm.active"):
        txn = request.tm.get()
        txn.addAfterCommitHook(hook)
        txn.addAfterAbortHook(hook)
    else:  # the request's transaction is over already (an error in its commit)
        hook()


def audit_failure(request, code: int, message: str) -> None:
    """Failed changes are audited too (reads are not)."""
    if request.method in ("GET", "HEAD") or getattr(request, "application", None) is None:
        return
    audit_now(request, f"error {code}: {message}")


def includeme(config):
    config.add_request_method(api_base, reify=True)
    config.add_request_method(app_settings, reify=True)
    config.add_request_method(records, reify=True)
    config.add_request_method(audit_failure, "audit_failure")


__all__ = ["NO_PERMISSION_REQUIRED", "api_view", "method_not_allowed", "read_json"]
