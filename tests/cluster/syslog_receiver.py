"""A syslog receiver for the tests: TCP and UDP on one port, one line per message.

usage: syslog_receiver.py OUTFILE PIDFILE [PORT]
"""

import os
import socket
import socketserver
import sys
import threading

out_path, pid_path = sys.argv[1], sys.argv[2]
port = int(sys.argv[3]) if len(sys.argv) > 3 else 514
lock = threading.Lock()


def record(proto, data):
    text = data.decode("utf-8", "replace").strip()
    if not text:
        return
    with lock, open(out_path, "a") as out:
        for line in text.splitlines():
            out.write(f"{proto} {line}\n")


class TCPHandler(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            record("tcp", line)


class UDPHandler(socketserver.BaseRequestHandler):
    def handle(self):
        record("udp", self.request[0])


class TCPServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    address_family = socket.AF_INET


tcp = TCPServer(("0.0.0.0", port), TCPHandler)  # noqa: S104 - a test host's private network
udp = socketserver.UDPServer(("0.0.0.0", port), UDPHandler)  # noqa: S104
threading.Thread(target=udp.serve_forever, daemon=True).start()
with open(pid_path, "w") as f:
    f.write(f"{os.getpid()}\n")
tcp.serve_forever()
