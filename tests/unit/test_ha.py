"""The HA settings and the pieces of the HA agent that need no second host
(the agent itself is tested on a real pair: tests/cluster/test_pair_failover.py)."""

import re
from pathlib import Path

import pytest

from restworkx.ha import config as ha_config
from restworkx.ha.probe import DatabaseState, echo, holds_address, lsn_int
from restworkx.ha.status import render

SETTINGS = {
    "restworkx.ha.node": "niu1",
    "restworkx.ha.peer": "niu2",
    "restworkx.ha.peer_address": "192.0.2.12",
    "restworkx.ha.address": "192.0.2.10/24",
    "restworkx.ha.interface": "eth0",
    "restworkx.ha.password": "secret",
    "restworkx.ha.witnesses": "192.0.2.1 192.0.2.2",
}


def test_a_host_without_ha_settings_is_not_in_a_pair():
    with pytest.raises(ha_config.NotConfigured, match="not configured for HA"):
        ha_config.load({})


def test_the_settings_of_a_pair():
    cfg = ha_config.load({**SETTINGS, "restworkx.ha.failover_timeout": "5"})
    assert cfg.ip == "192.0.2.10"
    assert cfg.witnesses == ("192.0.2.1", "192.0.2.2")
    assert cfg.failover_timeout == 5.0 and cfg.isolation_timeout < cfg.failover_timeout
    assert cfg.slot_for("niu2") == "rwx_niu2"
    assert "host=192.0.2.12" in cfg.dsn(cfg.peer_address)
    assert "secret" not in cfg.dsn(cfg.peer_address)  # passed apart, never in a DSN string


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"restworkx.ha.peer": ""}, "restworkx.ha.peer"),
        ({"restworkx.ha.password": ""}, "restworkx.ha.password"),
        ({"restworkx.ha.node": "NIU-1"}, "lowercase"),
        ({"restworkx.ha.isolation_timeout": "3", "restworkx.ha.failover_timeout": "3"}, "below"),
        # Room for the last look and the witness's echoes: 2 + 0.5 + 0.6 >= 3.
        ({"restworkx.ha.isolation_timeout": "2"}, r"by more than interval \+ 0.6 s"),
        ({"restworkx.ha.witnesses": "192.0.2.1 gateway"}, "'gateway' is not an IPv4 address"),
    ],
)
def test_bad_settings_say_what_is_wrong(change, message):
    with pytest.raises(ha_config.NotConfigured, match=message):
        ha_config.load({**SETTINGS, **change})


def test_the_ha_role_refuses_the_timeouts_the_agent_refuses():
    """roles/ha checks the timeouts before it touches a host, with the agent's margin:
    its look every interval (the installed ini leaves the default) and the witness's
    echoes."""
    root = Path(__file__).resolve().parents[2]
    tasks = (root / "roles/ha/tasks/main.yml").read_text()
    (margin,) = re.findall(r"isolation_timeout \| float\) \+ ([0-9.]+)", tasks)
    agent = ha_config.HaConfig.interval + ha_config.WITNESS_LOOK
    assert float(margin) == pytest.approx(agent)
    assert f"by more than\n      {margin} s" in tasks
    assert "restworkx.ha.interval" not in (root / "etc/restworkx.ini.j2").read_text()
    # The agent's own line is where the role draws it.
    at = {**SETTINGS, "restworkx.ha.isolation_timeout": "1.0"}
    with pytest.raises(ha_config.NotConfigured, match="isolation_timeout must be below"):
        ha_config.load({**at, "restworkx.ha.failover_timeout": str(1.0 + agent)})
    assert ha_config.load({**at, "restworkx.ha.failover_timeout": str(1.01 + agent)})


def test_lsn_order():
    assert lsn_int(None) == 0
    assert lsn_int("0/16B3740") == 0x16B3740
    assert lsn_int("1/0") > lsn_int("0/FFFFFFFF")


def test_position_is_the_furthest_wal_a_database_has():
    standby = DatabaseState(True, in_recovery=True, receive_lsn="0/300", replay_lsn="0/200")
    assert standby.position == 0x300 and standby.role == "standby" and not standby.writable
    assert DatabaseState(False, listening=False).role == "unreachable"
    assert DatabaseState(False, listening=True).role == "not answering"


def test_holds_address_tells_a_local_address_from_another():
    assert holds_address("127.0.0.1")
    assert not holds_address("192.0.2.10")  # TEST-NET-1: never configured here


def test_render_names_the_holder_and_the_replication():
    primary = {
        "node": "niu1",
        "role": "primary",
        "writable": True,
        "holds_address": True,
        "database": {
            "timeline": 2,
            "replicas": [
                {"name": "niu2", "state": "streaming", "sync_state": "sync", "flush_lag_bytes": 0}
            ],
        },
    }
    standby = {
        "node": "niu2",
        "role": "standby",
        "holds_address": False,
        "database": {"timeline": 2, "receiver": {"status": "streaming"}},
    }
    text = render(
        {
            "address": "192.0.2.10/24",
            "address_holders": ["niu1"],
            "address_answered_by": "niu1",
            "primary": "niu1",
            "synchronous": True,
            "replay_lag_bytes": 0,
            "hosts": [primary, standby],
        }
    )
    assert "held by niu1 (answered by niu1)" in text
    assert "replication synchronous" in text
    assert "niu2 streaming/sync lag 0 B" in text
    assert "niu2: standby, timeline 2, wal receiver streaming" in text


def test_echo_hears_an_address_that_answers():
    assert echo(["127.0.0.1"])
