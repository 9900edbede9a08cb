"""The installer's commands on a real (temporary) SQLite database."""

from __future__ import annotations

import io
import json
import socket

import pytest
from sqlalchemy import create_engine, inspect, text

from restworkx import cli


@pytest.fixture
def ini(tmp_path):
    path = tmp_path / "test.ini"
    path.write_text(
        "[app:main]\n"
        "use = egg:restworkx\n"
        f"sqlalchemy.url = sqlite:///{tmp_path}/db/test.sqlite\n"
        "restworkx.apps = ecf\n"
        f"restworkx.data_root = {tmp_path}/data\n"
        "restworkx.argon2_time_cost = 1\n"
        "restworkx.syslog = off\n"
    )
    return str(path)


def test_initdb_creates_the_schema_and_is_idempotent(ini, tmp_path, capsys):
    assert cli.main(["-c", ini, "initdb"]) == 0
    assert cli.main(["-c", ini, "initdb"]) == 0
    engine = create_engine(f"sqlite:///{tmp_path}/db/test.sqlite")
    tables = set(inspect(engine).get_table_names())
    assert {"ecf_administrator", "ecf_service_provider", "ecf_subscriber", "auth_token"} <= tables
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def test_create_admin_reads_the_password_from_stdin(ini, monkeypatch, capsys):
    cli.main(["-c", ini, "initdb"])
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    argv = ["-c", ini, "create-admin", "--app", "ecf", "--username", "admin", "--password-stdin"]
    assert cli.main(argv) == 0
    assert "created" in capsys.readouterr().out
    # A second run keeps the first password and says so.
    monkeypatch.setattr("sys.stdin", io.StringIO("another password\n"))
    assert cli.main(argv) == 0
    assert "exists" in capsys.readouterr().out


def test_create_admin_generates_a_password_into_the_credentials_file(ini, tmp_path, capsys):
    cli.main(["-c", ini, "initdb"])
    creds = tmp_path / "credentials.txt"
    argv = ["-c", ini, "create-admin", "--app", "ecf", "--username", "admin"]
    assert cli.main([*argv, "--credentials-file", str(creds)]) == 0
    app, username, password = creds.read_text().split()
    assert (app, username) == ("ecf", "admin")
    assert len(password) >= 12
    assert oct(creds.stat().st_mode & 0o777) == "0o600"
    assert password not in capsys.readouterr().out


def test_create_admin_refuses_a_short_password(ini, monkeypatch):
    cli.main(["-c", ini, "initdb"])
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    argv = ["-c", ini, "create-admin", "--app", "ecf", "--username", "admin", "--password-stdin"]
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert "password_length" in str(exc.value)


def test_create_admin_refuses_an_application_not_installed(ini):
    cli.main(["-c", ini, "initdb"])
    with pytest.raises(SystemExit, match="not installed"):
        cli.main(["-c", ini, "create-admin", "--app", "icr", "--username", "admin"])


def test_settings_set_and_get(ini, capsys):
    cli.main(["-c", ini, "initdb"])
    capsys.readouterr()
    assert (
        cli.main(
            ["-c", ini, "settings", "set", "--app", "ecf", "security.ca_bundle", "/etc/ssl/ca.pem"]
        )
        == 0
    )
    capsys.readouterr()
    assert cli.main(["-c", ini, "settings", "get", "--app", "ecf", "security"]) == 0
    assert json.loads(capsys.readouterr().out)["ca_bundle"] == "/etc/ssl/ca.pem"
    with pytest.raises(SystemExit, match=r"ecf_settings\.pin_max"):
        cli.main(["-c", ini, "settings", "set", "--app", "ecf", "ecf_settings.pin_max", "x"])


def test_missing_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit, match="no such configuration file"):
        cli.main(["-c", str(tmp_path / "nope.ini"), "initdb"])


def test_serve_runs_gunicorn_with_its_documented_settings(ini, monkeypatch):
    from gunicorn.app.base import BaseApplication

    served = []
    monkeypatch.setattr(BaseApplication, "run", lambda self: served.append(self.cfg))
    assert cli.main(["-c", ini, "serve", "--bind", "127.0.0.1:0", "--workers", "3"]) == 0
    (cfg,) = served
    assert cfg.worker_class_str == "gthread"
    assert (cfg.workers, cfg.threads, cfg.keepalive) == (3, 4, 30)
    assert cfg.bind == ["127.0.0.1:0"]
    assert cfg.post_worker_init is cli._settle_heap
    assert cfg.when_ready is cli._announce_listeners
    assert cfg.accesslog is None
    assert cfg.reuse_port is False  # port 0: each worker would get a port of its own
    assert cfg.control_socket_disable is True


def test_the_control_socket_is_where_the_settings_put_it(tmp_path):
    path = str(tmp_path / "gunicorn.ctl")
    options = cli.gunicorn_options(
        {"restworkx.control_socket": path}, bind="127.0.0.1:0", workers=1
    )
    assert (options["control_socket"], options["control_socket_disable"]) == (path, False)
    assert cli.gunicorn_options({}, bind="127.0.0.1:0", workers=1)["control_socket_disable"]


@pytest.mark.parametrize(
    ("bind", "apart"),
    [
        ("127.0.0.1:6543", True),
        ("[::1]:6543", True),
        ("127.0.0.1:0", False),
        ("unix:/run/restworkx/api.sock", False),
        ("fd://3", False),
    ],
)
def test_workers_listen_apart_on_a_fixed_tcp_port_only(bind, apart):
    assert cli.gunicorn_options({}, bind=bind, workers=2)["reuse_port"] is apart


def test_port_in_use_names_the_bind_it_cannot_have():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        bind = f"127.0.0.1:{taken.getsockname()[1]}"
        assert cli.port_in_use(bind) == (
            f"cannot listen on {bind}: Address already in use (is another server running there?)"
        )
    assert cli.port_in_use(bind) is None
    assert cli.port_in_use("unix:/run/restworkx/api.sock") is None


def test_a_served_worker_freezes_the_heap_it_loaded():
    import gc

    from restworkx.cli import _settle_heap

    try:
        _settle_heap(None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


@pytest.mark.parametrize(("text", "migrates"), [("1\n", True), ("0\n", False)])
def test_migrates_waiting_connections_reads_the_sysctl(tmp_path, text, migrates):
    sysctl = tmp_path / "tcp_migrate_req"
    sysctl.write_text(text)
    assert cli.migrates_waiting_connections(str(sysctl)) is migrates
    # A kernel older than 5.14 has no such setting: it cannot say.
    assert cli.migrates_waiting_connections(str(tmp_path / "missing")) is None
