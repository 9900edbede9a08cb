"""The import's compiled row checker accepts only what RecordService.clean
accepts, with the same values, and its COPY lines are the per-cell ones."""

from __future__ import annotations

import json

import pytest

from restworkx.applications import ALL
from restworkx.declarations.roles import parse_role
from restworkx.jobs import rowclean
from restworkx.records.service import RecordService

APP = ALL["ecf"]
SPEC = APP.objects["subscriber"]
SETTINGS = {"ecf_settings": {"pin_min": 4, "pin_max": 4, "speed_call_max": 3}}
SCHEDULE = [{"entries": [{"start": "09:00", "end": "17:00", "day": "MONDAY", "number": "555"}]}]


def row(**cells):
    values = {"service_provider_name": "sp", "name": "s1", "pin": "1234", **cells}
    return [values.get(c, "") for c in SPEC.csv_columns]


def js(value) -> str:
    return json.dumps(value)


ROWS = [
    row(),
    row(service_provider_name=""),
    row(service_provider_name="other"),
    row(name="bad/name"),
    row(pin="12"),
    row(pin="12345"),
    row(pin=""),
    row(timezone="America/New_York"),
    row(timezone="Mars/Olympus"),
    row(account_lock="TRUE", call_manager="False"),
    row(account_lock="yes"),
    row(email="not-an-email"),
    row(email="a@b.example", first_name="x" * 251),
    row(notes="nul\x00here"),
    row(notes="tab\there, back\\slash, line\nbreak \\N \x02"),
    row(default_number="+1555*#"),
    row(default_number="555-1234"),
    row(schedules=js(SCHEDULE)),
    row(schedules=" " + js(SCHEDULE) + " "),
    row(schedules=js([{"entries": [{**SCHEDULE[0]["entries"][0], "day": "monday,friday"}]}])),
    row(schedules=js([{"entries": [{**SCHEDULE[0]["entries"][0], "day": ["tuesday"]}]}])),
    row(schedules=js([{"entries": [{**SCHEDULE[0]["entries"][0], "day": "noday"}]}])),
    row(schedules=js([{"entries": [{**SCHEDULE[0]["entries"][0], "start": "24:00"}]}])),
    row(schedules=js([{"entries": [], "active": 1}])),
    row(schedules=js([{"entries": [], "extra": 1}])),
    row(schedules=js([{"active": True}])),
    row(schedules=js({"entries": []})),
    row(schedules="[{not json"),
    row(schedules="\ufeff[]"),
    row(schedules="   "),
    row(schedules="[] x"),
    row(forward_plan=js([{"number": "555", "duration": 30}])),
    row(forward_plan=js([{"number": "555", "duration": "30"}])),
    row(forward_plan=js([{"number": "555", "duration": 0}])),
    row(forward_plan=js([{"number": "555", "duration": True}])),
    row(forward_plan=js([{"number": "555", "duration": 30.0}])),
    row(speed_call_numbers=js(["1", "2", "3"])),
    row(speed_call_numbers=js(["1", "2", "3", "4"])),
    row(speed_call_numbers=js([1])),
    row(acceptance_lists=js([{"entries": ["555", "556"], "active": False}])),
    row(screening=js({"active": True, "pin": "1234"})),
    row(screening=js({"active": True, "pin": "12a4"})),
    row(screening=js([])),
    row(params=js({"a": [1, "x", None, 2.5, {"é": "\u2028"}]})),
    row(params=js("a string")),
    row(params="NaN"),
    row()[:5],
    [*row(), "extra"],
]


@pytest.mark.parametrize("role_id,sp", [("platform_owner", "sp"), ("service_provider:sp", None)])
def test_the_fast_path_agrees_with_the_api_rules(role_id, sp):
    columns = [
        c.name
        for c in SPEC.model.__table__.columns
        if c.name != "id" and c.name not in rowclean.META
    ]
    service = RecordService(None, APP, "test", lambda: SETTINGS)
    role = parse_role(role_id)
    fast = rowclean.Preparer(APP, SPEC, service, sp, role, copy_columns=columns)
    slow = rowclean.Preparer(APP, SPEC, service, sp, role, copy_columns=columns, fast=False)
    assert fast.fast is not None and slow.fast is None
    assert isinstance(fast.fast(row(schedules=js(SCHEDULE))), dict)  # taken, not passed on
    batch = list(enumerate(ROWS, 1))
    got, want = fast.prepare(batch), slow.prepare(batch)
    assert got == want
    assert sum(1 for r in got if r[1] is None) > 10  # accepted rows, compared with their lines
    for number, cells in batch:  # the values themselves, not just their COPY text
        assert fast.clean(number, cells) == slow.clean(number, cells)
    for item in got:
        if item[1] is None:
            values, _ = slow.clean(item[0], ROWS[item[0] - 1])
            per_cell = "\t".join(
                "\\N" if values.get(n) is None else convert(values[n])
                for n, convert in slow.converters
            )
            assert item[4] == per_cell
