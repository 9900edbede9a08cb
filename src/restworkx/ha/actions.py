"""What the HA machinery does to a host: synchronous replication on or off,
promotion, self-fencing, and the start-up rule of PostgreSQL.

Every action re-reads the real state of the databases before it acts, and
promotion holds a lock, so the agent and an operator's command (switchover)
never promote twice or promote beside a writable peer.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import pwd
import subprocess
import time

from .config import HaConfig
from .probe import connect, database, lsn_int

log = logging.getLogger("restworkx.ha")

SYNC_FILE = "90-restworkx-ha-sync.conf"


class HaError(Exception):
    pass


@contextlib.contextmanager
def lock(config: HaConfig, name: str = "promote"):
    os.makedirs(config.run_dir, exist_ok=True)
    fd = os.open(os.path.join(config.run_dir, f"{name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def sql(config: HaConfig, statement: str, args=()):
    conn = connect(config, "127.0.0.1")
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(statement, args)
            return cur.fetchall() if cur.description else None
    finally:
        conn.close()


def sync_file(config: HaConfig) -> str:
    return os.path.join(config.pg_conf_dir, "conf.d", SYNC_FILE)


def sync_names(standby: str | None) -> str:
    """synchronous_standby_names for commits that wait for ``standby`` (or nobody)."""
    return f'"{standby}"' if standby else ""


def set_sync(config: HaConfig, standby: str | None) -> bool:
    """Make commits wait for ``standby`` (or for nobody), in this host's own
    conf.d file (never copied by pg_basebackup or pg_rewind); True if changed."""
    value = sync_names(standby)
    text = (
        "# Written by restworkx ha-agent: commits wait for this standby.\n"
        f"synchronous_standby_names = '{value}'\n"
    )
    path = sync_file(config)
    try:
        with open(path) as fh:
            if fh.read() == text:
                return False
    except FileNotFoundError:
        pass
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        fh.write(text)
    _chown_postgres(tmp)
    os.replace(tmp, path)
    sql(config, "SELECT pg_reload_conf()")
    return True


def write_state(config: HaConfig, name: str, values: dict) -> None:
    os.makedirs(config.state_dir, exist_ok=True)
    path = os.path.join(config.state_dir, name)
    with open(path + ".tmp", "w") as fh:
        json.dump(values, fh, default=str)
    os.replace(path + ".tmp", path)


def read_state(config: HaConfig, name: str) -> dict | None:
    try:
        with open(os.path.join(config.state_dir, name)) as fh:
            return json.load(fh)
    except (FileNotFoundError, ValueError):
        return None


def promote(
    config: HaConfig, reason: str, expect_lsn: str | None = None, wait: float = 30.0
) -> str:
    """Promote the local standby, after checking again, under the lock, that it is
    still a standby and that the peer is not writable. Returns what happened."""
    with lock(config):
        local = database(config, "127.0.0.1")
        if not local.reachable:
            raise HaError(f"the local database does not answer: {local.error}")
        if not local.in_recovery:
            return "already primary"
        peer = database(config, config.peer_address)
        if peer.writable:
            raise HaError(
                f"{config.peer} is writable: promoting here would make two primaries; "
                "use playbooks/switchover.yml"
            )
        if expect_lsn:
            deadline = time.monotonic() + wait
            while lsn_int(database(config, "127.0.0.1").receive_lsn) < lsn_int(expect_lsn):
                if time.monotonic() > deadline:
                    raise HaError(f"the standby did not receive WAL up to {expect_lsn}")
                time.sleep(0.2)
        # The peer is gone: a commit must not wait for it once we are primary.
        set_sync(config, None)
        sql(config, "SELECT pg_promote(true, %s)", (int(wait),))
        ensure_slot(config, config.peer)
        after = database(config, "127.0.0.1")
        write_state(
            config,
            "promoted",
            {"time": time.time(), "reason": reason, "timeline": after.timeline},
        )
        clear_fence(config)
        log.warning(
            "ALARM promoted %s to primary (timeline %s): %s; replication to %s is off until "
            "it rejoins (playbooks/rejoin.yml)",
            config.node,
            after.timeline,
            reason,
            config.peer,
        )
        return "promoted"


def ensure_slot(config: HaConfig, node: str) -> None:
    """The physical slot the peer streams from (slots are not replicated: each
    primary makes its own)."""
    slot = config.slot_for(node)
    rows = sql(config, "SELECT 1 FROM pg_replication_slots WHERE slot_name = %s", (slot,))
    if not rows:
        sql(config, "SELECT pg_create_physical_replication_slot(%s, true)", (slot,))


def release_slot(config: HaConfig, node: str) -> None:
    """End the walsender still holding ``node``'s slot (it runs as our role)."""
    sql(
        config,
        "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots "
        "WHERE slot_name = %s AND active_pid IS NOT NULL",
        (config.slot_for(node),),
    )


def fence(config: HaConfig, reason: str) -> None:
    """Stop the local database now and make its next start a standby's: this host
    can no longer prove it is the primary, and its peer may promote."""
    write_state(config, "fenced", {"time": time.time(), "reason": reason})
    with open(config.writable_file, "w") as fh:
        fh.write("1\n")  # keepalived lets the HA address go at once
    standby_signal(config)
    subprocess.run(
        ["pg_ctlcluster", config.pg_version, config.pg_cluster, "stop", "-m", "immediate"],
        check=False,
        capture_output=True,
    )
    log.error("ALARM fenced %s: %s; its database is stopped until it rejoins", config.node, reason)


def clear_fence(config: HaConfig) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(os.path.join(config.state_dir, "fenced"))


def standby_signal(config: HaConfig) -> None:
    path = os.path.join(config.pg_data_dir, "standby.signal")
    if not os.path.exists(path):
        with open(path, "w"):
            pass
        _chown_postgres(path)


def controldata(config: HaConfig, field: str) -> str | None:
    """One line of pg_controldata (it reads the data directory: no server needed)."""
    res = subprocess.run(
        [f"{config.pg_bin}/pg_controldata", config.pg_data_dir],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "LC_ALL": "C"},
    )
    for line in res.stdout.splitlines():
        if line.startswith(f"{field}:"):
            return line.split(":", 1)[1].strip()
    return None


def system_identifier(config: HaConfig) -> str | None:
    return controldata(config, "Database system identifier")


def prestart(config: HaConfig) -> str:
    """Run before PostgreSQL starts on an HA host: a database that comes back
    while its peer (of the same cluster) is writable starts as a standby, and
    so does a fenced one. Only the agent ever turns a standby into a primary."""
    signal = os.path.join(config.pg_data_dir, "standby.signal")
    if os.path.exists(signal):
        return "standby"
    if read_state(config, "fenced"):
        standby_signal(config)
        return "standby (fenced)"
    peer = database(config, config.peer_address)
    if peer.writable and peer.system_identifier == system_identifier(config):
        standby_signal(config)
        log.warning(
            "%s starts as a standby: %s is the primary (rejoin with playbooks/rejoin.yml "
            "if it cannot follow)",
            config.node,
            config.peer,
        )
        return "standby"
    return "primary"


def _chown_postgres(path: str) -> None:
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(path, pw.pw_uid, pw.pw_gid)


def demote(config: HaConfig, wait: float = 30.0) -> str:
    """The first half of a planned switchover: stop the local primary cleanly once
    its standby has every commit, so that it comes back as a standby. Returns the
    shutdown checkpoint's LSN, which the standby must have before it promotes."""
    with lock(config):
        local = database(config, "127.0.0.1")
        if not local.writable:
            raise HaError(f"{config.node} is not the primary ({local.role})")
        deadline = time.monotonic() + wait
        while True:
            peer = database(config, config.peer_address)
            local = database(config, "127.0.0.1")
            replica = next((r for r in local.replicas if r["name"] == config.peer), None)
            caught_up = replica and replica["state"] == "streaming"
            caught_up = caught_up and not replica["flush_lag_bytes"]
            if peer.reachable and peer.in_recovery and caught_up:
                break
            if time.monotonic() > deadline:
                raise HaError(f"{config.peer} is not streaming with no lag: no switchover")
            time.sleep(0.2)
        write_state(config, "demoted", {"time": time.time()})
        standby_signal(config)
        # A clean shutdown sends every WAL record, the shutdown checkpoint
        # included, to the connected standby before it ends.
        res = subprocess.run(
            ["pg_ctlcluster", config.pg_version, config.pg_cluster, "stop", "-m", "fast"],
            capture_output=True,
            text=True,
            check=False,
        )
        if res.returncode != 0:
            raise HaError(f"could not stop the database: {res.stderr.strip()}")
        log.warning("%s demoted for a switchover to %s", config.node, config.peer)
        return checkpoint_lsn(config)


def checkpoint_lsn(config: HaConfig) -> str:
    lsn = controldata(config, "Latest checkpoint location")
    if not lsn:
        raise HaError("pg_controldata shows no checkpoint location")
    return lsn
