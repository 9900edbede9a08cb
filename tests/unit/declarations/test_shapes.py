"""JSON shape combinators: what they accept and where their messages point."""

from __future__ import annotations

import pytest

from restworkx.declarations.fields import FieldError
from restworkx.declarations.shapes import (
    BOOLEAN,
    HHMM,
    NUMBER,
    AnyJson,
    Arr,
    Boolean,
    Integer,
    Obj,
    OneOf,
    Text,
    digits,
    openapi_of,
)
from restworkx.ecf import ACCEPTANCE_LIST, DAYS, FORWARD_PLAN_ENTRY, SCHEDULE, SCREENING, _days


def refused(shape, value) -> str:
    with pytest.raises(FieldError) as info:
        shape(value)
    return str(info.value)


# -- Obj -----------------------------------------------------------------------------------


def test_obj():
    shape = Obj({"a": Text(), "b": BOOLEAN}, required=("a",))
    assert shape({"a": "x"}) == {"a": "x"}
    assert shape({"a": "x", "b": True}) == {"a": "x", "b": True}


def test_obj_not_an_object():
    assert refused(Obj({}), []) == "must be a JSON object, not an array."
    assert refused(Obj({}), "x") == "must be a JSON object, not a string."


def test_obj_unknown_key():
    assert refused(Obj({"a": Text(), "b": BOOLEAN}), {"c": 1}) == (
        "has an unknown key 'c' (allowed: a, b)."
    )


def test_obj_extra_keys_allowed_when_declared():
    assert Obj({"a": Text()}, extra=True)({"a": "x", "z": [1]}) == {"a": "x", "z": [1]}


def test_obj_required_key():
    assert refused(Obj({"a": Text()}, required=("a",)), {}) == "needs the key 'a'."


def test_obj_nested_messages_name_the_key():
    assert refused(Obj({"a": Text()}), {"a": 1}) == ".a must be a string, not a number."
    inner = Obj({"b": Obj({"c": BOOLEAN})})
    assert refused(inner, {"b": {"c": "x"}}) == ".b.c must be true or false, not a string."


# -- Arr -----------------------------------------------------------------------------------


def test_arr():
    assert Arr(NUMBER)(["1", "2"]) == ["1", "2"]
    assert Arr(NUMBER)([]) == []
    assert refused(Arr(NUMBER), {"a": 1}) == "must be a JSON array, not an object."


def test_arr_max_items():
    shape = Arr(NUMBER, max_items=2)
    assert shape(["1", "2"]) == ["1", "2"]
    assert refused(shape, ["1", "2", "3"]) == "holds at most 2 entries (got 3)."


def test_arr_messages_name_the_index():
    assert refused(Arr(NUMBER), ["1", "x"]).startswith("[1] must be a telephone number")


def test_nested_path_in_schedule_messages():
    schedules = Arr(SCHEDULE)
    entry = {"start": "08:00", "end": "17:00", "day": "MONDAY", "number": "5551234"}
    value = [{"entries": [entry, {**entry, "day": "FUNDAY"}], "active": True}]
    assert refused(schedules, value) == (
        "[0].entries[1].day must be one of MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, "
        "SATURDAY, SUNDAY (got 'FUNDAY')."
    )
    value = [{"entries": [entry]}, {"entries": [{**entry, "start": "24:00"}]}]
    assert refused(schedules, value) == (
        "[1].entries[0].start must be a time of day as HH:MM, 00:00 to 23:59."
    )
    value = [{"entries": [{"start": "08:00", "end": "09:00", "day": "MONDAY"}]}]
    assert refused(schedules, value) == "[0].entries[0] needs the key 'number'."
    assert refused(schedules, [{"active": True}]) == "[0] needs the key 'entries'."


# -- Text, OneOf, Boolean, Integer, AnyJson ------------------------------------------------


def test_text():
    shape = Text(r"[a-z]+", "letters only.", 5)
    assert shape("abc") == "abc"
    assert refused(shape, "ABC") == "letters only."
    assert refused(shape, "abcdef") == "is limited to 5 characters."
    assert refused(shape, 1) == "must be a string, not a number."
    assert refused(Text(r"\d+"), "x") == "must match \\d+ (got 'x')."
    assert Text()("") == ""


def test_one_of():
    assert OneOf(("a", "b"))("a") == "a"
    assert refused(OneOf(("a", "b")), "A") == "must be one of a, b (got 'A')."
    assert OneOf(("TCP", "UDP"), upper=True)("udp") == "UDP"
    assert "got 1" in refused(OneOf(("a",), upper=True), 1)


def test_boolean():
    assert Boolean()(True) is True
    assert refused(BOOLEAN, "true") == "must be true or false, not a string."
    assert refused(BOOLEAN, 1) == "must be true or false, not a number."


def test_integer():
    shape = Integer(0, 10)
    assert shape(0) == 0
    assert shape("10") == 10
    assert shape("-0") == 0
    assert refused(shape, 11) == "must be at most 10 (got 11)."
    assert refused(shape, "-1") == "must be at least 0 (got -1)."
    assert refused(shape, True) == "must be an integer, not a boolean."
    assert refused(shape, "1.0") == "must be an integer, not a string."
    assert refused(shape, 1.5) == "must be an integer, not a number."
    assert Integer()(-(10**6)) == -(10**6)


def test_any_json():
    assert AnyJson(dict, list)({}) == {}
    assert AnyJson(dict, list)([]) == []
    assert refused(AnyJson(dict, list), "x") == "must be an object or an array, not a string."
    assert refused(AnyJson(dict), []) == "must be an object, not an array."


# -- digits, HHMM, NUMBER ------------------------------------------------------------------


def test_digits():
    # Only ASCII digits: an IVR cannot dial Arabic-Indic or full-width ones.
    shape = digits(4)
    assert shape("0123") == "0123"
    for bad in ("123", "12345", "12a4", "\u0661\u0662\u0663\u0664", "\uff11234"):
        assert refused(shape, bad) in ("must be exactly 4 digits.", "is limited to 4 characters.")
    assert refused(shape, 1234) == "must be a string, not a number."


@pytest.mark.parametrize("good", ["00:00", "09:05", "12:30", "19:59", "23:59"])
def test_hhmm_accepts(good):
    assert HHMM(good) == good


@pytest.mark.parametrize(
    "bad", ["24:00", "23:60", "9:00", "09:0", "0900", "09:00:00", "ab:cd", "", "1\u0662:30"]
)
def test_hhmm_refuses(bad):
    assert refused(HHMM, bad) in (
        "must be a time of day as HH:MM, 00:00 to 23:59.",
        "is limited to 5 characters.",
    )


def test_number_shape():
    assert NUMBER("+15851234321") == "+15851234321"
    assert "telephone number" in refused(NUMBER, "585-1234")
    assert refused(NUMBER, 5851234) == "must be a string, not a number."


# -- the ECF shapes ------------------------------------------------------------------------


def test_days():
    assert _days("monday") == "MONDAY"
    assert _days("monday, Friday") == ["MONDAY", "FRIDAY"]
    assert _days(["sunday", "SATURDAY"]) == ["SUNDAY", "SATURDAY"]
    assert "must name days of the week" in refused(_days, "")
    assert "must name days of the week" in refused(_days, [])
    assert "must name days of the week" in refused(_days, [1])
    assert "got 'FUNDAY'" in refused(_days, "monday,funday")
    assert len(DAYS) == 7


def test_screening():
    assert SCREENING({"active": True, "pin": "2222"}) == {"active": True, "pin": "2222"}
    assert SCREENING({}) == {}
    assert refused(SCREENING, {"pin": "22"}) == ".pin must be exactly 4 digits."
    assert refused(SCREENING, {"active": "yes"}) == ".active must be true or false, not a string."
    assert "unknown key 'lock'" in refused(SCREENING, {"lock": True})


def test_acceptance_list():
    assert ACCEPTANCE_LIST({"entries": ["5551234"], "active": False})["entries"] == ["5551234"]
    assert refused(ACCEPTANCE_LIST, {"entries": ["x"]}).startswith(".entries[0] must be")


def test_forward_plan_entry():
    assert FORWARD_PLAN_ENTRY({"number": "5551234", "duration": 30})["duration"] == 30
    assert refused(FORWARD_PLAN_ENTRY, {"number": "5551234"}) == "needs the key 'duration'."
    assert refused(FORWARD_PLAN_ENTRY, {"number": "5551234", "duration": 0}) == (
        ".duration must be at least 1 (got 0)."
    )


def test_openapi_of_shapes():
    assert openapi_of(Arr(NUMBER, max_items=3))["maxItems"] == 3
    schema = openapi_of(Obj({"a": BOOLEAN}, required=("a",)))
    assert schema == {
        "type": "object",
        "properties": {"a": {"type": "boolean"}},
        "additionalProperties": False,
        "required": ["a"],
    }
    assert openapi_of(AnyJson(dict, list)) == {"type": ["object", "array"]}
    assert openapi_of(lambda v, c: v) == {}
