from __future__ import annotations

from ..api import (
    NO_PERMISSION_REQUIRED,
    api_view,
    audit_after_commit,
    method_not_allowed,
    read_json,
)
from ..envelope import Envelope
from ..resources import SettingsResource
from .schema import mask
from .service import SettingsService


def _record(doc: dict) -> dict:
    return {
        "scope": "settings",
        "links": {"self": {"scope": "settings", "identifier": {}, "uri": "/settings"}},
        "attributes": doc,
    }


@api_view(context=SettingsResource, request_method="GET", permission="view")
def get_settings(context, request):
    doc = SettingsService.for_request(request).visible(request.identity)
    return Envelope(data=[_record(doc)])


@api_view(context=SettingsResource, request_method="PUT", permission="edit")
def put_settings(context, request):
    service = SettingsService.for_request(request)
    identity = request.identity
    # A platform owner changes the application's settings; a service provider
    # administrator (allowed here only where __override__ is on) its own values.
    sp = identity.role.sp if identity.role.kind != "platform_owner" else None
    doc, change = service.update(read_json(request), identity.username, sp=sp)
    secrets = request.application.settings.secrets
    audit_after_commit(request, object="settings", fields=mask(change, secrets))
    return Envelope(data=[_record(mask(doc, secrets))])


@api_view(context=SettingsResource, permission=NO_PERMISSION_REQUIRED)
def settings_method(context, request):
    return method_not_allowed(("GET", "PUT"))
