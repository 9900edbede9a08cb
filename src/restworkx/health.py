"""GET /healthz: the process answers and its database takes a query."""

from __future__ import annotations

from pyramid.response import Response
from pyramid.view import view_config
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .envelope import dumps
from .resources import Root


@view_config(context=Root, name="healthz", permission="__no_permission_required__")
def healthz(context, request):
    try:
        request.dbsession.execute(text("SELECT 1"))
        status, database = 200, "ok"
    except SQLAlchemyError as exc:
        status, database = 503, f"error: {exc.__class__.__name__}"
    body = {"status": "ok" if status == 200 else "error", "database": database}
    return Response(body=dumps(body), status=status, content_type="application/json")


def includeme(config):
    config.scan(__name__)
