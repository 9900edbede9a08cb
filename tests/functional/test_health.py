"""GET /healthz (with ?writable=1, keepalived's view) and GET /ha-status on a
host that is not in an HA pair."""

import os


def test_healthz_answers_with_the_database(testapp):
    res = testapp.get("/healthz")
    assert res.json["status"] == "ok" and res.json["database"] == "ok"
    if os.environ.get("RESTWORKX_TEST_DB") == "postgresql":
        assert res.json["role"] == "primary"


def test_healthz_writable_passes_on_a_writable_database(testapp):
    res = testapp.get("/healthz?writable=1")
    assert res.status_code == 200


def test_ha_status_of_a_host_outside_a_pair_says_so(testapp):
    res = testapp.get("/ha-status")
    assert res.json == {
        "enabled": False,
        "message": "this host is not configured for HA (no restworkx.ha.node)",
    }


def test_ha_status_takes_no_other_method(testapp):
    res = testapp.post("/ha-status", status="*")
    assert res.status_code == 405
    assert res.headers["Allow"] == "GET, HEAD"
