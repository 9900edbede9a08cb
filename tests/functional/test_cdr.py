"""Call detail records: load-cdrs, the cdr alias, time ranges, export jobs."""

from __future__ import annotations

import json

from restworkx import cli

from .conftest import ok
from .jobs_helpers import read_csv, run_worker
from .test_jobs import _write_ini, post_job


def _cdr(i, sp="sp1", sub="alice"):
    return {
        "original_called_number": f"555000{i}",
        "called_number": "5551234",
        "calling_number": "5559876",
        "start_time": f"2022-04-0{i}T10:00:00Z",
        "end_time": f"2022-04-0{i}T10:05:00",
        "route": {"number": "5551234"},
        "service_provider_name": sp,
        "subscriber_name": sub,
        "cdrs": [{"event": "answer"}],
    }


def _load(tmp_path, app_settings, lines):
    path = tmp_path / "cdrs.jsonl"
    path.write_text("\n".join(lines) + "\n")
    ini = _write_ini(tmp_path / "cli.ini", app_settings)
    return cli.main(["-c", ini, "load-cdrs", "--app", "ecf", str(path)])


def test_load_cdrs_time_ranges_alias_and_scope(
    owner, make_admin, api, app_settings, tmp_path, capsys
):
    lines = [json.dumps(_cdr(i)) for i in range(1, 6)]
    lines.append(json.dumps(_cdr(6, sp="sp2", sub="bob")))
    lines += ["{not json", json.dumps({"start_time": "yesterday"}), json.dumps({"x": 1})]
    assert _load(tmp_path, app_settings, lines) == 1
    captured = capsys.readouterr()
    assert "6 call detail records loaded, 3 lines refused" in captured.out
    assert ":7: not a JSON object" in captured.err
    assert "Field 'start_time' must be an ISO 8601" in captured.err
    assert "unknown field(s) x" in captured.err

    doc = ok(owner.get("cdr?search=start_time:2022-04-02T00:00:00:2022-04-04T23:00:00"))
    assert doc["meta"]["records_total"] == 3
    assert [r["attributes"]["start_time"] for r in doc["data"]] == [
        "2022-04-04 10:00:00",
        "2022-04-03 10:00:00",
        "2022-04-02 10:00:00",
    ]
    assert doc["data"][0]["scope"] == "ecf_cdr"
    assert doc["data"][0]["attributes"]["route"] == {"number": "5551234"}
    same = ok(owner.get("ecf_cdr?search=start_time:2022-04-02T00:00:00:2022-04-04T23:00:00"))
    assert same["data"] == doc["data"]
    asc = ok(owner.get("cdr?sort=start_time:asc&limit=2"))
    assert [r["attributes"]["original_called_number"] for r in asc["data"]] == [
        "5550001",
        "5550002",
    ]
    ok(owner.post("service_provider", {"name": "sp2"}))
    make_admin("sp2_admin", "service_provider:sp2")
    sp2 = api.as_("sp2_admin")
    mine = ok(sp2.get("cdr"))
    assert mine["meta"]["records_total"] == 1
    assert ok(sp2.get("cdr/sp1"))["meta"]["records_total"] == 0
    assert ok(owner.get("cdr/sp1/alice/5550003"))["meta"]["records_total"] == 1


def test_cdr_export_job_has_the_seed_columns(owner, app_settings, engine, tmp_path):
    assert _load(tmp_path, app_settings, [json.dumps(_cdr(i)) for i in (1, 2, 3)]) == 0
    doc = ok(
        post_job(
            owner,
            "platform_owner",
            {
                "job_type": "export",
                "object": "cdr",
                "search": "start_time:2022-04-01T12:00:00:2022-04-30T00:00:00",
                "sort": "start_time:asc",
            },
        )
    )
    attrs = doc["data"][0]["attributes"]
    assert attrs["object"] == "ecf_cdr"
    assert attrs["kwargs"] == {
        "search": "start_time:2022-04-01T12:00:00:2022-04-30T00:00:00",
        "sort": "start_time:asc",
    }
    run_worker(app_settings, engine)
    rows = read_csv(attrs["out_file"])
    assert rows[0] == [
        "called_number",
        "subscriber_name",
        "cdrs",
        "start_time",
        "calling_number",
        "end_time",
        "original_called_number",
        "route",
        "service_provider_name",
    ]
    # JSON cells are JSON text (the database's spacing); compare them as JSON.
    for row in rows[1:]:
        row[2], row[7] = json.loads(row[2]), json.loads(row[7])
    assert rows[1:] == [
        [
            "5551234",
            "alice",
            [{"event": "answer"}],
            f"2022-04-0{i} 10:00:00",
            "5559876",
            f"2022-04-0{i} 10:05:00",
            f"555000{i}",
            {"number": "5551234"},
            "sp1",
        ]
        for i in (2, 3)
    ]
