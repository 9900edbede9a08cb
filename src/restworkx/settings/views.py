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
    doc, change = service.update(read_json(request), request.identity.username)
    secrets = request.application.settings.secrets
    audit_after_commit(request, object="settings", fields=mask(change, secrets))
    return Envelope(data=[_record(mask(doc, secrets))])


@api_view(context=SettingsResource, permission=NO_PERMISSION_REQUIRED)
def settings_method(context, request):
    return method_not_allowed(("GET", "PUT"))
