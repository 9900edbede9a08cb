"""The HA settings of a host, read from the ``restworkx.ha.*`` keys of its ini file."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")

# Seconds one look at the witnesses may take (probe.echo).
WITNESS_LOOK = 0.6
# How long a look at a database waits for the network to acknowledge what it sent.
LOOK_SILENCE_MS = 500


class NotConfigured(Exception):
    pass


@dataclass(frozen=True)
class HaConfig:
    node: str  # this host's name (also its walreceiver's application_name)
    peer: str
    peer_address: str
    address: str  # the HA address, e.g. 192.0.2.10/24
    interface: str
    password: str  # of the restworkx_ha database role
    witnesses: tuple[str, ...] = ()
    user: str = "restworkx_ha"
    port: int = 5432
    pg_version: str = "15"
    pg_cluster: str = "main"
    api: str = "http://127.0.0.1:6543"
    # Seconds the primary must be unreachable before the standby promotes itself.
    failover_timeout: float = 3.0
    # Seconds an isolated primary (no peer, no witness) keeps running before it fences itself.
    isolation_timeout: float = 1.0
    # Seconds a commit may wait for the standby before replication turns asynchronous.
    sync_timeout: float = 5.0
    interval: float = 0.5
    state_dir: str = "/var/lib/restworkx-ha"
    run_dir: str = "/run/restworkx/ha"
    # keepalived's tracked file (under /run: a host starts with none, i.e. not writable).
    writable_file: str = "/run/restworkx-ha-writable"
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def ip(self) -> str:
        return self.address.split("/")[0]

    @property
    def pg_conf_dir(self) -> str:
        return f"/etc/postgresql/{self.pg_version}/{self.pg_cluster}"

    @property
    def pg_data_dir(self) -> str:
        return f"/var/lib/postgresql/{self.pg_version}/{self.pg_cluster}"

    @property
    def pg_bin(self) -> str:
        return f"/usr/lib/postgresql/{self.pg_version}/bin"

    def slot_for(self, node: str) -> str:
        return f"rwx_{node}"

    def dsn(self, host: str, dbname: str = "postgres") -> str:
        # A look must end even when the network goes away in its middle: a query sent,
        # or answered, into a pulled cable otherwise waits on TCP for many minutes,
        # and a primary cut off in the middle of its look at the peer would not fence.
        # Keepalives ask after a second of silence; unacknowledged data (a query, a
        # keepalive) ends the connection after LOOK_SILENCE_MS.
        return (
            f"host={host} port={self.port} user={self.user} dbname={dbname} "
            f"connect_timeout=1 application_name=restworkx-ha "
            f"keepalives=1 keepalives_idle=1 keepalives_interval=1 keepalives_count=1 "
            f"tcp_user_timeout={LOOK_SILENCE_MS}"
        )


def load(settings: dict) -> HaConfig:
    """HaConfig from the app settings; NotConfigured when this host is not in a pair."""
    get = settings.get
    if not get("restworkx.ha.node"):
        raise NotConfigured("this host is not configured for HA (no restworkx.ha.node)")
    missing = [
        k
        for k in ("node", "peer", "peer_address", "address", "interface", "password")
        if not get(f"restworkx.ha.{k}")
    ]
    if missing:
        raise NotConfigured(
            "HA settings missing: " + ", ".join(f"restworkx.ha.{k}" for k in missing)
        )
    for key in ("node", "peer"):
        if not NAME.match(get(f"restworkx.ha.{key}")):
            raise NotConfigured(
                f"restworkx.ha.{key} must be lowercase letters, digits and underscores"
            )
    number = {
        k: float(get(f"restworkx.ha.{k}"))
        for k in ("failover_timeout", "isolation_timeout", "sync_timeout", "interval")
        if get(f"restworkx.ha.{k}")
    }
    isolation = number.get("isolation_timeout", HaConfig.isolation_timeout)
    failover = number.get("failover_timeout", HaConfig.failover_timeout)
    interval = number.get("interval", HaConfig.interval)
    if isolation + interval + WITNESS_LOOK >= failover:
        # An isolated primary must fence itself before its peer may promote: its
        # last look (interval), the witness's echoes and its clock must all fit.
        raise NotConfigured(
            "restworkx.ha.isolation_timeout must be below failover_timeout by more than "
            f"interval + {WITNESS_LOOK} s (now {isolation} + {interval} + {WITNESS_LOOK} "
            f">= {failover})"
        )
    witnesses = tuple((get("restworkx.ha.witnesses") or "").split())
    for w in witnesses:
        try:
            ipaddress.IPv4Address(w)
        except ValueError:
            raise NotConfigured(
                f"restworkx.ha.witnesses: {w!r} is not an IPv4 address (a witness is pinged)"
            ) from None
    text = {
        k: get(f"restworkx.ha.{k}")
        for k in (
            "user",
            "pg_version",
            "pg_cluster",
            "api",
            "state_dir",
            "run_dir",
            "writable_file",
        )
        if get(f"restworkx.ha.{k}")
    }
    return HaConfig(
        node=get("restworkx.ha.node"),
        peer=get("restworkx.ha.peer"),
        peer_address=get("restworkx.ha.peer_address"),
        address=get("restworkx.ha.address"),
        interface=get("restworkx.ha.interface"),
        password=get("restworkx.ha.password"),
        witnesses=witnesses,
        port=int(get("restworkx.ha.port") or 5432),
        **number,
        **text,
    )
