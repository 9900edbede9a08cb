"""`restworkx serve`: the production WSGI server in front of the app, over real HTTP."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from restworkx.cli import MIGRATE_REQ
from restworkx.records import totals

from .procnet import ESTABLISHED, listening, listening_workers, sockets_of

HERE = Path(__file__).resolve().parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def serve_ini(app_settings, engine, tmp_path):
    ini = tmp_path / "serve.ini"
    lines = ["[app:main]", "use = egg:restworkx"] + [f"{k} = {v}" for k, v in app_settings.items()]
    ini.write_text("\n".join(lines) + "\n")
    return ini


def _serve(ini, port, workers, env=None):
    exe = os.path.join(os.path.dirname(sys.executable), "restworkx")
    return subprocess.Popen(
        [exe, "-c", str(ini), "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )


def _wait_served(proc, port):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if proc.poll() is not None:
                pytest.fail(proc.stderr.read().decode())
            time.sleep(0.2)
    pytest.fail(f"nothing listens on {port} after 30 s")


@pytest.fixture
def server(serve_ini):
    port = _free_port()
    proc = _serve(serve_ini, port, 1)
    _wait_served(proc, port)
    yield port
    proc.terminate()
    proc.wait(timeout=20)


def _request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    return resp.status, dict(resp.getheaders()), resp.read()


def test_health_over_http(server):
    status, _h, body = _request(server, "GET", "/healthz")
    doc = json.loads(body)
    assert status == 200 and doc["status"] == "ok" and doc["database"] == "ok", doc


def test_an_unknown_method_reaches_the_app_as_a_405(server):
    status, headers, body = _request(server, "GE", "/ecf/api/service_provider/service_test45")
    assert status == 405
    assert headers["Allow"] == "GET, POST, PUT, DELETE"
    assert body == b""


def test_incorrect_log_in_over_http(server):
    status, _h, body = _request(
        server, "POST", "/ecf/api/authenticate", body=b'{"username":"ecf_administrator"}'
    )
    assert status == 200
    assert json.loads(body)["meta"]["code"] == 401


@contextlib.contextmanager
def _two_workers(serve_ini):
    """A serve of 2 workers: (its port, its workers' pids, a dict that holds its
    stderr once it has stopped)."""
    port = _free_port()
    proc = _serve(serve_ini, port, 2)
    stopped: dict = {}
    try:
        _wait_served(proc, port)
        workers = listening_workers(proc.pid, port, 2)
        assert len(workers) == 2, workers
        yield port, workers, stopped
    finally:
        proc.terminate()
        stopped["stderr"] = proc.communicate(timeout=20)[1].decode()


def test_workers_listen_apart_and_share_a_burst_of_connections(serve_ini):
    with _two_workers(serve_ini) as (port, workers, stopped):
        # Every worker has a listening socket of its own on the port.
        heard = [listening(w, port) for w in workers]
        assert all(len(mine) == 1 for mine in heard), heard
        assert heard[0] != heard[1]
        # A burst of keep-alive connections: each is served, and the two workers
        # both hold some (all 32 on one worker has odds of 2**-31 when spread).
        conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(32)]
        for c in conns:
            c.connect()
        for c in conns:
            c.request("GET", "/healthz")
        assert all(c.getresponse().status == 200 for c in conns)
        held = [len(sockets_of(w, port, ESTABLISHED)) for w in workers]
        assert sum(held) == 32 and min(held) > 0, held
        for c in conns:
            c.close()
    assert f"Listening at: 127.0.0.1:{port} (each worker on its own socket)" in stopped["stderr"]


def _shared_anonymous_maps(pid: int, size: int) -> set[str]:
    """The inodes of the process's shared anonymous mappings of size bytes."""
    found = set()
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            fields = line.split()
            start, end = (int(x, 16) for x in fields[0].split("-"))
            if fields[1].endswith("s") and end - start == size and "/dev/zero" in line:
                found.add(fields[4])
    return found


def test_workers_share_one_table_of_totals(serve_ini):
    """records.totals: the table is made before gunicorn forks the workers, so each
    maps the same memory."""
    with _two_workers(serve_ini) as (_port, workers, _stopped):
        size = totals.SLOTS * totals.SLOT_SIZE
        mapped = [_shared_anonymous_maps(w, size) for w in workers]
        assert len(mapped[0]) == 1 and mapped[0] == mapped[1], mapped


def test_serve_opens_a_control_socket_only_where_it_is_told(serve_ini, tmp_path):
    # gunicorn's own default is one path per user, which a second server of the
    # user would take over and remove: serve opens none unless configured.
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "XDG_RUNTIME_DIR"}
    env["HOME"] = str(home)
    told = tmp_path / "run" / "gunicorn.ctl"
    told_ini = tmp_path / "told.ini"
    told_ini.write_text(serve_ini.read_text() + f"restworkx.control_socket = {told}\n")
    for ini in (serve_ini, told_ini):
        port = _free_port()
        proc = _serve(ini, port, 1, env)
        try:
            _wait_served(proc, port)
            if ini is told_ini:
                deadline = time.monotonic() + 10
                while not told.exists() and time.monotonic() < deadline:
                    time.sleep(0.1)
                assert told.is_socket()
                assert oct(told.stat().st_mode & 0o777) == oct(0o600)
        finally:
            proc.terminate()
            proc.communicate(timeout=20)
    assert list(home.iterdir()) == []


def test_serve_refuses_a_port_another_server_listens_on(serve_ini):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = _serve(serve_ini, port, 1)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in err.decode()


def test_a_second_serve_on_the_same_port_is_refused(server, serve_ini):
    # The workers of the first share the port by SO_REUSEPORT; a second server of
    # the same user could join them, so serve refuses it before gunicorn starts.
    proc = _serve(serve_ini, server, 1)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1
    assert "is another server running there?" in err.decode()
    status, _h, _b = _request(server, "GET", "/healthz")
    assert status == 200


@pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("unshare") or not os.path.exists(MIGRATE_REQ),
    reason="needs root for a network namespace, and Linux 5.14 or later",
)
@pytest.mark.parametrize("migrate", [True, False], ids=["migrated", "reset"])
def test_the_connections_waiting_on_a_dead_worker(migrate, tmp_path):
    # Each worker has a socket of its own: the connections the kernel queued on a
    # worker that dies are handed to the other only with net.ipv4.tcp_migrate_req
    # (which roles/supervisor sets); without it they are reset, and serve says so
    # when it starts. The sysctl is the namespace's own, not this machine's.
    ini = tmp_path / "serve.ini"
    db = tmp_path / "serve.sqlite"
    ini.write_text(f"[app:main]\nuse = egg:restworkx\nsqlalchemy.url = sqlite:///{db}\n")
    out = subprocess.run(
        [
            "unshare",
            "--net",
            sys.executable,
            str(HERE / "serve_dead_worker.py"),
            "1" if migrate else "0",
            str(ini),
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=True,
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    warned = "net.ipv4.tcp_migrate_req is not 1" in seen["log"]
    if migrate:
        assert (seen["answered"], seen["reset"]) == (32, 0), seen
        assert not warned, seen["log"]
    else:
        # The kernel spread the 32 over both sockets (all on one: odds of 2**-31).
        assert seen["reset"] > 0 and seen["answered"] + seen["reset"] == 32, seen
        assert warned, seen["log"]
