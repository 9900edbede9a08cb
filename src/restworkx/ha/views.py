"""GET /ha-status: the HA state as JSON, for monitoring (no token: it tells
roles and lag, never data). ``?scope=local`` answers for this host alone."""

from __future__ import annotations

from pyramid.response import Response
from pyramid.view import view_config

from ..envelope import dumps
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
        return Response(body=dumps(body), status=200, content_type="application/json")
    local = request.params.get("scope") == "local"
    body = status.local(cfg) if local else status.collect(cfg)
    body["enabled"] = True
    return Response(body=dumps(body), status=200, content_type="application/json")


def includeme(config):
    config.scan(__name__)
