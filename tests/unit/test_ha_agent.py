"""The HA agent's clocks, on a scripted clock and scripted looks at the two
databases: when a primary cut off fences itself, against when its standby
could promote. (The agent on a real pair: tests/cluster/test_pair_failover.py.)"""

import dataclasses

import pytest

from restworkx.ha import agent as agent_module
from restworkx.ha import config as ha_config
from restworkx.ha.probe import DatabaseState

from .test_ha import SETTINGS

PROBE = 0.8  # what a look at a silent peer takes (probe.database's TCP connect)

PRIMARY = {"in_recovery": False, "system_identifier": "7", "timeline": 1}
STANDBY = {"in_recovery": True, "system_identifier": "7", "timeline": 1}
STREAMING = [{"name": "niu2", "state": "streaming", "flush_lag_bytes": 0}]


class World:
    """The clock, and what the agent sees when it looks."""

    def __init__(self, monkeypatch, tmp_path):
        self.now = 0.0
        self.peer_up = True
        self.witness_up = True
        self.fenced_at: float | None = None
        self.witness_looks = 0
        monkeypatch.setattr(agent_module.time, "monotonic", lambda: self.now)
        monkeypatch.setattr(agent_module, "database", self.database)
        monkeypatch.setattr(agent_module, "witness_reachable", self.witness)
        monkeypatch.setattr(agent_module, "fence", self.fence)
        for name in ("ensure_slot", "release_slot"):
            monkeypatch.setattr(agent_module, name, lambda *a: None)
        monkeypatch.setattr(agent_module, "set_sync", lambda *a: False)
        self.config = dataclasses.replace(
            ha_config.load(SETTINGS), writable_file=str(tmp_path / "writable")
        )
        self.agent = agent_module.Agent(self.config)

    def database(self, config, host):
        if host == "127.0.0.1":
            return DatabaseState(
                True, synchronous_standby_names="niu2", replicas=list(STREAMING), **PRIMARY
            )
        if self.peer_up:
            return DatabaseState(True, **STANDBY)
        self.now += PROBE
        return DatabaseState(False, error="timed out", listening=False)

    def witness(self, config):
        self.witness_looks += 1
        self.now += 0.0 if self.witness_up else ha_config.WITNESS_LOOK
        return self.witness_up

    def fence(self, config, reason):
        self.fenced_at = self.now

    def run_until(self, end: float):
        while self.now < end and self.fenced_at is None:
            self.agent.tick()
            self.now += self.config.interval


@pytest.fixture
def world(monkeypatch, tmp_path):
    return World(monkeypatch, tmp_path)


def test_a_primary_cut_off_fences_before_its_standby_may_promote(world):
    world.run_until(2.0)
    cut = world.now
    world.peer_up = world.witness_up = False
    world.run_until(cut + 30)
    # The standby's clock starts when its own look at the primary fails (a probe
    # after the cut), and it promotes failover_timeout later at the earliest.
    earliest_promotion = cut + PROBE + world.config.failover_timeout
    assert world.fenced_at is not None
    assert world.fenced_at < earliest_promotion - 1.0, (cut, world.fenced_at)


def test_a_primary_alone_goes_on_while_a_witness_answers(world):
    world.peer_up = False  # the standby is away (maintenance, a dead host)
    world.run_until(30.0)
    assert world.fenced_at is None
    world.witness_up = False
    silent = world.now
    world.run_until(silent + 30)
    # From the last answer: isolation_timeout, then at most one more look (the
    # peer's probe and the witness's echoes) before it fences.
    look = world.config.interval + PROBE + ha_config.WITNESS_LOOK
    assert world.fenced_at is not None
    assert world.fenced_at <= silent + world.config.isolation_timeout + look
