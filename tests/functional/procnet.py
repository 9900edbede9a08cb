"""What /proc says of a server's processes and their TCP sockets (test_serve.py, and
serve_dead_worker.py in a network namespace of its own)."""

from __future__ import annotations

import os
import time

LISTEN, ESTABLISHED = "0A", "01"


def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(c) for c in f.read().split()]


def tcp_sockets(port: int) -> dict[int, str]:
    """inode -> state (LISTEN, ESTABLISHED...) of the TCP sockets on port."""
    out = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port:
                    out[int(fields[9])] = fields[3]
    return out


def socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def sockets_of(pid: int, port: int, state: str) -> set[int]:
    """The inodes of pid's sockets on port in this state (LISTEN, ESTABLISHED...)."""
    sockets = tcp_sockets(port)
    return {i for i in socket_inodes(pid) if sockets.get(i) == state}


def listening(pid: int, port: int) -> set[int]:
    return sockets_of(pid, port, LISTEN)


def listening_workers(pid: int, port: int, count: int, timeout: float = 30) -> list[int]:
    """pid's children once there are count of them and each listens on port (a
    gunicorn worker binds its socket after its fork), or what there is at timeout."""
    deadline = time.monotonic() + timeout
    while True:
        workers = children(pid)
        ready = len(workers) == count and all(listening(w, port) for w in workers)
        if ready or time.monotonic() > deadline:
            return workers
        time.sleep(0.1)
