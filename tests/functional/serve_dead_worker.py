"""Run by test_serve.py in a network namespace of its own (unshare --net), as root:
net.ipv4.tcp_migrate_req set as argv[1], `restworkx -c argv[2] serve` with 2 workers,
one worker stopped while 32 connections each send a request, then killed. Prints, as
JSON, how many connections got an answer and how many were reset, and serve's log."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time

from procnet import listening, listening_workers  # beside this script

PORT = 7000


def main() -> None:
    migrate, ini = sys.argv[1], sys.argv[2]
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    with open("/proc/sys/net/ipv4/tcp_migrate_req", "w") as f:
        f.write(migrate)
    exe = os.path.join(os.path.dirname(sys.executable), "restworkx")
    bind = f"127.0.0.1:{PORT}"
    serve = subprocess.Popen(
        [exe, "-c", ini, "serve", "--bind", bind, "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        workers = listening_workers(serve.pid, PORT, 2)
        if len(workers) != 2 or not all(listening(w, PORT) for w in workers):
            raise SystemExit(f"serve's workers did not listen within 30 s: {workers}")
        # The stopped worker accepts nothing: the kernel queues the connections
        # it spreads to that worker's socket.
        os.kill(workers[0], signal.SIGSTOP)
        conns = [http.client.HTTPConnection("127.0.0.1", PORT, timeout=10) for _ in range(32)]
        for c in conns:
            c.connect()
            c.request("GET", "/healthz")
        time.sleep(0.5)
        os.kill(workers[0], signal.SIGKILL)
        answered = reset = 0
        for c in conns:
            try:
                c.getresponse().read()
                answered += 1
            except (ConnectionError, http.client.HTTPException):
                reset += 1
    finally:
        serve.terminate()
        _out, err = serve.communicate(timeout=20)
    print(json.dumps({"answered": answered, "reset": reset, "log": err.decode()}))


if __name__ == "__main__":
    main()
