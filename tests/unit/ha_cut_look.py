"""Run inside a fresh network namespace (tests/unit/test_ha_look.py): a PostgreSQL
server that completes the start-up of a connection, then, once the first query
arrives, takes the namespace's only link (loopback) down instead of answering, as a
pulled cable would. Prints one JSON line: how long probe.database took, and what
it answered."""

from __future__ import annotations

import json
import socket
import struct
import subprocess
import sys
import threading
import time

from restworkx.ha.config import HaConfig
from restworkx.ha.probe import database

PORT = 5999


def _message(kind: bytes, body: bytes = b"") -> bytes:
    return kind + struct.pack("!I", len(body) + 4) + body


def _read_exact(conn, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def _serve(conn) -> None:
    try:
        while True:  # SSL and GSS requests first, then the start-up message
            (length,) = struct.unpack("!I", _read_exact(conn, 4))
            body = _read_exact(conn, length - 4)
            (code,) = struct.unpack("!I", body[:4])
            if code in (80877103, 80877104):  # SSLRequest, GSSENCRequest: not here
                conn.sendall(b"N")
                continue
            break
        reply = _message(b"R", struct.pack("!I", 0))  # AuthenticationOk
        for key, value in (
            ("server_version", "15.0"),
            ("server_encoding", "UTF8"),
            ("client_encoding", "UTF8"),
            ("DateStyle", "ISO, MDY"),
            ("integer_datetimes", "on"),
            ("standard_conforming_strings", "on"),
        ):
            reply += _message(b"S", key.encode() + b"\0" + value.encode() + b"\0")
        reply += _message(b"K", struct.pack("!II", 1, 2))
        reply += _message(b"Z", b"I")
        conn.sendall(reply)
        kind = _read_exact(conn, 1)
        (length,) = struct.unpack("!I", _read_exact(conn, 4))
        _read_exact(conn, length - 4)
        if kind == b"Q":
            # The query has arrived (and been acknowledged): now the cable goes.
            subprocess.run(["ip", "link", "set", "lo", "down"], check=True)
        time.sleep(60)
    except (EOFError, OSError):
        pass


def main() -> None:
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    listener = socket.create_server(("127.0.0.2", PORT))

    def accept():
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=_serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    config = HaConfig(
        node="niu1",
        peer="niu2",
        peer_address="127.0.0.2",
        address="192.0.2.10/24",
        interface="lo",
        password="secret",
        port=PORT,
    )
    started = time.monotonic()
    state = database(config, "127.0.0.2")
    took = time.monotonic() - started
    print(json.dumps({"seconds": took, "reachable": state.reachable, "error": state.error}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
