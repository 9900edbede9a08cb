"""The ceiling: a bare Pyramid app answering a small JSON document.

Served by gunicorn with the settings of ``restworkx serve`` themselves
(restworkx.cli.gunicorn_options: gthread workers, threads, keepalive, graceful
timeout, no access log, the worker's start-up), so the figure measured against
it is what gunicorn + Pyramid + the client cost on this machine with no
application code and no database at all.

    .venv/bin/python bench/ceiling.py --bind 127.0.0.1:18544 --workers 4 --threads 4
"""

from __future__ import annotations

import argparse
import os

import orjson
from pyramid.config import Configurator
from pyramid.response import Response

DOC = {
    "meta": {"scope": "success", "code": 200, "message": "", "records_total": 1},
    "data": [{"scope": "ping", "attributes": {"name": "ceiling", "ok": True}}],
    "jsonapi": {"version": "2.2-17", "short_name": "ecf"},
}


def ping(request):
    return Response(body=orjson.dumps(DOC), content_type="application/json")


def make_app():
    with Configurator() as config:
        config.add_route("ping", "/ping")
        config.add_view(ping, route_name="ping")
        return config.make_wsgi_app()


def serve(bind: str, workers: int, threads: int) -> None:
    from restworkx.cli import gunicorn_options, run_gunicorn

    # restworkx serve's own settings, and its way of running gunicorn.
    options = gunicorn_options({"restworkx.threads": threads}, bind=bind, workers=workers)
    options["proc_name"] = "restworkx-ceiling"
    run_gunicorn(options, make_app)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bind", default="127.0.0.1:18544")
    p.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    p.add_argument("--threads", type=int, default=4, help="restworkx.threads (default 4)")
    args = p.parse_args()
    serve(args.bind, args.workers, args.threads)


if __name__ == "__main__":
    main()
