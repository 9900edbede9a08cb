"""GET /ha-status: the HA state as JSON, for monitoring (no token: it tells
roles and lag, never data). ``?scope=local`` answers for this host alone."""

from __future__ import annotations

from pyramid.response import Response
from pyramid.view import view_config

from ..envelope import json_response
from ..resources import Root
from . import config as ha_config
from . import status


@view_config(context=Root, name="ha-status", permission="__no_permission_required__")
def ha_status(context, request):
    if request.method not in ("GET", "HEAD"):
        return Response(status=405, headers={"Allow": "GET, HEAD"})
    try:
        cfg = ha_config.load(request.registry.settings)
    except ha_config.NotConfigured as exc:
        body = {"enabled": False, "message": str(exc)}
        return json_response(body)
    local = request.params.get("scope") == "local"
    body = status.local(cfg) if local else status.collect(cfg)
    body["enabled"] = True
    return json_response(body)


def includeme(config):
    config.scan(__name__)
