"""restworkx: the appliance's command line (initdb, create-admin, serve, ...)."""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import socket
import sys

from pyramid.paster import get_appsettings

DEFAULT_CONFIG = os.environ.get("RESTWORKX_CONFIG", "development.ini")


def load_settings(path: str) -> dict:
    if not os.path.exists(path):
        raise SystemExit(f"restworkx: no such configuration file: {path}")
    return dict(get_appsettings(path))


def _sqlite_dir(url: str) -> None:
    if url.startswith("sqlite:///"):
        directory = os.path.dirname(url[len("sqlite:///") :])
        if directory:
            os.makedirs(directory, exist_ok=True)


def alembic_config(settings: dict):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "restworkx:migrations")
    cfg.set_main_option("sqlalchemy.url", settings["sqlalchemy.url"].replace("%", "%%"))
    return cfg


def cmd_initdb(args) -> int:
    from alembic import command

    settings = load_settings(args.config)
    _sqlite_dir(settings["sqlalchemy.url"])
    command.upgrade(alembic_config(settings), "heads")
    print("database at head")
    return 0


def session_for(settings: dict):
    from .db import get_engine, get_session_factory

    return get_session_factory(get_engine(settings))()


def cmd_create_admin(args) -> int:
    import transaction  # noqa: F401  (zope.sqlalchemy is not used here: plain commit)

    from . import applications
    from .auth import passwords
    from .auth.service import check_password, force_password
    from .errors import APIError
    from .records.service import RecordService
    from .settings.service import SettingsService

    settings = load_settings(args.config)
    apps = applications.installed(settings)
    if args.app not in apps:
        raise SystemExit(f"restworkx: application '{args.app}' is not installed here")
    app = apps[args.app]
    passwords.configure(int(settings.get("restworkx.argon2_time_cost", 0) or 0) or None)
    db = session_for(settings)
    try:
        spec = app.objects["administrator"]
        service = RecordService(
            db, app, "installer", lambda: SettingsService(db, app, settings).effective()
        )
        if service.find(spec, {"username": args.username}) is not None:
            print(f"{args.app}: administrator '{args.username}' exists")
            return 0
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\n")
            generated = False
        else:
            password = secrets.token_urlsafe(12)
            generated = True
        try:
            check_password(password, service.ctx.settings)
            change = service.create(
                spec, {"username": args.username, "role_id": "platform_owner"}, {}
            )
        except APIError as exc:
            raise SystemExit(f"restworkx: {exc.message}") from None
        force_password(db, change.record, password)
        db.commit()
    finally:
        db.close()
    if args.credentials_file:
        fd = os.open(args.credentials_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a") as fh:
            fh.write(f"{args.app} {args.username} {password}\n")
    if generated and not args.credentials_file:
        print(f"{args.app}: administrator '{args.username}' created; password: {password}")
    else:
        print(f"{args.app}: administrator '{args.username}' created")
    return 0


def _settle_heap(worker) -> None:
    """Once a worker has loaded the app, its ~100k long-lived objects (declarations,
    tables, registry) leave the collector's view: a full collection would otherwise
    walk them all (~25 ms, every request of the worker waiting) every few seconds."""
    import gc

    gc.collect()
    gc.freeze()


def _tcp_address(bind: str):
    """(family, host, port) of a TCP bind with a fixed port, else None (a Unix socket,
    an inherited fd, or port 0, which would give each worker a port of its own)."""
    from gunicorn.util import parse_address

    if bind.startswith(("unix:", "fd://")):
        return None
    host, port = parse_address(bind)
    if not port:
        return None
    return (socket.AF_INET6 if ":" in host else socket.AF_INET), host, port


def port_in_use(bind: str) -> str | None:
    """Why this server cannot have bind's port (it is listened on already), or None.
    Workers that share a port by SO_REUSEPORT would share it with any other server
    of the same user too: a second `restworkx serve`, or an old one still running
    through an upgrade, would silently take half the connections. A plain bind
    first refuses that, as a server without SO_REUSEPORT would."""
    address = _tcp_address(bind)
    if address is None:
        return None
    family, host, port = address
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As gunicorn's own listeners: a connection of a stopped server, lingering
        # in TIME_WAIT, does not hold the port.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return f"cannot listen on {bind}: {exc.strerror} (is another server running there?)"
    return None


MIGRATE_REQ = "/proc/sys/net/ipv4/tcp_migrate_req"


def migrates_waiting_connections(path: str = MIGRATE_REQ) -> bool | None:
    """Whether the kernel hands the connections waiting on a closed listener of a
    SO_REUSEPORT group to the others (net.ipv4.tcp_migrate_req, Linux 5.14), or None
    when this kernel cannot say."""
    try:
        with open(path) as f:
            return f.read().strip() != "0"
    except OSError:
        return None


def _announce_listeners(server) -> None:
    """gunicorn's own "Listening at:" names the arbiter's sockets, none when each
    worker listens on its own: say where they listen instead, and warn when a
    stopping worker would reset the connections waiting on its socket."""
    if server.cfg.reuse_port:
        where = ", ".join(server.cfg.bind)
        server.log.info("Listening at: %s (each worker on its own socket)", where)
        if not migrates_waiting_connections():
            # A worker that dies, or is stopped by a reload, closes its socket: the
            # connections accepted by the kernel but not yet by the worker are reset.
            server.log.warning(
                "net.ipv4.tcp_migrate_req is not 1: a worker that stops resets the "
                "connections waiting on its socket instead of handing them to another "
                "worker (roles/supervisor sets it on an NIU)"
            )


def default_workers() -> int:
    """The API workers serve runs unless told: one per core, at least 2 (as roles/restworkx)."""
    return max(os.cpu_count() or 1, 2)


def gunicorn_options(settings: dict, *, bind: str, workers: int) -> dict:
    """The gunicorn settings `restworkx serve` runs with; the API bench's ceiling
    (bench/ceiling.py) serves its bare app with the same."""
    return {
        "bind": bind,
        # Each worker listens on a socket of its own on the port (SO_REUSEPORT) and
        # the kernel spreads new connections over them. On one shared socket the
        # first worker to wake took every connection of a burst: a keep-alive
        # client (nginx's upstream pool, a load generator) then had one worker of
        # N serving it, at half the rate (32 of 32 connections in 2 runs of 3).
        "reuse_port": _tcp_address(bind) is not None,
        "workers": workers,
        "worker_class": "gthread",
        "threads": int(settings.get("restworkx.threads", 4)),
        "keepalive": 30,
        # Let the app answer any method (even "GE") with its real 405 and Allow.
        "permit_unconventional_http_method": True,
        "graceful_timeout": 20,
        "accesslog": settings.get("restworkx.access_log") or None,
        "proc_name": "restworkx",
        "post_worker_init": _settle_heap,
        "when_ready": _announce_listeners,
        **_control_socket(settings.get("restworkx.control_socket") or None),
    }


def _control_socket(path: str | None) -> dict:
    """gunicorn's control socket (gunicorn 25.1 and later): off unless
    restworkx.control_socket names its path. Its default is one path per user
    ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl), which a second server of the
    user (the API bench's ceiling, a development server) takes over from the first
    and removes when it stops."""
    from gunicorn.config import KNOWN_SETTINGS

    if "control_socket" not in {s.name for s in KNOWN_SETTINGS}:
        if path:
            raise SystemExit(
                "restworkx: restworkx.control_socket needs gunicorn 25.1 or later "
                "(pip install -U gunicorn)"
            )
        return {}
    if not path:
        return {"control_socket_disable": True}
    return {"control_socket": path, "control_socket_disable": False}


def run_gunicorn(options: dict, load) -> None:
    """gunicorn with these settings (gunicorn_options), serving the WSGI app load()
    returns in each worker: restworkx serve, and the API bench's ceiling."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self):
            for name, value in options.items():
                self.cfg.set(name, value)

        def load(self):
            return load()

    Server().run()


def cmd_serve(args) -> int:
    from pyramid.paster import get_app

    settings = load_settings(args.config)
    bind = args.bind or settings.get("restworkx.bind", "127.0.0.1:6543")
    workers = args.workers or int(settings.get("restworkx.workers", 0) or 0) or default_workers()
    config_path = os.path.abspath(args.config)
    refused = port_in_use(bind)  # None for a bind whose workers do not share a port
    if refused:
        print(f"restworkx serve: {refused}", file=sys.stderr)
        return 1
    from .records import totals

    totals.share()  # before gunicorn forks the workers that share it
    run_gunicorn(
        gunicorn_options(settings, bind=bind, workers=workers),
        lambda: get_app(config_path, "main"),
    )
    return 0


def cmd_settings(args) -> int:
    import json

    from sqlalchemy.exc import DBAPIError

    from . import applications
    from .errors import APIError
    from .settings.service import SettingsService

    settings = load_settings(args.config)
    app = applications.installed(settings).get(args.app)
    if app is None:
        raise SystemExit(f"restworkx: application '{args.app}' is not installed here")
    db = session_for(settings)
    try:
        service = SettingsService(db, app, settings)
        if args.action == "get":
            doc = service.visible()
            for key in args.path.split(".") if args.path else []:
                doc = doc[key]
            print(json.dumps(doc, indent=2))
            return 0
        change: dict = {}
        node = change
        keys = args.path.split(".")
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        try:
            value = json.loads(args.value)
        except ValueError:
            value = args.value
        node[keys[-1]] = value
        current = service.effective()
        for key in keys:
            current = current.get(key) if isinstance(current, dict) else None
        if current == value:
            # Nothing to write: also what an HA standby (read-only) answers to
            # configure-ssl setting the value its primary already set.
            print(f"{args.app}: {args.path} unchanged")
            return 0
        try:
            service.update(change, "installer")
            db.commit()
        except APIError as exc:
            raise SystemExit(f"restworkx: {exc.message}") from None
        except DBAPIError as exc:
            if "read-only" in str(exc.orig):
                raise SystemExit(
                    "restworkx: this host's database is a read-only HA standby: "
                    "change settings on the primary"
                ) from None
            raise
        print(f"{args.app}: {args.path} set")
        return 0
    finally:
        db.close()


def cmd_worker(args) -> int:
    from .jobs.worker import Worker
    from .logs import configure_logging

    settings = load_settings(args.config)
    configure_logging(settings)
    worker = Worker(settings)
    if args.once:
        ran = worker.run_once()
        print(f"{ran} job(s) run")
        return 0
    worker.run_forever(poll=args.poll)
    return 0


def cmd_maintenance(args) -> int:
    import json

    from . import maintenance
    from .logs import configure_logging

    settings = load_settings(args.config)
    configure_logging(settings)
    report = maintenance.run(settings)
    print(json.dumps(report, indent=2, default=str))
    return 0


def cmd_scheduler(args) -> int:
    from . import maintenance
    from .logs import configure_logging

    settings = load_settings(args.config)
    configure_logging(settings)
    maintenance.scheduler(settings)
    return 0


def cmd_load_cdrs(args) -> int:
    from . import applications
    from .jobs.cdrs import load_cdrs

    settings = load_settings(args.config)
    app = applications.installed(settings).get(args.app)
    if app is None:
        raise SystemExit(f"restworkx: application '{args.app}' is not installed here")
    db = session_for(settings)
    try:
        fh = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8-sig")  # noqa: SIM115
        with fh:
            loaded, errors = load_cdrs(db, app, fh)
    finally:
        db.close()
    for number, message in errors[:100]:
        print(f"{args.file}:{number}: {message}", file=sys.stderr)
    print(f"{args.app}: {loaded} call detail records loaded, {len(errors)} lines refused")
    return 1 if errors else 0


def _ha(args):
    from .ha import config as ha_config
    from .logs import configure_logging

    settings = load_settings(args.config)
    configure_logging(settings)
    try:
        return settings, ha_config.load(settings)
    except ha_config.NotConfigured as exc:
        raise SystemExit(f"restworkx: {exc}") from None


def cmd_ha_status(args) -> int:
    import json

    from .ha import status

    _settings, cfg = _ha(args)
    doc = status.collect(cfg)
    print(json.dumps(doc, indent=2, default=str) if args.json else status.render(doc))
    return 0 if doc["primary"] and len(doc["address_holders"]) == 1 else 1


def cmd_ha_agent(args) -> int:
    from .ha.agent import Agent

    settings, cfg = _ha(args)

    def after_promotion():
        # The audit lines the old primary wrote are in the database: rebuild this
        # host's files, as the owner of the application data (the agent is root).
        from . import audit
        from .settings.service import data_root

        owner = os.stat(data_root(settings))
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.setgid(owner.st_gid)
                os.setuid(owner.st_uid)
                audit.sync_audit_files(settings)
                code = 0
            finally:
                os._exit(code)
        os.waitpid(pid, 0)

    Agent(cfg, on_promoted=after_promotion).run()
    return 0


def cmd_ha_promote(args) -> int:
    from .ha.actions import HaError, promote

    _settings, cfg = _ha(args)
    try:
        print(promote(cfg, args.reason, expect_lsn=args.expect_lsn, wait=args.wait))
    except HaError as exc:
        raise SystemExit(f"restworkx ha-promote: {exc}") from None
    return 0


def cmd_ha_demote(args) -> int:
    from .ha.actions import HaError, demote

    _settings, cfg = _ha(args)
    try:
        print(demote(cfg, wait=args.wait))
    except HaError as exc:
        raise SystemExit(f"restworkx ha-demote: {exc}") from None
    return 0


def cmd_ha_prestart(args) -> int:
    from .ha.actions import prestart

    _settings, cfg = _ha(args)
    print(prestart(cfg))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="restworkx", description=__doc__)
    p.add_argument("-c", "--config", default=DEFAULT_CONFIG, help="the ini file")
    # -c is accepted after the subcommand too: restworkx initdb -c production.ini
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-c", "--config", default=argparse.SUPPRESS, help="the ini file")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser(
        "initdb", parents=[common], help="create or upgrade the schema (alembic upgrade head)"
    )
    s.set_defaults(func=cmd_initdb)

    s = sub.add_parser(
        "create-admin", parents=[common], help="create a platform_owner administrator"
    )
    s.add_argument("--app", required=True)
    s.add_argument("--username", required=True)
    s.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (else one is generated)",
    )
    s.add_argument("--credentials-file", help="append 'app username password' to this file")
    s.set_defaults(func=cmd_create_admin)

    s = sub.add_parser("serve", parents=[common], help="serve the API with gunicorn")
    s.add_argument("--bind")
    s.add_argument("--workers", type=int)
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser(
        "settings", parents=[common], help="read or change an application's settings"
    )
    actions = s.add_subparsers(dest="action", required=True)
    g = actions.add_parser("get", parents=[common], help="print the settings (secrets masked)")
    g.add_argument("--app", required=True)
    g.add_argument("path", nargs="?", default="", help="dotted key, e.g. security.ca_bundle")
    g.set_defaults(func=cmd_settings)
    g = actions.add_parser(
        "set", parents=[common], help="set one key (checked like a PUT of the API)"
    )
    g.add_argument("--app", required=True)
    g.add_argument("path", help="dotted key, e.g. security.ca_bundle")
    g.add_argument("value", help="a JSON value, or plain text")
    g.set_defaults(func=cmd_settings)
    s = sub.add_parser("worker", parents=[common], help="run import and export jobs (foreground)")
    s.add_argument("--once", action="store_true", help="run the queued jobs, then exit")
    s.add_argument("--poll", type=float, default=1.0, help="seconds between queue polls")
    s.set_defaults(func=cmd_worker)

    s = sub.add_parser("maintenance", parents=[common], help="the nightly maintenance, once")
    s.set_defaults(func=cmd_maintenance)

    s = sub.add_parser(
        "scheduler", parents=[common], help="run maintenance at every local midnight (foreground)"
    )
    s.set_defaults(func=cmd_scheduler)

    s = sub.add_parser(
        "load-cdrs", parents=[common], help="load call detail records from JSON lines"
    )
    s.add_argument("--app", required=True)
    s.add_argument("file", help="a file of JSON lines, or - for standard input")
    s.set_defaults(func=cmd_load_cdrs)

    s = sub.add_parser(
        "ha-status", parents=[common], help="roles, replication and the HA address of the pair"
    )
    s.add_argument("--json", action="store_true", help="print JSON (as GET /ha-status)")
    s.set_defaults(func=cmd_ha_status)

    s = sub.add_parser(
        "ha-agent", parents=[common], help="watch the pair and decide promotion (foreground)"
    )
    s.set_defaults(func=cmd_ha_agent)

    s = sub.add_parser(
        "ha-promote", parents=[common], help="promote this standby (refused beside a primary)"
    )
    s.add_argument("--reason", default="promoted by an operator")
    s.add_argument("--expect-lsn", help="first wait until this WAL position is received")
    s.add_argument("--wait", type=float, default=30.0, help="seconds to wait for WAL/promotion")
    s.set_defaults(func=cmd_ha_promote)

    s = sub.add_parser(
        "ha-demote",
        parents=[common],
        help="switchover, first half: stop this primary once its standby has every commit",
    )
    s.add_argument("--wait", type=float, default=30.0, help="seconds to wait for the standby")
    s.set_defaults(func=cmd_ha_demote)

    s = sub.add_parser(
        "ha-prestart", parents=[common], help="before PostgreSQL starts: standby or primary"
    )
    s.set_defaults(func=cmd_ha_prestart)
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["getpass", "main"]
