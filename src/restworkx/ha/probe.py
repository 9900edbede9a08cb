"""What a host can learn about itself and its peer: the database's role and
replication state, whether it holds the HA address, whether a witness answers."""

from __future__ import annotations

import contextlib
import decimal
import os
import socket
import struct
import time
from dataclasses import asdict, dataclass, field

import psycopg2

from .config import WITNESS_LOOK, HaConfig

STATE_SQL = """
SELECT pg_is_in_recovery(),
       (SELECT system_identifier::text FROM pg_control_system()),
       CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END,
       pg_last_wal_receive_lsn()::text,
       pg_last_wal_replay_lsn()::text,
       GREATEST((SELECT timeline_id FROM pg_control_checkpoint()),
                (SELECT min_recovery_end_timeline FROM pg_control_recovery()),
                CASE WHEN pg_is_in_recovery() THEN 0
                     ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int
                END,
                (SELECT max(received_tli) FROM pg_stat_wal_receiver)),
       current_setting('synchronous_standby_names'),
       (SELECT coalesce(max(extract(epoch FROM clock_timestamp() - state_change)), 0)
          FROM pg_stat_activity WHERE wait_event = 'SyncRep')
"""
REPLICAS_SQL = """
SELECT application_name, host(client_addr), state, sync_state,
       sent_lsn::text, flush_lsn::text, replay_lsn::text,
       pg_wal_lsn_diff(pg_current_wal_lsn(), flush_lsn)::bigint,
       extract(epoch FROM replay_lag)
  FROM pg_stat_replication ORDER BY application_name
"""
REPLICA_KEYS = [
    "name",
    "address",
    "state",
    "sync_state",
    "sent_lsn",
    "flush_lsn",
    "replay_lsn",
    "flush_lag_bytes",
    "replay_lag_seconds",
]
RECEIVER_SQL = """
SELECT status, sender_host, received_tli, flushed_lsn::text, latest_end_lsn::text,
       extract(epoch FROM clock_timestamp() - last_msg_receipt_time)
  FROM pg_stat_wal_receiver
"""


@dataclass
class DatabaseState:
    reachable: bool
    error: str | None = None
    # The port accepts connections: a database that answers slowly or refuses
    # the login is still there (no failover for that), a silent port is not.
    listening: bool = True
    in_recovery: bool | None = None
    system_identifier: str | None = None
    current_lsn: str | None = None
    receive_lsn: str | None = None
    replay_lsn: str | None = None
    timeline: int | None = None
    synchronous_standby_names: str | None = None
    sync_wait_seconds: float = 0.0
    replicas: list[dict] = field(default_factory=list)
    receiver: dict | None = None

    @property
    def writable(self) -> bool:
        return self.reachable and self.in_recovery is False

    @property
    def role(self) -> str:
        if not self.reachable:
            return "unreachable" if not self.listening else "not answering"
        return "standby" if self.in_recovery else "primary"

    @property
    def streaming(self) -> bool:
        return bool(self.receiver) and self.receiver.get("status") == "streaming"

    @property
    def position(self) -> int:
        """The furthest WAL position this database has (written or received)."""
        return max(lsn_int(self.current_lsn), lsn_int(self.receive_lsn), lsn_int(self.replay_lsn))

    def as_dict(self) -> dict:
        d = asdict(self)
        d["role"] = self.role
        return d


def lsn_int(lsn: str | None) -> int:
    if not lsn:
        return 0
    hi, _, lo = lsn.partition("/")
    return (int(hi, 16) << 32) + int(lo, 16)


def connect(config: HaConfig, host: str, **kw):
    return psycopg2.connect(config.dsn(host), password=config.password, **kw)


def database(config: HaConfig, host: str) -> DatabaseState:
    """One look at a database (a fresh connection each time: a dead host must not
    leave us waiting on a half-open socket)."""
    if host != "127.0.0.1":
        # libpq waits at least 2 s on a dead address; a bare TCP connect tells sooner.
        try:
            socket.create_connection((host, config.port), timeout=0.8).close()
        except OSError as exc:
            return DatabaseState(
                False, error=f"{host}:{config.port}: {exc.strerror or exc}", listening=False
            )
    try:
        conn = connect(config, host)
    except psycopg2.Error as exc:
        return DatabaseState(False, error=first_line(exc))
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SET statement_timeout = 2000")
            cur.execute(STATE_SQL)
            row = cur.fetchone()
            state = DatabaseState(
                True,
                in_recovery=row[0],
                system_identifier=row[1],
                current_lsn=row[2],
                receive_lsn=row[3],
                replay_lsn=row[4],
                timeline=row[5],
                synchronous_standby_names=row[6],
                sync_wait_seconds=float(row[7] or 0),
            )
            if not state.in_recovery:
                cur.execute(REPLICAS_SQL)
                keys = REPLICA_KEYS
                state.replicas = [
                    dict(zip(keys, map(plain, r), strict=True)) for r in cur.fetchall()
                ]
            else:
                cur.execute(RECEIVER_SQL)
                r = cur.fetchone()
                if r:
                    keys = "status sender timeline flushed_lsn latest_end_lsn silence_seconds"
                    state.receiver = dict(zip(keys.split(), map(plain, r), strict=True))
            return state
    except psycopg2.Error as exc:
        return DatabaseState(False, error=first_line(exc))
    finally:
        conn.close()


def plain(value):
    """JSON-ready: PostgreSQL's numeric (extract(epoch ...)) arrives as Decimal."""
    return float(value) if isinstance(value, decimal.Decimal) else value


def first_line(exc: Exception) -> str:
    text = str(exc).strip() or exc.__class__.__name__
    return text.splitlines()[0]


def holds_address(ip: str) -> bool:
    """True when the HA address is one of this host's addresses (bind succeeds
    only on a local address)."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        try:
            s.bind((ip, 0))
        except OSError:
            return False
    return True


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def echo(addresses: list[str], budget: float = WITNESS_LOOK, sends: int = 3) -> bool:
    """Whether any of `addresses` answers an ICMP echo (needs root, as the agent is).
    An echo goes to each `sends` times, spread over `budget` seconds, so one packet
    lost or one reply read late on a busy host is not taken for silence, and the
    whole look stays well inside the gap between isolation_timeout and
    failover_timeout (a primary cut off must fence before its peer promotes)."""
    ident = os.getpid() & 0xFFFF
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    except PermissionError:
        return any(_tcp_reachable(a, budget / len(addresses)) for a in addresses)
    payload = b"restworkx-ha"
    with contextlib.closing(s):
        started = time.monotonic()
        deadline = started + budget
        for seq in range(1, sends + 1):
            header = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
            packet = struct.pack("!BBHHH", 8, 0, _checksum(header + payload), ident, seq)
            for address in addresses:
                with contextlib.suppress(OSError):  # no route now: try the next send
                    s.sendto(packet + payload, (address, 0))
            # Wait for a reply until the next send is due (or the budget ends).
            until = min(deadline, started + budget * seq / sends)
            while (left := until - time.monotonic()) > 0:
                s.settimeout(left)
                try:
                    data, (src, _) = s.recvfrom(1024)
                except TimeoutError:
                    break
                except OSError:
                    return False
                ihl = (data[0] & 0x0F) * 4
                kind, _, _, rid, _ = struct.unpack("!BBHHH", data[ihl : ihl + 8])
                if src in addresses and kind == 0 and rid == ident:
                    return True
    return False


def _tcp_reachable(address: str, timeout: float) -> bool:
    """Without raw sockets: any answer (even a refusal) shows the path is up."""
    try:
        socket.create_connection((address, 7), timeout=timeout).close()
    except ConnectionRefusedError:
        return True
    except OSError:
        return False
    return True


def witness_reachable(config: HaConfig) -> bool:
    """Whether any witness answers (no witness configured: always). A witness proves
    that a host that lost its peer is not itself the one cut off."""
    return echo(list(config.witnesses)) if config.witnesses else True
