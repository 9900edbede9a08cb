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
def server(app_settings, engine, tmp_path):
    port = _free_port()
    ini = tmp_path / "serve.ini"
    lines = ["[app:main]", "use = egg:restworkx"] + [f"{k} = {v}" for k, v in app_settings.items()]
    ini.write_text("\n".join(lines) + "\n")
    exe = os.path.join(os.path.dirname(sys.executable), "restworkx")
    proc = subprocess.Popen(
        [exe, "-c", str(ini), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(proc.stderr.read().decode())
            time.sleep(0.2)
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
