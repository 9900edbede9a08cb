"""Field declarations: each type's cleaning rules and the messages they give."""

from __future__ import annotations

import datetime as dt

import pytest

from restworkx.declarations.fields import (
    Bool,
    Email,
    Enum,
    FieldError,
    Int,
    Json,
    Name,
    Number,
    Str,
    Timestamp,
    Timezone,
    format_datetime,
    json_type,
    parse_datetime,
)
from restworkx.declarations.shapes import Arr, Obj, Text


def refused(field, value) -> str:
    with pytest.raises(FieldError) as info:
        field.clean(value)
    return str(info.value)


# -- Str -----------------------------------------------------------------------------------


def test_str_limit():
    f = Str(5)
    assert f.clean("abcde") == "abcde"
    assert refused(f, "abcdef") == "is limited to 5 characters (got 6)."


def test_str_default_limit_is_250():
    f = Str()
    assert f.clean("x" * 250) == "x" * 250
    assert "limited to 250" in refused(f, "x" * 251)


def test_str_min_length_ignores_empty():
    f = Str(10, min_length=3)
    assert f.clean("") == ""
    assert f.clean("abc") == "abc"
    assert refused(f, "ab") == "must be at least 3 characters."


def test_str_pattern_with_and_without_rule():
    assert refused(Str(pattern=r"[a-z]+", rule="lowercase only."), "A") == "lowercase only."
    assert refused(Str(pattern=r"[a-z]+"), "A") == "does not match [a-z]+."
    # The pattern must match the whole value.
    assert "does not match" in refused(Str(pattern=r"[a-z]+"), "abc1")
    assert Str(pattern=r"[a-z]+").clean("") == ""


def test_str_required():
    f = Str(required=True)
    assert refused(f, None) == "is required, but missing."
    assert refused(f, "") == "is required, but empty."
    assert Str().clean(None) is None


def test_str_numbers_become_strings_other_types_refused():
    f = Str()
    assert f.clean(1234) == "1234"
    assert f.clean(1.5) == "1.5"
    assert refused(f, True) == "must be a string, not a boolean."
    assert refused(f, [1]) == "must be a string, not an array."
    assert refused(f, {"a": 1}) == "must be a string, not an object."


def test_str_sql_type():
    assert Str(64).sa_type().length == 64
    assert Str(4096).sa_type().__class__.__name__ == "Text"


# -- Name ----------------------------------------------------------------------------------


def test_name_is_required_and_limited_to_64():
    f = Name()
    assert f.required
    assert f.clean("x" * 64) == "x" * 64
    assert "limited to 64" in refused(f, "x" * 65)
    assert refused(f, None) == "is required, but missing."


@pytest.mark.parametrize("bad", ["a/b", "a:b", "a b", "a?b", "a#b", "a%b", "a\\b", "a\tb"])
def test_name_forbidden_characters(bad):
    assert "may not contain '/', ':'" in refused(Name(), bad)


def test_name_allows_mixed_case_and_punctuation():
    assert Name().clean("IMSWorkX-1.example_sp") == "IMSWorkX-1.example_sp"


def test_lowercase_name():
    f = Name(lowercase=True)
    assert f.clean("abc_1.x-y") == "abc_1.x-y"
    assert "lowercase" in refused(f, "Abc")


# -- Email, Number -------------------------------------------------------------------------


def test_email():
    f = Email()
    assert f.clean("jdoe@example.com") == "jdoe@example.com"
    assert f.clean("") == ""
    for bad in ("jdoe", "jdoe@example", "a@b@c.com", "j doe@example.com"):
        assert refused(f, bad) == "must be an email address such as name@example.com."
    assert "limited to 250" in refused(f, "a" * 240 + "@example.com")


def test_number():
    f = Number()
    for good in ("5851234321", "+15851234321", "*67", "#1", "1" * 32):
        assert f.clean(good) == good
    for bad in ("585-123", "abc", "+", "1+2", "1" * 33):
        assert refused(f, bad)
    assert f.clean(5851234321) == "5851234321"
    assert "telephone number" in refused(f, "585 123")


# -- Timezone, Enum ------------------------------------------------------------------------


def test_timezone():
    f = Timezone()
    assert f.clean("America/New_York") == "America/New_York"
    assert f.clean("UTC") == "UTC"
    assert f.clean("") == ""
    assert f.clean(None) is None
    assert refused(f, "Mars/Olympus") == (
        "'Mars/Olympus' is not a known time zone (for example America/New_York)."
    )
    assert "not a known time zone" in refused(f, "america/new_york")


def test_enum():
    f = Enum(("ansi", "itu"))
    assert f.clean("itu") == "itu"
    assert f.clean(None) is None
    assert refused(f, "ITU") == "must be one of ansi, itu (got 'ITU')."
    assert f.max_length == 4


# -- Bool ----------------------------------------------------------------------------------


def test_bool():
    f = Bool()
    assert f.clean(True) is True
    assert f.clean(False) is False
    assert f.clean(None) is False  # the default
    for text, value in (("true", True), ("TRUE", True), ("False", False), ("false", False)):
        assert f.clean(text) is value


@pytest.mark.parametrize("bad", ["yes", "1", "", 1, 0, [], {}])
def test_bool_refuses_other_values(bad):
    assert refused(Bool(), bad).startswith("must be true or false, not ")


def test_bool_required():
    assert refused(Bool(required=True), None) == "is required, but missing."


def test_bool_text_and_csv():
    f = Bool()
    assert f.parse_text(" yes ") is True
    assert f.parse_text("0") is False
    with pytest.raises(FieldError):
        f.parse_text("maybe")
    assert (f.to_csv(True), f.to_csv(False), f.to_csv(None)) == ("true", "false", "")
    assert f.from_csv("") is None
    assert f.from_csv("t") is True


# -- Int -----------------------------------------------------------------------------------


def test_int():
    f = Int(minimum=1, maximum=10)
    assert f.clean(5) == 5
    assert f.clean("7") == 7
    assert f.clean(" 7 ") == 7
    assert f.clean(None) is None
    assert refused(f, 0) == "must be at least 1 (got 0)."
    assert refused(f, "11") == "must be at most 10 (got 11)."
    assert Int().clean("-3") == -3


@pytest.mark.parametrize(
    ("bad", "kind"), [(True, "a boolean"), ("1.5", "a string"), (1.5, "a number"), ([], "an array")]
)
def test_int_refuses(bad, kind):
    assert refused(Int(), bad) == f"must be an integer, not {kind}."


def test_int_default_and_text():
    assert Int(default=0).clean(None) == 0
    assert Int().parse_text("12") == 12
    with pytest.raises(FieldError, match="must be an integer"):
        Int().parse_text("twelve")


# -- Timestamp -----------------------------------------------------------------------------


def test_timestamp():
    f = Timestamp()
    assert f.clean("2022-04-07T11:39:44") == dt.datetime(2022, 4, 7, 11, 39, 44)
    assert f.clean("2022-04-07T11:39:44Z") == dt.datetime(2022, 4, 7, 11, 39, 44)
    assert f.clean("2022-04-07T13:39:44+02:00") == dt.datetime(2022, 4, 7, 11, 39, 44)
    assert f.clean("2022-04-07") == dt.datetime(2022, 4, 7)
    assert f.clean("") is None
    assert f.clean(None) is None
    moment = dt.datetime(2020, 1, 1)
    assert f.clean(moment) is moment


def test_timestamp_refuses():
    f = Timestamp()
    assert "ISO 8601" in refused(f, "yesterday")
    assert "(got 'yesterday')" in refused(f, "yesterday")
    assert refused(f, 12) == "must be an ISO 8601 date and time, not a number."
    assert refused(Timestamp(required=True), "") == "is required, but missing."


def test_datetime_helpers():
    assert parse_datetime(" 2022-04-07 11:39:44 ") == dt.datetime(2022, 4, 7, 11, 39, 44)
    assert format_datetime(dt.datetime(2022, 4, 7, 11, 39, 44)) == "2022-04-07 11:39:44"
    assert format_datetime(None) is None
    assert Timestamp().to_csv(dt.datetime(2022, 4, 7)) == "2022-04-07 00:00:00"


# -- Json ----------------------------------------------------------------------------------


def test_json_accepts_documents_and_escaped_json_strings():
    f = Json(Arr(Text()))
    assert f.clean(["a", "b"]) == ["a", "b"]
    assert f.clean('["a", "b"]') == ["a", "b"]
    assert Json().clean('{"a": 1}') == {"a": 1}


def test_json_empty_string_and_none_give_the_default():
    f = Json(Arr(Text()), default=list)
    assert f.clean(None) == []
    assert f.clean("") == []
    assert f.clean("  ") == []
    assert f.initial() == [] and f.initial() is not f.initial()


def test_json_invalid_json_refused_with_a_message():
    message = refused(Json(), "[1, 2")
    assert message.startswith("is not valid JSON (")


def test_json_plain_strings_go_to_the_shape():
    f = Json(lambda v, ctx: v.split(",") if isinstance(v, str) else v, plain=True)
    assert f.clean("a,b") == ["a", "b"]


def test_json_shape_errors_come_through():
    f = Json(Obj({"a": Text()}))
    assert refused(f, {"b": 1}) == "has an unknown key 'b' (allowed: a)."
    assert refused(f, '{"a": 1}') == ".a must be a string, not a number."


def test_json_required_and_csv():
    assert refused(Json(required=True), None) == "is required, but missing."
    f = Json()
    assert f.to_csv({"a": [1, 2]}) == '{"a":[1,2]}'
    assert f.to_csv(None) == ""
    assert f.from_csv('{"a":1}') == {"a": 1}
    with pytest.raises(FieldError, match="not valid JSON"):
        f.from_csv("{")
    assert not f.searchable and f.is_json


def test_json_type_names():
    assert [json_type(v) for v in (None, True, 1, 1.5, "", [], {})] == [
        "null",
        "a boolean",
        "a number",
        "a number",
        "a string",
        "an array",
        "an object",
    ]


def test_bind_sets_name_and_label():
    f = Str().bind("first_name")
    assert (f.name, f.label) == ("first_name", "First Name")
    assert Str(label="Given").bind("first_name").label == "Given"


def test_openapi_descriptions():
    assert Str(64, min_length=2, pattern="[a-z]+", doc="d").openapi() == {
        "type": "string",
        "maxLength": 64,
        "minLength": 2,
        "pattern": "[a-z]+",
        "description": "d",
    }
    assert Email().openapi()["format"] == "email"
    assert Int(minimum=1, maximum=2).openapi() == {"type": "integer", "minimum": 1, "maximum": 2}
    assert Bool().openapi() == {"type": "boolean"}
    assert Enum(("a", "b")).openapi() == {"type": "string", "enum": ["a", "b"]}
    assert Timestamp().openapi() == {"type": "string", "format": "date-time"}
