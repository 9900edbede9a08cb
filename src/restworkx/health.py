"""GET /healthz: the process answers and its database takes a query.

``/healthz?writable=1`` also requires the database to be writable (not a
standby): keepalived's check, so the HA address follows the primary.
"""

from __future__ import annotations

from pyramid.view import view_config
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .envelope import json_response
from .resources import Root


@view_config(context=Root, name="healthz", permission="__no_permission_required__")
def healthz(context, request):
    body = {}
    try:
        status, database = 200, "ok"
        if request.dbsession.get_bind().dialect.name == "postgresql":
            # One query both proves the database answers and tells its role.
            standby = request.dbsession.execute(text("SELECT pg_is_in_recovery()")).scalar()
            body["role"] = "standby" if standby else "primary"
            if standby and request.params.get("writable"):
                status = 503
        else:
            request.dbsession.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        status, database = 503, f"error: {exc.__class__.__name__}"
    body = {"status": "ok" if status == 200 else "error", "database": database, **body}
    return json_response(body, status)


def includeme(config):
    config.scan(__name__)
