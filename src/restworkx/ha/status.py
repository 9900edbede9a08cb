"""``restworkx ha-status`` and ``GET /ha-status``: each host's role, replication
state and lag, and who holds the HA address."""

from __future__ import annotations

import json
import os
import socket
import ssl
import urllib.request

from .config import HaConfig
from .probe import database, holds_address, lsn_int

CA_FILE = "/etc/restworkx/ssl/ca.crt"


def local(config: HaConfig) -> dict:
    """What this host says of itself."""
    db = database(config, "127.0.0.1")
    d = {
        "node": config.node,
        "host": socket.gethostname(),
        "role": db.role,
        "writable": db.writable,
        "holds_address": holds_address(config.ip),
        "database": db.as_dict(),
    }
    if db.writable:
        d["synchronous"] = bool(db.synchronous_standby_names)
        d["replicas"] = db.replicas
    elif db.reachable:
        d["streaming"] = db.streaming
    return d


def _fetch(url: str, timeout: float = 1.5) -> dict | None:
    context = ssl.create_default_context(cafile=CA_FILE if os.path.exists(CA_FILE) else None)
    if not os.path.exists(CA_FILE):
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    try:
        with urllib.request.urlopen(url, timeout=timeout, context=context) as res:  # noqa: S310
            return json.loads(res.read())
    except (OSError, ValueError):
        return None


def collect(config: HaConfig) -> dict:
    """Both hosts and the HA address, as seen from this host."""
    me = local(config)
    peer = _fetch(f"https://{config.peer_address}/ha-status?scope=local")
    if peer is None:
        # Its web server is down: the database alone still tells its role.
        db = database(config, config.peer_address)
        peer = {
            "node": config.peer,
            "role": db.role,
            "writable": db.writable,
            "holds_address": None,
            "database": db.as_dict(),
        }
    answering = _fetch(f"https://{config.ip}/ha-status?scope=local")
    holders = [h["node"] for h in (me, peer) if h.get("holds_address")]
    lag = None
    primary = next((h for h in (me, peer) if h.get("writable")), None)
    standby = next((h for h in (me, peer) if h.get("role") == "standby"), None)
    if primary and standby:
        lag = max(
            0,
            lsn_int(primary["database"]["current_lsn"])
            - lsn_int(standby["database"]["replay_lsn"]),
        )
    return {
        "address": config.address,
        "address_holders": holders,
        "address_answered_by": answering.get("node") if answering else None,
        "primary": primary["node"] if primary else None,
        "synchronous": bool(primary and primary.get("synchronous")),
        "replay_lag_bytes": lag,
        "hosts": [me, peer],
    }


def render(status: dict) -> str:
    lines = [
        f"HA address {status['address']}: held by "
        f"{', '.join(status['address_holders']) or 'nobody'}"
        f" (answered by {status['address_answered_by'] or 'nobody'})",
        f"primary: {status['primary'] or 'none'}; replication "
        f"{'synchronous' if status['synchronous'] else 'asynchronous'}"
        + (
            f", standby replay lag {status['replay_lag_bytes']} bytes"
            if status["replay_lag_bytes"] is not None
            else ""
        ),
    ]
    for h in status["hosts"]:
        db = h["database"]
        extra = ""
        if h["role"] == "standby":
            receiver = db.get("receiver") or {}
            extra = f", wal receiver {receiver.get('status', 'stopped')}"
        elif h["role"] == "primary":
            extra = ", replicas: " + (
                ", ".join(
                    f"{r['name']} {r['state']}/{r['sync_state']} lag {r['flush_lag_bytes']} B"
                    for r in db.get("replicas") or []
                )
                or "none"
            )
        elif db.get("error"):
            extra = f" ({db['error']})"
        lines.append(
            f"  {h['node']}: {h['role']}, timeline {db.get('timeline')}"
            f"{', holds the HA address' if h.get('holds_address') else ''}{extra}"
        )
    return "\n".join(lines)
