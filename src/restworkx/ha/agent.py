"""``restworkx ha-agent``: the one component that decides a promotion.

It runs on both hosts (under supervisor) and looks at both databases every
``interval`` seconds.

On the primary it keeps replication synchronous while the standby streams;
when the standby is gone, or a commit has waited ``sync_timeout`` seconds for
it, replication turns asynchronous (an ALARM in syslog) and turns synchronous
again once the standby streams and has caught up (CATCH_UP_BYTES). A primary
that has heard from neither its peer nor a witness for ``isolation_timeout``
seconds (counted from the last answer) fences itself (stops its database): it
may be the one cut off, and its peer may promote.

On the standby it promotes the local database when the primary has been
unreachable for ``failover_timeout`` seconds, but only if it was the
synchronous standby when last seen (so it has every acknowledged commit) and
a witness answers (so it is not the one cut off). The promotion itself
re-checks both databases under a lock (actions.promote).

It never demotes a running primary except by fencing, and a database that
comes back beside a writable peer starts as a standby (actions.prestart), so
an old primary never returns as a primary by itself.
"""

from __future__ import annotations

import logging
import signal
import time

from .actions import HaError, ensure_slot, fence, promote, release_slot, set_sync, sync_names
from .config import HaConfig
from .probe import database, holds_address, witness_reachable

log = logging.getLogger("restworkx.ha")

# A standby this far behind is caught up enough for synchronous commits.
CATCH_UP_BYTES = 16 * 1024 * 1024


class Agent:
    def __init__(self, config: HaConfig, on_promoted=None):
        self.config = config
        self.on_promoted = on_promoted
        self.eligible = False
        self.peer_lost_since: float | None = None
        self.peer_seen: float | None = None  # when a look that the peer answered began
        self.witness_heard: float | None = None
        self.unsynced_since: float | None = None
        self.standbys_since: float | None = None
        self.local_down_since: float | None = None
        self.slot_kept = False  # the peer's slot is known to exist on this primary
        self.said: set[str] = set()
        self.stopping = False

    def once(self, key: str, level: int, message: str, *args) -> None:
        """Log a condition once until it clears (the agent looks every second)."""
        if key not in self.said:
            self.said.add(key)
            log.log(level, message, *args)

    def clear(self, key: str, message: str | None = None, *args) -> None:
        if key in self.said:
            self.said.discard(key)
            if message:
                log.warning(message, *args)

    def run(self) -> None:
        def stop(*_):
            self.stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        log.info("ha-agent on %s watching %s", self.config.node, self.config.peer)
        while not self.stopping:
            started = time.monotonic()
            try:
                self.tick()
            except Exception:
                log.exception("ha-agent: unexpected error")
            time.sleep(max(0.05, self.config.interval - (time.monotonic() - started)))

    def tick(self) -> None:
        c = self.config
        began = time.monotonic()
        local = database(c, "127.0.0.1")
        peer = database(c, c.peer_address)
        now = time.monotonic()
        if peer.reachable or peer.listening:
            self.peer_seen = began
        signal_writable(c, local.writable)
        if not local.reachable:
            # A look that failed on a busy host (a new connection can take over a
            # second while a standby replays a large import) keeps the clocks, or a
            # standby would never reach failover_timeout. Down for sync_timeout, the
            # primary may have gone on committing without it: then it forgets that
            # it was the synchronous standby.
            self.local_down_since = self.local_down_since or now
            if now - self.local_down_since >= c.sync_timeout:
                self.peer_lost_since = self.unsynced_since = None
                self.standbys_since = None
                self.eligible = False
            self.once("local-down", logging.WARNING, "local database: %s", local.error)
            return
        self.local_down_since = None
        self.clear("local-down", "the local database answers again")
        same = peer.reachable and peer.system_identifier == local.system_identifier
        if peer.reachable and not same:
            self.once("stranger", logging.ERROR, "ALARM %s holds another database cluster", c.peer)
        if local.writable:
            self.as_primary(local, peer, same, now)
        else:
            self.as_standby(local, peer, same, now)

    # -- primary ---------------------------------------------------------------
    def as_primary(self, local, peer, same, now) -> None:
        c = self.config
        self.eligible = False
        if not (peer.reachable and peer.in_recovery):
            self.slot_kept = False
        self.standbys_since = None
        if peer.writable and same:
            # Never expected: resolve toward the newer timeline, then the HA address.
            mine = (local.timeline or 0, holds_address(c.ip), c.node < c.peer)
            theirs = (peer.timeline or 0, not holds_address(c.ip), c.peer < c.node)
            if mine < theirs:
                fence(c, f"{c.peer} is also writable, on timeline {peer.timeline}")
                return
            self.once("two", logging.ERROR, "ALARM %s is also writable", c.peer)
        if peer.reachable or peer.listening:
            self.peer_lost_since = None
            self.clear("peer-lost", "%s answers again", c.peer)
            if same and peer.in_recovery and not self.slot_kept:
                ensure_slot(c, c.peer)
                self.slot_kept = True
        else:
            if self.peer_lost_since is None:
                # Counted from the last look it answered, not from this failed one: a
                # primary cut off must fence before its standby, whose clock starts
                # only when its own look fails, can promote.
                self.peer_lost_since = self.peer_seen or now
                if not peer.listening:
                    # A walsender to a dead host can hold the peer's slot until its
                    # timeout, and then the returning standby cannot attach: let it go.
                    release_slot(c, c.peer)
            self.once("peer-lost", logging.WARNING, "%s does not answer: %s", c.peer, peer.error)
            if witness_reachable(c):
                self.witness_heard = now
            else:
                # Cut off since the last answer from anyone, peer or witness: one lost
                # echo does not fence a primary whose standby is away.
                heard = max(self.peer_lost_since, self.witness_heard or 0.0)
                if now - heard >= c.isolation_timeout:
                    fence(c, f"neither {c.peer} nor a witness answers")
                    return
        replica = next(
            (r for r in local.replicas if r["name"] == c.peer and r["state"] == "streaming"),
            None,
        )
        synchronous = bool(local.synchronous_standby_names)
        if replica and synchronous and local.sync_wait_seconds < c.sync_timeout:
            # It streams and no commit has waited sync_timeout for it: stay synchronous,
            # even while a burst of WAL (an import's batch) puts it more than
            # CATCH_UP_BYTES behind or a busy host is slow to answer the probe.
            self.unsynced_since = None
            self.clear("async")
        elif replica and peer.reachable and (replica["flush_lag_bytes"] or 0) <= CATCH_UP_BYTES:
            self.unsynced_since = None
            if set_sync(c, c.peer):
                log.warning("synchronous replication to %s is on", c.peer)
            self.clear("async")
        elif synchronous:
            self.unsynced_since = self.unsynced_since or now
            waited = max(now - self.unsynced_since, local.sync_wait_seconds)
            if waited >= c.sync_timeout:
                set_sync(c, None)
                self.said.add("async")
                log.error(
                    "ALARM %s is not replicating (%s); commits are asynchronous until it is back",
                    c.peer,
                    peer.error or (replica and replica["state"]) or "not streaming",
                )

    # -- standby ---------------------------------------------------------------
    def as_standby(self, local, peer, same, now) -> None:
        c = self.config
        self.unsynced_since = None
        if peer.writable and same:
            self.peer_lost_since = self.standbys_since = None
            self.clear("peer-lost", "%s answers again", c.peer)
            waits_for_me = peer.synchronous_standby_names == sync_names(c.node)
            self.eligible = local.streaming and waits_for_me
            if not local.streaming:
                self.once(
                    "not-streaming",
                    logging.WARNING,
                    "%s is not streaming from %s (if it stays so, rejoin it: playbooks/rejoin.yml)",
                    c.node,
                    c.peer,
                )
            else:
                self.clear("not-streaming", "%s streams from %s", c.node, c.peer)
            return
        if peer.reachable and not same:
            self.eligible = False
            return
        if not peer.reachable and peer.listening:
            # Its port answers but its database does not (busy, starting,
            # stopping): not a dead primary, so no promotion clock.
            self.peer_lost_since = None
            self.once("peer-busy", logging.WARNING, "%s does not answer: %s", c.peer, peer.error)
            return
        self.clear("peer-busy")
        if peer.reachable:  # both standbys of one cluster: the one furthest ahead promotes
            self.peer_lost_since = None
            ahead = (local.timeline or 0, local.position, c.node < c.peer) > (
                peer.timeline or 0,
                peer.position,
                c.peer < c.node,
            )
            if not ahead:
                self.standbys_since = None
                return
            self.standbys_since = self.standbys_since or now
            if now - self.standbys_since >= c.failover_timeout:
                self.try_promote(f"both hosts are standbys and {c.node} has the latest WAL")
            return
        self.standbys_since = None
        if self.peer_lost_since is None:
            self.peer_lost_since = now
            log.warning("primary %s does not answer: %s", c.peer, peer.error)
        if not self.eligible:
            self.once(
                "ineligible",
                logging.ERROR,
                "ALARM %s is unreachable but %s was not its synchronous standby: not promoting "
                "(it may lack acknowledged commits; if %s is lost, promote by hand: "
                "restworkx ha-promote)",
                c.peer,
                c.node,
                c.peer,
            )
            return
        if now - self.peer_lost_since < c.failover_timeout:
            return
        if not witness_reachable(c):
            self.once("isolated", logging.ERROR, "ALARM no witness answers: not promoting")
            return
        self.try_promote(f"{c.peer} unreachable for {now - self.peer_lost_since:.1f} s")

    def try_promote(self, reason: str) -> None:
        try:
            outcome = promote(self.config, reason)
        except HaError as exc:
            self.once("refused", logging.ERROR, "ALARM promotion refused: %s", exc)
            return
        self.eligible = False
        self.peer_lost_since = self.standbys_since = None
        if outcome == "promoted":
            signal_writable(self.config, True)
        if outcome == "promoted" and self.on_promoted:
            try:
                self.on_promoted()
            except Exception:
                log.exception("after promotion")


def signal_writable(config: HaConfig, writable: bool) -> None:
    """keepalived's tracked file: 0 while the local database is writable, 1 when
    not (keepalived reads it on change, so the HA address follows a promotion
    at once rather than at its next scripted check)."""
    path = config.writable_file
    value = "0\n" if writable else "1\n"
    try:
        with open(path) as fh:
            if fh.read() == value:
                return
    except FileNotFoundError:
        pass
    with open(path, "w") as fh:
        fh.write(value)
