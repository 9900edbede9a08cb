"""Every rule of the ECF object definitions (seed 000), through the whole app.

A refused body is a 400 whose message reads "<Class>(): Field '<f>' ...", and
nothing is stored: the record reads back unchanged.
"""

from __future__ import annotations

import pytest

from .conftest import err, ok

SP = "service_provider"


def refused(doc, cls, field, *, code=400) -> str:
    message = err(doc, code)
    assert message.startswith(f"{cls}(): Field '{field}' "), message
    return message[len(f"{cls}(): Field '{field}' ") :]


def attrs(doc) -> dict:
    return ok(doc)["data"][0]["attributes"]


@pytest.fixture
def sp1(owner):
    ok(owner.post(SP, {"name": "sp1"}))
    return owner


def sub(owner, name="s1", sp="sp1", **fields):
    return owner.post(f"subscriber/{sp}", {"name": name, "pin": "1234", **fields})


def set_ecf(owner, **values):
    return ok(owner.put("settings/", {"ecf_settings": values}))


# -- lengths: at the limit accepted, one over refused, nothing stored ----------------------

SP_LIMITS = {
    "name": 64,
    "display_name": 250,
    "first_name": 250,
    "last_name": 250,
    "address": 250,
    "phone": 250,
    "notes": 2048,
}


def test_service_provider_lengths(owner):
    at_limit = {field: "n" * limit for field, limit in SP_LIMITS.items()}
    assert attrs(owner.post(SP, at_limit)) == {**at_limit, "email": None}
    name = at_limit["name"]
    for field, limit in SP_LIMITS.items():
        over = {"name": "sp_over", field: "n" * (limit + 1)}
        why = refused(owner.post(SP, over), "ServiceProvider", field)
        assert why == f"is limited to {limit} characters (got {limit + 1})."
    assert owner.get(f"{SP}/sp_over")["data"] == []
    assert owner.get(SP)["meta"]["records_total"] == 1
    # The same through PUT on the existing record: refused, the record unchanged.
    before = attrs(owner.get(f"{SP}/{name}"))
    refused(owner.put(f"{SP}/{name}", {"notes": "m" * 2049}), "ServiceProvider", "notes")
    refused(
        owner.put(f"{SP}/{name}", {"phone": "1", "address": "m" * 251}),
        "ServiceProvider",
        "address",
    )
    assert attrs(owner.get(f"{SP}/{name}")) == before


def test_email_length_and_format(owner):
    at_limit = "a" * 238 + "@example.com"
    assert len(at_limit) == 250
    assert attrs(owner.post(SP, {"name": "e1", "email": at_limit}))["email"] == at_limit
    why = refused(
        owner.post(SP, {"name": "e2", "email": "a" + at_limit}), "ServiceProvider", "email"
    )
    assert why.startswith("is limited to 250 characters")
    why = refused(
        owner.post(SP, {"name": "e3", "email": "not-an-email"}), "ServiceProvider", "email"
    )
    assert why == "must be an email address such as name@example.com."


SUB_LIMITS = {
    "first_name": 250,
    "last_name": 250,
    "display_name": 250,
    "phone": 250,
    "address": 250,
    "notes": 2048,
}


def test_subscriber_lengths(sp1):
    at_limit = {field: "x" * limit for field, limit in SUB_LIMITS.items()}
    got = attrs(sub(sp1, "ok", **at_limit))
    assert {k: got[k] for k in at_limit} == at_limit
    for field, limit in SUB_LIMITS.items():
        why = refused(sub(sp1, "over", **{field: "x" * (limit + 1)}), "Subscriber", field)
        assert why == f"is limited to {limit} characters (got {limit + 1})."
    assert sp1.get("subscriber/sp1/over")["data"] == []


def test_subscriber_and_service_provider_name_lengths(owner):
    long_sp = "p" * 64
    ok(owner.post(SP, {"name": long_sp}))
    assert attrs(sub(owner, "s" * 64, sp=long_sp))["name"] == "s" * 64
    assert refused(sub(owner, "s" * 65, sp=long_sp), "Subscriber", "name").startswith(
        "is limited to 64 characters"
    )
    refused(owner.post(SP, {"name": "p" * 65}), "ServiceProvider", "name")


def test_administrator_lengths(owner):
    url = "administrator/platform_owner"
    ok(owner.post(url, {"username": "a1", "first_name": "z" * 250, "last_name": "z" * 250}))
    for field in ("first_name", "last_name"):
        why = refused(owner.post(url, {"username": "a2", field: "z" * 251}), "Administrator", field)
        assert why == "is limited to 250 characters (got 251)."
    assert owner.get(f"{url}/a2")["data"] == []


# -- keys, names and the service provider a subscriber names -------------------------------


def test_required_name_missing_or_empty(owner):
    assert refused(owner.post(SP, {}), "ServiceProvider", "name") == "is required, but missing."
    assert refused(owner.post(SP, {"name": ""}), "ServiceProvider", "name") == (
        "is required, but empty."
    )


def test_names_cannot_hold_url_or_role_separators(owner):
    for bad in ("a/b", "a:b", "a b", "a?b", "a#b", "a%b", "a\\b"):
        why = refused(owner.post(SP, {"name": bad}), "ServiceProvider", "name")
        assert why.startswith("may not contain '/', ':'"), bad
    assert owner.get(SP)["meta"]["records_total"] == 0


def test_subscriber_needs_an_existing_service_provider(owner):
    why = refused(
        owner.post("subscriber/nosp", {"name": "s1", "pin": "1234"}),
        "Subscriber",
        "service_provider_name",
    )
    assert why == "names a ServiceProvider 'nosp' that does not exist."
    assert owner.get("subscriber/nosp/s1")["data"] == []


def test_subscriber_of_an_archived_service_provider_is_refused(sp1):
    ok(sp1.delete(f"{SP}/sp1"), 205)
    refused(sub(sp1), "Subscriber", "service_provider_name")


def test_subscriber_service_provider_from_the_body(owner, sp1):
    body = {"service_provider_name": "sp1", "name": "s1", "pin": "1234"}
    assert attrs(owner.post("subscriber", body))["service_provider_name"] == "sp1"


# -- PIN -----------------------------------------------------------------------------------


def test_pin_is_required(sp1):
    doc = sp1.post("subscriber/sp1", {"name": "s1"})
    assert refused(doc, "Subscriber", "pin") == "is required, but missing."


def test_pin_digits_and_default_length(sp1):
    assert attrs(sub(sp1, "ok", pin="0007"))["pin"] == "0007"
    for pin in ("123", "12345", "12a4", " 123", "12.4", "\u0661\u0662\u0663\u0664", "\u00b2234"):
        why = refused(sub(sp1, pin=pin), "Subscriber", "pin")
        assert why == "must be 4 digits (ecf_settings pin_min/pin_max).", pin
    assert refused(sub(sp1, pin=""), "Subscriber", "pin") == "is required, but empty."
    assert sp1.get("subscriber/sp1/s1")["data"] == []


def test_pin_rule_follows_the_settings(sp1):
    set_ecf(sp1, pin_min=5, pin_max=7)
    refused(sub(sp1, pin="1234"), "Subscriber", "pin")
    why = refused(sub(sp1, pin="12345678"), "Subscriber", "pin")
    assert why == "must be 5 to 7 digits (ecf_settings pin_min/pin_max)."
    assert attrs(sub(sp1, "a", pin="12345"))["pin"] == "12345"
    assert attrs(sub(sp1, "b", pin="1234567"))["pin"] == "1234567"
    set_ecf(sp1, pin_min=4, pin_max=4)
    refused(sp1.put("subscriber/sp1/a", {"pin": "123456"}), "Subscriber", "pin")
    assert attrs(sp1.put("subscriber/sp1/a", {"pin": "4321"}))["pin"] == "4321"


def test_pin_min_above_pin_max_is_refused(owner):
    doc = owner.put("settings/", {"ecf_settings": {"pin_min": 6}})
    assert "pin_min must not exceed ecf_settings.pin_max" in err(doc, 400)
    settings = attrs(owner.get("settings/"))
    assert settings["ecf_settings"]["pin_min"] == 4


# -- screening, schedules, acceptance lists, forward plan, params, timezone ----------------


def test_screening(sp1):
    got = attrs(sub(sp1, screening={"active": True, "pin": "2222"}))["screening"]
    assert got == {"active": True, "pin": "2222"}
    for bad, why in (
        ({"active": True, "pin": "222"}, ".pin must be exactly 4 digits."),
        ({"active": True, "pin": 2222}, ".pin must be a string, not a number."),
        ({"active": "yes"}, ".active must be true or false, not a string."),
        ({"colour": 1}, "has an unknown key 'colour' (allowed: active, pin)."),
        ([], "must be a JSON object, not an array."),
    ):
        assert (
            refused(sp1.put("subscriber/sp1/s1", {"screening": bad}), "Subscriber", "screening")
            == why
        )
    assert attrs(sp1.get("subscriber/sp1/s1"))["screening"] == {"active": True, "pin": "2222"}


def entry(**kw):
    return {"start": "08:00", "end": "17:00", "day": "MONDAY", "number": "5551234", **kw}


def test_schedules_accepted_and_days_normalised(sp1):
    schedules = [
        {"entries": [entry(day="monday"), entry(day="Tuesday,friday"), entry(day=["sunday"])]},
        {"entries": [], "active": False},
    ]
    got = attrs(sub(sp1, schedules=schedules))["schedules"]
    assert [e["day"] for e in got[0]["entries"]] == ["MONDAY", ["TUESDAY", "FRIDAY"], ["SUNDAY"]]
    assert got[1] == {"entries": [], "active": False}
    assert attrs(sp1.get("subscriber/sp1/s1"))["schedules"] == got


SCHEDULE_CASES = [
    (
        entry(day="FUNDAY"),
        "[0].entries[1].day must be one of MONDAY, TUESDAY, WEDNESDAY, "
        "THURSDAY, FRIDAY, SATURDAY, SUNDAY (got 'FUNDAY').",
    ),
    (
        entry(day="monday,,friday"),
        "[0].entries[1].day must be one of MONDAY, TUESDAY, "
        "WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY (got '').",
    ),
    (
        entry(day=""),
        "[0].entries[1].day must name days of the week: MONDAY, TUESDAY, "
        "WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY.",
    ),
    (
        entry(start="24:00"),
        "[0].entries[1].start must be a time of day as HH:MM, 00:00 to 23:59.",
    ),
    (entry(end="12:60"), "[0].entries[1].end must be a time of day as HH:MM, 00:00 to 23:59."),
    (entry(end="7:00"), "[0].entries[1].end must be a time of day as HH:MM, 00:00 to 23:59."),
    (
        entry(number="555-1234"),
        "[0].entries[1].number must be a telephone number: digits, "
        "'*' or '#', optionally after '+', 1 to 32.",
    ),
    (
        {"start": "08:00", "end": "09:00", "day": "MONDAY"},
        "[0].entries[1] needs the key 'number'.",
    ),
    (
        entry(room="b"),
        "[0].entries[1] has an unknown key 'room' (allowed: start, end, day, number).",
    ),
]


def test_schedule_rules(sp1):
    for bad_entry, why in SCHEDULE_CASES:
        body = [{"entries": [entry(), bad_entry], "active": True}]
        assert refused(sub(sp1, schedules=body), "Subscriber", "schedules") == why
    assert sp1.get("subscriber/sp1/s1")["data"] == []


def test_schedules_must_be_an_array_of_objects(sp1):
    assert refused(sub(sp1, schedules={}), "Subscriber", "schedules") == (
        "must be a JSON array, not an object."
    )
    assert refused(sub(sp1, schedules=[{"active": True}]), "Subscriber", "schedules") == (
        "[0] needs the key 'entries'."
    )


def test_acceptance_lists(sp1):
    lists = [{"entries": ["5551234", "+15857654321"], "active": True}]
    assert attrs(sub(sp1, acceptance_lists=lists))["acceptance_lists"] == lists
    why = refused(
        sp1.put("subscriber/sp1/s1", {"acceptance_lists": [{"entries": ["abc"]}]}),
        "Subscriber",
        "acceptance_lists",
    )
    assert why.startswith("[0].entries[0] must be a telephone number")
    why = refused(
        sp1.put("subscriber/sp1/s1", {"acceptance_lists": [{"entries": [], "active": 1}]}),
        "Subscriber",
        "acceptance_lists",
    )
    assert why == "[0].active must be true or false, not a number."
    assert attrs(sp1.get("subscriber/sp1/s1"))["acceptance_lists"] == lists


def test_speed_call_numbers_limit(sp1):
    assert attrs(sub(sp1, "a", speed_call_numbers=["1", "2", "3"]))["speed_call_numbers"] == [
        "1",
        "2",
        "3",
    ]
    why = refused(
        sub(sp1, "b", speed_call_numbers=["1", "2", "3", "4"]), "Subscriber", "speed_call_numbers"
    )
    assert why == "holds at most 3 numbers (ecf_settings speed_call_max; got 4)."
    why = refused(sub(sp1, "b", speed_call_numbers=["12-3"]), "Subscriber", "speed_call_numbers")
    assert why.startswith("[0] must be a telephone number")


def test_speed_call_max_follows_the_settings(sp1):
    set_ecf(sp1, speed_call_max=5)
    assert len(attrs(sub(sp1, "a", speed_call_numbers=list("12345")))["speed_call_numbers"]) == 5
    refused(sub(sp1, "b", speed_call_numbers=list("123456")), "Subscriber", "speed_call_numbers")
    set_ecf(sp1, speed_call_max=1)
    why = refused(
        sp1.put("subscriber/sp1/a", {"speed_call_numbers": ["1", "2"]}),
        "Subscriber",
        "speed_call_numbers",
    )
    assert why == "holds at most 1 numbers (ecf_settings speed_call_max; got 2)."
    assert attrs(sp1.get("subscriber/sp1/a"))["speed_call_numbers"] == list("12345")
    # A record stored under the old limit can still change its other fields.
    assert attrs(sp1.put("subscriber/sp1/a", {"notes": "n"}))["notes"] == "n"


def test_forward_plan(sp1):
    plan = [{"number": "5551234", "duration": 30}, {"number": "+15550000", "duration": 525600}]
    assert attrs(sub(sp1, forward_plan=plan))["forward_plan"] == plan
    for bad, why in (
        ([{"number": "5551234"}], "[0] needs the key 'duration'."),
        ([{"duration": 5}], "[0] needs the key 'number'."),
        ([{"number": "5551234", "duration": 0}], "[0].duration must be at least 1 (got 0)."),
        (
            [{"number": "5551234", "duration": 525601}],
            "[0].duration must be at most 525600 (got 525601).",
        ),
        (
            [{"number": "5551234", "duration": "x"}],
            "[0].duration must be an integer, not a string.",
        ),
        (
            [{"number": "nope", "duration": 5}],
            "[0].number must be a telephone number: digits, '*' "
            "or '#', optionally after '+', 1 to 32.",
        ),
    ):
        assert (
            refused(
                sp1.put("subscriber/sp1/s1", {"forward_plan": bad}), "Subscriber", "forward_plan"
            )
            == why
        )
    assert attrs(sp1.get("subscriber/sp1/s1"))["forward_plan"] == plan


def test_forward_plan_duration_numeric_string_is_coerced(sp1):
    got = attrs(sub(sp1, forward_plan=[{"number": "1", "duration": "15"}]))["forward_plan"]
    assert got == [{"number": "1", "duration": 15}]


def test_params(sp1):
    assert attrs(sub(sp1, "a", params={"x": [1, 2]}))["params"] == {"x": [1, 2]}
    assert attrs(sub(sp1, "b", params=[]))["params"] == []
    # "a JSON object or an escaped JSON string"
    assert attrs(sub(sp1, "c", params='{"k": "v"}'))["params"] == {"k": "v"}
    assert attrs(sub(sp1, "d"))["params"] == {}
    assert refused(sub(sp1, "e", params=5), "Subscriber", "params") == (
        "must be an object or an array, not a number."
    )
    assert refused(sub(sp1, "e", params="{bad"), "Subscriber", "params").startswith(
        "is not valid JSON ("
    )
    assert sp1.get("subscriber/sp1/e")["data"] == []


def test_escaped_json_strings_are_checked_like_documents(sp1):
    got = attrs(sub(sp1, screening='{"active": false, "pin": "1111"}'))["screening"]
    assert got == {"active": False, "pin": "1111"}
    why = refused(
        sp1.put("subscriber/sp1/s1", {"screening": '{"pin": "1"}'}), "Subscriber", "screening"
    )
    assert why == ".pin must be exactly 4 digits."


def test_timezone(sp1):
    assert attrs(sub(sp1, "a", timezone="America/New_York"))["timezone"] == "America/New_York"
    assert attrs(sub(sp1, "b", timezone=""))["timezone"] == ""
    why = refused(sub(sp1, "c", timezone="Mars/Olympus_Mons"), "Subscriber", "timezone")
    assert why == "'Mars/Olympus_Mons' is not a known time zone (for example America/New_York)."


def test_default_number(sp1):
    assert attrs(sub(sp1, "a", default_number="1234567890"))["default_number"] == "1234567890"
    why = refused(sub(sp1, "b", default_number="123 456"), "Subscriber", "default_number")
    assert why.startswith("must be a telephone number")


# -- types, unknown fields, bodies ---------------------------------------------------------


WRONG_TYPES = [
    ("call_manager", "yes", "must be true or false, not a string."),
    ("account_lock", 1, "must be true or false, not a number."),
    ("first_name", ["Jane"], "must be a string, not an array."),
    ("notes", {"a": 1}, "must be a string, not an object."),
    ("display_name", True, "must be a string, not a boolean."),
    ("speed_call_numbers", "5551234", "must be a JSON array, not a number."),
    (
        "speed_call_numbers",
        "[1",
        "is not valid JSON (Expecting ',' delimiter: line 1 column 3 (char 2)).",
    ),
    ("acceptance_lists", {}, "must be a JSON array, not an object."),
    ("timezone", 5, "'5' is not a known time zone (for example America/New_York)."),
    ("pin", ["1234"], "must be a string, not an array."),
]


def test_wrong_types(sp1):
    for field, value, why in WRONG_TYPES:
        assert refused(sub(sp1, **{field: value}), "Subscriber", field) == why, field
    assert sp1.get("subscriber/sp1")["meta"]["records_total"] == 0


def test_boolean_strings_are_accepted(sp1):
    got = attrs(sub(sp1, call_manager="true", account_lock="FALSE"))
    assert (got["call_manager"], got["account_lock"]) == (True, False)


def test_unknown_field_refused(owner, sp1):
    why = refused(owner.post(SP, {"name": "x", "colour": "red"}), "ServiceProvider", "colour")
    assert why.startswith("is not a field of ServiceProvider (fields: name, display_name")
    refused(sub(sp1, colour="red"), "Subscriber", "colour")
    assert owner.get(f"{SP}/x")["data"] == []


def test_hidden_administrator_fields_cannot_be_set(owner):
    for field in ("password_hash", "scope_sp", "failed_logins", "locked_until"):
        doc = owner.post("administrator/platform_owner", {"username": "h1", field: "x"})
        refused(doc, "Administrator", field)
    assert owner.get("administrator/platform_owner/h1")["data"] == []


def test_malformed_json_body(owner):
    doc = owner.post(SP, raw='{"name": "x",')
    assert err(doc, 400).startswith("The request body is not valid JSON")
    doc = owner.put(f"{SP}/x", raw="name=x")
    assert err(doc, 400).startswith("The request body is not valid JSON")
    assert owner.get(f"{SP}/x")["data"] == []


def test_a_body_with_long_numbers_is_still_strict_json(owner):
    """Bodies holding a 19-digit number are read by json (exact integers): it refuses
    what orjson refuses for the others, with the same message."""
    long = "1234567890123456789012"
    for raw in (
        f'{{"name": "x", "n": {long}, "f": NaN}}',
        f'{{"name": "x", "n": {long}, "f": 1e400}}',
        f'{{"name": "x", "n": {long},',
    ):
        assert err(owner.post(SP, raw=raw), 400).startswith("The request body is not valid JSON")
    assert owner.get(f"{SP}/x")["data"] == []


def test_empty_body(owner):
    assert "empty" in err(owner.post(SP, raw=""), 400)


def test_body_that_is_not_an_object(owner):
    ok(owner.post(SP, {"name": "x"}))
    message = "ServiceProvider(): the request body must be a JSON object."
    for raw in ('[{"name": "y"}]', '"y"', "42", "null"):
        assert err(owner.post(SP, raw=raw), 400) == message
        assert err(owner.put(f"{SP}/x", raw=raw), 400) == message
        assert err(owner.put(f"{SP}/y", raw=raw), 400) == message
    assert owner.get(f"{SP}/y")["data"] == []
    assert owner.get(SP)["meta"]["records_total"] == 1


def test_body_contradicting_the_path(owner, sp1):
    ok(owner.post(SP, {"name": "sp2"}))
    doc = owner.post(
        "subscriber/sp1", {"service_provider_name": "sp2", "name": "s1", "pin": "1234"}
    )
    assert refused(doc, "Subscriber", "service_provider_name") == (
        "is 'sp2' in the body but 'sp1' in the path."
    )
    assert owner.get("subscriber/sp2/s1")["data"] == []
    doc = owner.put("subscriber/sp1/s1", {"name": "other", "pin": "1234"})
    assert refused(doc, "Subscriber", "name") == "is 'other' in the body but 's1' in the path."
    assert owner.get("subscriber/sp1/s1")["data"] == []
    assert owner.get("subscriber/sp1/other")["data"] == []
    doc = owner.post(
        "administrator/platform_owner", {"username": "a1", "role_id": "service_provider:sp1"}
    )
    refused(doc, "Administrator", "role_id")
    assert owner.get("administrator/service_provider:sp1/a1")["data"] == []


def test_key_fields_are_immutable_on_put(owner, sp1):
    ok(sub(owner))
    before = attrs(owner.get("subscriber/sp1/s1"))
    # Repeating the key is fine; changing it is not.
    ok(owner.put("subscriber/sp1/s1", {"service_provider_name": "sp1", "name": "s1"}))
    for body in ({"name": "s2"}, {"service_provider_name": "sp2"}):
        field = next(iter(body))
        refused(owner.put("subscriber/sp1/s1", body), "Subscriber", field)
    refused(owner.put(f"{SP}/sp1", {"name": "sp9"}), "ServiceProvider", "name")
    assert attrs(owner.get("subscriber/sp1/s1")) == before
    assert owner.get(f"{SP}/sp9")["data"] == []


def test_put_creates_when_missing(owner, sp1):
    doc = ok(owner.put(f"{SP}/newsp", {"display_name": "New"}))
    assert doc["data"][0]["attributes"]["name"] == "newsp"
    assert doc["data"][0]["attributes"]["display_name"] == "New"
    got = attrs(owner.put("subscriber/sp1/s9", {"pin": "9876"}))
    assert (got["service_provider_name"], got["name"], got["pin"]) == ("sp1", "s9", "9876")
    # Creating through PUT applies the creation rules.
    assert refused(owner.put("subscriber/sp1/s8", {}), "Subscriber", "pin") == (
        "is required, but missing."
    )
    refused(owner.put("subscriber/nosp/s1", {"pin": "1234"}), "Subscriber", "service_provider_name")


def test_put_only_changes_what_it_names(sp1):
    ok(sub(sp1, first_name="Jane", notes="n", screening={"active": True, "pin": "1111"}))
    got = attrs(sp1.put("subscriber/sp1/s1", {"first_name": "Joan"}))
    assert (got["first_name"], got["notes"], got["screening"]) == (
        "Joan",
        "n",
        {"active": True, "pin": "1111"},
    )


def test_a_refused_put_changes_nothing(sp1):
    ok(sub(sp1, first_name="Jane"))
    before = attrs(sp1.get("subscriber/sp1/s1"))
    doc = sp1.put("subscriber/sp1/s1", {"first_name": "Joan", "email": "bad", "pin": "4321"})
    refused(doc, "Subscriber", "email")
    doc = sp1.put("subscriber/sp1/s1", {"first_name": "Joan", "pin": "1"})
    refused(doc, "Subscriber", "pin")
    assert attrs(sp1.get("subscriber/sp1/s1")) == before


def test_post_on_an_existing_key_is_a_conflict(owner, sp1):
    ok(sub(owner))
    before = attrs(owner.get("subscriber/sp1/s1"))
    doc = owner.post(SP, {"name": "sp1", "notes": "again"})
    assert err(doc, 409) == "A ServiceProvider with name='sp1' already exists."
    doc = sub(owner, notes="again")
    assert (
        err(doc, 409) == "A Subscriber with service_provider_name='sp1', name='s1' already exists."
    )
    doc = owner.post("subscriber/sp1/s1", {"pin": "1234"})
    assert "name='s1'" in err(doc, 409)
    assert attrs(owner.get("subscriber/sp1/s1")) == before
    assert attrs(owner.get(f"{SP}/sp1"))["notes"] is None


# -- administrators ------------------------------------------------------------------------


def test_username_rule(owner):
    url = "administrator/platform_owner"
    assert attrs(owner.post(url, {"username": "u" * 64}))["username"] == "u" * 64
    assert attrs(owner.post(url, {"username": "john_doe_2"}))["username"] == "john_doe_2"
    for bad in ("John_Doe_admin", "john-doe", "john.doe", "john doe", "jöhn"):
        why = refused(owner.post(url, {"username": bad}), "Administrator", "username")
        assert why == "may contain only lowercase letters, digits and underscores."
    why = refused(owner.post(url, {"username": "u" * 65}), "Administrator", "username")
    assert why == "is limited to 64 characters (got 65)."
    assert refused(owner.post(url, {}), "Administrator", "username") == "is required, but missing."


def test_username_is_unique_across_roles(owner, sp1):
    ok(owner.post("administrator/platform_owner", {"username": "same"}))
    doc = owner.post("administrator/service_provider:sp1", {"username": "same"})
    assert "username='same'" in err(doc, 409)


BAD_ROLE_IDS = [
    "admin",
    "service_provider",
    "service_provider:",
    "subscriber:sp1",
    "subscriber:sp1:",
    "platform_owner:x",
    "service_provider:a:b:c",
    5,
]


def test_role_id_format(owner, sp1):
    for role_id in BAD_ROLE_IDS:
        doc = owner.post("administrator", {"username": "r1", "role_id": role_id})
        why = refused(doc, "Administrator", "role_id")
        assert why.startswith(
            "must be platform_owner, service_provider:<service_provider_name> or "
            "subscriber:<service_provider_name>:<subscriber_name>"
        ), role_id
    assert owner.get("administrator/platform_owner/r1")["data"] == []


def test_role_id_must_name_existing_records(owner, sp1):
    ok(sub(owner))
    doc = owner.post("administrator/service_provider:nosp", {"username": "r1"})
    assert refused(doc, "Administrator", "role_id") == (
        "names a ServiceProvider 'nosp' that does not exist."
    )
    doc = owner.post("administrator/subscriber:sp1:nosub", {"username": "r1"})
    assert refused(doc, "Administrator", "role_id") == (
        "names a Subscriber 'sp1/nosub' that does not exist."
    )
    assert owner.get("administrator/platform_owner")["meta"]["records_total"] == 1  # the owner
    for role_id in ("service_provider:sp1", "subscriber:sp1:s1"):
        got = attrs(owner.post(f"administrator/{role_id}", {"username": f"r_{len(role_id)}"}))
        assert got["role_id"] == role_id


def test_role_id_is_immutable(owner, sp1):
    ok(owner.post("administrator/service_provider:sp1", {"username": "a1"}))
    doc = owner.put("administrator/service_provider:sp1/a1", {"role_id": "platform_owner"})
    refused(doc, "Administrator", "role_id")
    doc = owner.put("administrator/service_provider:sp1/a1", {"username": "a2"})
    refused(doc, "Administrator", "username")
    assert attrs(owner.get("administrator/service_provider:sp1/a1"))["role_id"] == (
        "service_provider:sp1"
    )


def test_permission_groups(owner, sp1):
    url = "administrator/service_provider:sp1"
    got = attrs(owner.post(url, {"username": "p1", "permissions": ["default:service_provider"]}))
    assert got["permissions"] == ["default:service_provider"]
    why = refused(
        owner.post(url, {"username": "p2", "permissions": ["superuser"]}),
        "Administrator",
        "permissions",
    )
    assert why.startswith("names an unknown permission group 'superuser' (groups: ")
    why = refused(
        owner.post(url, {"username": "p3", "permissions": "default:platform_owner"}),
        "Administrator",
        "permissions",
    )
    assert why == "group 'default:platform_owner' is not for the role service_provider."
    why = refused(
        owner.post(url, {"username": "p4", "permissions": [1]}), "Administrator", "permissions"
    )
    assert why == "must be an array of permission group names."
    for name in ("p2", "p3", "p4"):
        assert owner.get(f"{url}/{name}")["data"] == []
    refused(owner.put(f"{url}/p1", {"permissions": ["nope"]}), "Administrator", "permissions")
    assert attrs(owner.get(f"{url}/p1"))["permissions"] == ["default:service_provider"]


def test_administrator_email(owner):
    url = "administrator/platform_owner"
    refused(owner.post(url, {"username": "m1", "email": "nope"}), "Administrator", "email")
    assert attrs(owner.post(url, {"username": "m2", "email": "m2@example.com"}))["email"] == (
        "m2@example.com"
    )
