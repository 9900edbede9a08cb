"""`restworkx serve`: the production WSGI server in front of the app, over real HTTP."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time

import pytest


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


def _serve(ini, port, workers):
    exe = os.path.join(os.path.dirname(sys.executable), "restworkx")
    return subprocess.Popen(
        [exe, "-c", str(ini), "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
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


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(c) for c in f.read().split()]


def _tcp_sockets(port: int) -> dict[int, str]:
    """inode -> state ("0A" listening, "01" established) of the sockets on port."""
    out = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port:
                    out[int(fields[9])] = fields[3]
    return out


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def test_workers_listen_apart_and_share_a_burst_of_connections(serve_ini):
    port = _free_port()
    proc = _serve(serve_ini, port, 2)
    try:
        _wait_served(proc, port)
        deadline = time.monotonic() + 30
        while len(workers := _children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(workers) == 2, workers
        # Every worker has a listening socket of its own on the port. A worker
        # binds it after its fork, so the second may still be on its way.
        while True:
            sockets = _tcp_sockets(port)
            listening = [{i for i in _socket_inodes(w) if sockets.get(i) == "0A"} for w in workers]
            if all(listening) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert all(len(mine) == 1 for mine in listening), listening
        assert listening[0] != listening[1]
        # A burst of keep-alive connections: each is served, and the two workers
        # both hold some (all 32 on one worker has odds of 2**-31 when spread).
        conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(32)]
        for c in conns:
            c.connect()
        for c in conns:
            c.request("GET", "/healthz")
        assert all(c.getresponse().status == 200 for c in conns)
        sockets = _tcp_sockets(port)
        held = [sum(1 for i in _socket_inodes(w) if sockets.get(i) == "01") for w in workers]
        assert sum(held) == 32 and min(held) > 0, held
        for c in conns:
            c.close()
    finally:
        proc.terminate()
        _out, err = proc.communicate(timeout=20)
    assert f"Listening at: 127.0.0.1:{port} (each worker on its own socket)" in err.decode()


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
