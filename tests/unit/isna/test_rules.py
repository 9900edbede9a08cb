"""The ISNA rules grammar (seed 004), without HTTP."""

from __future__ import annotations

import json

import pytest

from restworkx.declarations.fields import FieldError
from restworkx.isna.rules import MAX_DEPTH, RULES


class Ctx:
    def __init__(self, point_code_format):
        self.settings = {"routing_engine": {"point_code_format": point_code_format}}


def rule(criteria=None, destination=None):
    return {
        "criteria": {"always": True} if criteria is None else criteria,
        "destination": {"number": "5551234"} if destination is None else destination,
    }


def error(value, ctx=None) -> str:
    with pytest.raises(FieldError) as info:
        RULES(value, ctx)
    return str(info.value)


def test_empty_rules():
    assert RULES([]) == []


def test_every_documented_part():
    full = {
        "label": "examplerule",
        "criteria": {
            "always": True,
            "time": ["00:00", "23:59"],
            "date": ["2024/02/29.00:00", "2024/02/29.00:00"],
            "day": [
                [d]
                for d in (
                    "sunday",
                    "monday",
                    "tuesday",
                    "wednesday",
                    "thursday",
                    "friday",
                    "saturday",
                )
            ],
            "percent": 0,
            "match": [["123xxxxxxx"], ["x"]],
            "npa": [["AL"]],
            "pointcode": [["000-000-001", None], ["255-255-254", "255-255-255"]],
            "lata": [["Digits", "123"], ["Intra", None], ["Inter", None]],
            "zip": [["00501"]],
        },
        "destination": {
            "number": "+15551234",
            "trunk": [["1"]],
            "trunk_op": [["12345", "1234567890"]],
            "sip": "sips:1234567890@example.com",
            "continue": True,
            "terminate": False,
            "rule": [rule()],
        },
    }
    assert RULES([full]) == [full]


def test_overnight_time_spans_are_allowed():
    assert RULES([rule({"time": ["22:00", "06:00"]})])[0]["criteria"]["time"] == ["22:00", "06:00"]


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({"time": ["24:00", "01:00"]}, "[0].criteria.time[0] must be HH:mm"),
        ({"date": ["2023/02/29.10:00", "2023/03/01.10:00"]}, "[0].criteria.date[0] must be"),
        ({"date": ["2024/01/02.00:00", "2024/01/01.23:59"]}, "[0].criteria.date[1] must not"),
        ({"day": [["sun"]]}, "[0].criteria.day[0][0] must be one of sunday"),
        ({"percent": True}, "[0].criteria.percent must be an integer, not a boolean."),
        ({"match": []}, "[0].criteria.match must hold at least one pattern."),
        ({"npa": [["N1"]]}, "[0].criteria.npa[0][0] must be a two-letter area code"),
        ({"pointcode": [["0-0-1", None]]}, "[0].criteria.pointcode[0][0] must be an ANSI"),
        ({"pointcode": [["000-000-001", "000-000-000"]]}, "[0].criteria.pointcode[0][1] must not"),
        ({"lata": [["Digits"]]}, "[0].criteria.lata[0] must be a pair"),
        ({"zip": [["123456"]]}, "[0].criteria.zip[0][0] must be a five-digit ZIP code"),
    ],
)
def test_criteria_errors_point_at_the_part(criteria, expected):
    assert error([rule(criteria)]).startswith(expected)


def test_destination_errors_point_at_the_part():
    assert error([rule(destination={"sip": "a b@c"})]).startswith("[0].destination.sip must be")
    assert error([rule(destination={"continue": True, "terminate": True})]) == (
        "[0].destination cannot both continue and terminate."
    )
    nested = [rule(destination={"rule": [rule(), rule({"zip": [["1"]]})]})]
    assert error(nested).startswith("[0].destination.rule[1].criteria.zip[0][0] must be")


def test_depth_limit():
    rules = [rule()]
    for _ in range(MAX_DEPTH - 1):
        rules = [rule(destination={"rule": rules})]
    assert RULES(rules) == rules
    too_deep = [rule(destination={"rule": rules})]
    assert error(too_deep).endswith(f"nests rules deeper than {MAX_DEPTH} levels.")


def test_point_code_format_comes_from_the_settings():
    itu = [rule({"pointcode": [["7-255-7", "7-255-7"]]})]
    assert RULES(itu, Ctx("itu")) == itu
    assert "must be an ITU point code" in error(
        [rule({"pointcode": [["8-0-0", None]]})], Ctx("itu")
    )
    assert "must be an ANSI point code" in error(itu, Ctx("ansi"))


def test_normalisation():
    out = RULES([rule({"day": [["MONDAY"]], "npa": [["ny"]], "lata": [["inter", None]]})])
    assert out[0]["criteria"] == {"day": [["monday"]], "npa": [["NY"]], "lata": [["Inter", None]]}


def test_the_openapi_schema_is_finite_json():
    text = json.dumps(RULES.openapi())
    assert '"criteria"' in text and '"destination"' in text
