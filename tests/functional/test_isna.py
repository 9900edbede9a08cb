"""ISNA (seed 004): every example replayed as written, the rules grammar, cascades,
scoping, settings and permission groups."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import webtest

from restworkx import main
from restworkx.applications import ALL
from restworkx.db import get_session_factory

from .conftest import PASSWORD, SP_BODY, Api, err, ok

JSONAPI = {
    "version": "2.0-3",
    "name": "Internet Single Number Access",
    "short_name": "isna",
    "author": "IMSWorkX, Inc.",
}
SUBSCRIBER_BODY = {
    "name": "examplesubscriber",
    "display_name": "ExampleSubscriber",
    "service_provider_name": "exampleserviceprovider",
    "first_name": "Jane",
    "last_name": "Doe",
    "email": "jdoe@example.com",
    "address": "123 Main St",
    "phone": "5851234321",
    "notes": "This is an example Subscriber.",
}
# The seed's number body (it lacks a comma after "rules": "[]"; this is it, repaired).
NUMBER_RAW = (
    '{"number": "1234567890", "rules": "[]", "timezone": "gmt", '
    '"service_provider_name": "exampleserviceprovider", "subscriber_name": "examplesubscriber"}'
)
NUMBER_URL = "number/exampleserviceprovider/examplesubscriber"
RULE = {
    "label": "examplerule",
    "criteria": {
        "always": True,
        "time": ["08:00", "17:30"],
        "date": ["2024/01/01.00:00", "2024/12/31.23:59"],
        "day": [["sunday"], ["monday"]],
        "percent": 50,
        "match": [["123xxxxxxx"], ["223xxxxxxx"]],
        "npa": [["AL"], ["AK"], ["AS"]],
        "pointcode": [["000-000-001", None], ["000-000-002", "000-000-003"]],
        "lata": [["Digits", "123"], ["Intra", None], ["Inter", None]],
        "zip": [["12345"], ["22345"]],
    },
    "destination": {
        "number": "1234567890",
        "trunk": [["12345"], ["22345"]],
        "trunk_op": [["12345", "1234567890"], ["22345", "2234567890"]],
        "sip": "1234567890@example.com",
        "continue": False,
        "terminate": True,
        "rule": [{"criteria": {"always": True}, "destination": {"number": "5551234"}}],
    },
}


@pytest.fixture
def isna(testapp):
    return Api(testapp, app="isna")


@pytest.fixture
def owner(isna, make_admin) -> Api:
    make_admin("owner", app="isna")
    return isna.as_("owner")


@pytest.fixture
def example(owner):
    ok(owner.post("service_provider", {"name": "exampleserviceprovider"}))
    ok(owner.post("subscriber/exampleserviceprovider", SUBSCRIBER_BODY))
    return owner


def attributes(doc) -> dict:
    return ok(doc)["data"][0]["attributes"]


# -- the seed's examples -------------------------------------------------------


def test_authenticate_answers_a_token(isna, make_admin):
    make_admin("isna_administrator", app="isna")
    doc = ok(
        isna.post(
            "authenticate",
            raw=json.dumps({"username": "isna_administrator", "password": PASSWORD}),
            headers={"Content-Type": "application/json"},
        )
    )
    assert set(doc["data"][0]) == {"token"}
    assert doc["jsonapi"] == JSONAPI


def test_incorrect_log_in(isna, make_admin):
    make_admin("isna_administrator", app="isna")
    resp = isna.testapp.post("/isna/api/authenticate", '{"username":"isna_administrator"}')
    assert resp.status_int == 200
    assert resp.json == {
        "meta": {
            "scope": "exception",
            "message": "The username and password provided were not correct.",
            "code": 401,
            "encoding": "ascii",
        },
        "jsonapi": JSONAPI,
    }


def test_isna_not_installed_is_a_plain_404(app_settings, engine):
    only_ecf = webtest.TestApp(main({}, **{**app_settings, "restworkx.apps": "ecf"}))
    resp = only_ecf.post(
        "/isna/api/authenticate", '{"username":"u","password":"p"}', expect_errors=True
    )
    assert resp.status_int == 404
    assert resp.content_type == "text/html"
    assert "The requested URL /isna/api/authenticate was not found on this server." in resp.text


def test_creating_accessing_and_modifying_an_object(owner):
    raw = (
        '{"name": "IMSWorkX", "display_name": "IMSWorkX", "first_name": "Jane", "last_name": '
        '"Doe", "email": "example@example.com", "address": "1 Main St. Rochester, NY", '
        '"phone": "5858675309", "notes": "more notes"}'
    )
    doc = ok(owner.post("service_provider", raw=raw, headers={"Content-Type": "application/json"}))
    assert doc["data"][0]["attributes"] == SP_BODY
    assert doc["jsonapi"] == JSONAPI
    got = ok(owner.get("service_provider/IMSWorkX", headers={"Content-Type": "application/json"}))
    assert got["data"][0]["attributes"] == SP_BODY
    # URI Format: <niu-ha>/isna/api/<json-api-version>/<object>/<object-id>
    assert attributes(owner.get("2.0-3/service_provider/IMSWorkX")) == SP_BODY
    changed = attributes(
        owner.put("service_provider/IMSWorkX", raw='{"first_name": "John", "last_name": "Smith"}')
    )
    assert (changed["first_name"], changed["last_name"]) == ("John", "Smith")


def test_common_responses(owner):
    missing = owner.get("service_provider/service_test45")
    assert missing["meta"]["records_total"] == 0 and missing["data"] == []
    assert missing["meta"]["authorization"] == f"Basic {owner.token}"
    err(owner.get("servi"), 404, "No object 'servi' exists.")
    resp = owner.testapp.post(
        "/isna/api/service_provider",
        '{"last_name":"api_test"}',
        headers={"Authorization": f"Basic {owner.token}"},
    )
    err(resp.json, 400, "ServiceProvider(): Field 'name' is required, but missing.")
    assert resp.json["jsonapi"] == JSONAPI
    resp = owner.testapp.request(
        "/isna/api/service_provider/service_test45",
        method="GE",
        headers={"Authorization": f"Basic {owner.token}"},
        expect_errors=True,
    )
    assert (resp.status_int, resp.headers["Allow"], resp.body) == (
        405,
        "GET, POST, PUT, DELETE",
        b"",
    )
    owner.post("service_provider", SP_BODY)
    meta = ok(owner.get("service_provider/"))["meta"]
    assert (meta["records_shown"], meta["records_total"], meta["records_page_size"]) == (1, 1, 10)


def test_administrator_example_body(owner):
    owner.post("service_provider", {"name": "exampleserviceprovider"})
    body = {
        "username": "john_doe_admin",
        "role_id": "service_provider:exampleserviceprovider",
        "first_name": "John",
        "last_name": "Doe",
        "email": "jdoe@example.com",
        "permissions": "default:service_provider",
    }
    doc = ok(owner.post("administrator/service_provider:exampleserviceprovider", body))
    assert doc["data"][0]["attributes"]["permissions"] == ["default:service_provider"]
    url = "administrator/service_provider:exampleserviceprovider/john_doe_admin/reset"
    assert ok(owner.post(url))["data"]


def test_subscriber_example_body(owner):
    owner.post("service_provider", {"name": "exampleserviceprovider"})
    doc = ok(owner.post("subscriber/exampleserviceprovider", SUBSCRIBER_BODY))
    assert doc["data"][0]["attributes"] == SUBSCRIBER_BODY
    message = err(owner.post("subscriber/exampleserviceprovider", {"name": "x", "pin": "1"}), 400)
    assert message.startswith("Subscriber(): Field 'pin' is not a field of Subscriber")


def test_number_example_body(example):
    doc = ok(example.post(NUMBER_URL, raw=NUMBER_RAW, headers={"Content-Type": "application/json"}))
    record = doc["data"][0]
    assert record["attributes"] == {
        "number": "1234567890",
        "rules": [],
        "timezone": "GMT",
        "service_provider_name": "exampleserviceprovider",
        "subscriber_name": "examplesubscriber",
    }
    assert record["links"]["self"]["uri"] == (
        "/isna/api/number/exampleserviceprovider/examplesubscriber/1234567890"
    )
    for path in ("number", "number/exampleserviceprovider", NUMBER_URL, f"{NUMBER_URL}/1234567890"):
        assert [r["attributes"]["number"] for r in ok(example.get(path))["data"]] == ["1234567890"]


def test_number_endpoints(example):
    body = json.loads(NUMBER_RAW)
    ok(example.post("number/exampleserviceprovider", {**body, "number": "1234567891"}))
    created = attributes(example.put(f"{NUMBER_URL}/1234567892", {"timezone": "America/New_York"}))
    assert created["rules"] == [] and created["timezone"] == "America/New_York"
    changed = attributes(example.put(f"{NUMBER_URL}/1234567892", {"rules": [RULE]}))
    assert changed["rules"] == [RULE]
    assert ok(example.get("number"))["meta"]["records_total"] == 2
    ok(example.delete(f"{NUMBER_URL}/1234567892"), 205)
    assert ok(example.get("number"))["meta"]["records_total"] == 1


# -- the rules grammar -------------------------------------------------------------


def test_the_full_grammar_is_accepted(example):
    attrs = attributes(example.post(NUMBER_URL, {"number": "5550001", "rules": [RULE]}))
    assert attrs["rules"] == [RULE]
    # The same rules as an escaped JSON string.
    attrs = attributes(example.post(NUMBER_URL, {"number": "5550002", "rules": json.dumps([RULE])}))
    assert attrs["rules"] == [RULE]
    assert attributes(example.get(f"{NUMBER_URL}/5550002"))["rules"] == [RULE]


def test_rules_are_normalised(example):
    rule = {
        "criteria": {
            "day": [["Sunday"]],
            "match": [["585XXXXXXX"]],
            "npa": [["ny"]],
            "lata": [["digits", "123"], ["INTRA", None]],
        },
        "destination": {"sip": "sip:alice@example.com"},
    }
    attrs = attributes(example.post(NUMBER_URL, {"number": "5550003", "rules": [rule]}))
    assert attrs["rules"][0]["criteria"] == {
        "day": [["sunday"]],
        "match": [["585xxxxxxx"]],
        "npa": [["NY"]],
        "lata": [["Digits", "123"], ["Intra", None]],
    }


def _rule(criteria=None, destination=None, **extra):
    out = {
        "criteria": criteria if criteria is not None else {"always": True},
        "destination": destination if destination is not None else {"number": "5551234"},
    }
    out.update(extra)
    return out


GRAMMAR_VIOLATIONS = [
    ({"x": 1}, "must be a JSON array, not an object."),
    ([1], "[0] must be a JSON object, not a number."),
    ([{"destination": {"number": "1"}}], "[0] needs the key 'criteria'."),
    ([{"criteria": {"always": True}}], "[0] needs the key 'destination'."),
    ([_rule(priority=1)], "[0] has an unknown key 'priority'"),
    ([_rule(label=7)], "[0].label must be a string, not a number."),
    ([_rule({})], "[0].criteria must hold at least one criterion"),
    ([_rule({"weekday": "monday"})], "[0].criteria has an unknown key 'weekday'"),
    ([_rule({"always": "yes"})], "[0].criteria.always must be true or false, not a string."),
    (
        [_rule({"time": ["08:00"]})],
        '[0].criteria.time must be a pair ["HH:mm", "HH:mm"] (got 1 items).',
    ),
    ([_rule({"time": "08:00-17:00"})], "[0].criteria.time must be a pair"),
    (
        [_rule({"time": ["08:00", "25:00"]})],
        "[0].criteria.time[1] must be HH:mm, 00:00 to 23:59 (got '25:00').",
    ),
    ([_rule({"time": ["8:00", "17:00"]})], "[0].criteria.time[0] must be HH:mm"),
    ([_rule({"time": [800, "17:00"]})], "[0].criteria.time[0] must be a string (HH:mm"),
    (
        [_rule({"date": ["2024-01-01 00:00", "2024/12/31.23:59"]})],
        "[0].criteria.date[0] must be YYYY/MM/DD.HH:mm",
    ),
    (
        [_rule({"date": ["2024/02/30.10:00", "2024/03/01.10:00"]})],
        "[0].criteria.date[0] must be YYYY/MM/DD.HH:mm, a real date and time "
        "(got '2024/02/30.10:00').",
    ),
    (
        [_rule({"date": ["2024/12/31.23:59", "2024/01/01.00:00"]})],
        "[0].criteria.date[1] must not be before the start",
    ),
    (
        [_rule({"day": ["sunday"]})],
        '[0].criteria.day[0] must be a one-element array such as ["sunday"], not a string.',
    ),
    (
        [_rule({"day": [["sunday", "monday"]]})],
        '[0].criteria.day[0] must be a one-element array such as ["sunday"] (got 2 items).',
    ),
    ([_rule({"day": [["funday"]]})], "[0].criteria.day[0][0] must be one of sunday, monday"),
    ([_rule({"day": []})], "[0].criteria.day must hold at least one day."),
    ([_rule({"percent": 101})], "[0].criteria.percent must be at most 100 (got 101)."),
    ([_rule({"percent": -1})], "[0].criteria.percent must be at least 0 (got -1)."),
    ([_rule({"percent": "half"})], "[0].criteria.percent must be an integer, not a string."),
    ([_rule({"match": [["12a4"]]})], "[0].criteria.match[0][0] must be a digit pattern"),
    ([_rule({"match": [["1" * 33]]})], "[0].criteria.match[0][0] must be a digit pattern"),
    ([_rule({"npa": [["NEW"]]})], "[0].criteria.npa[0][0] must be a two-letter area code"),
    (
        [_rule({"pointcode": [["000-000-256", None]]})],
        "[0].criteria.pointcode[0][0] must be an ANSI point code",
    ),
    ([_rule({"pointcode": [["000-000-001"]]})], "[0].criteria.pointcode[0] must be a pair"),
    (
        [_rule({"pointcode": [["000-000-005", "000-000-004"]]})],
        "[0].criteria.pointcode[0][1] must not be below the start",
    ),
    (
        [_rule({"lata": [["Digits", None]]})],
        "[0].criteria.lata[0][1] must be a three-digit LATA number for 'Digits' (got null).",
    ),
    (
        [_rule({"lata": [["Intra", "123"]]})],
        "[0].criteria.lata[0][1] must be null for 'Intra' (got '123').",
    ),
    (
        [_rule({"lata": [["Outer", None]]})],
        "[0].criteria.lata[0][0] must be one of Digits, Intra, Inter",
    ),
    (
        [_rule({"lata": [["Digits", "12"]]})],
        "[0].criteria.lata[0][1] must be a three-digit LATA number",
    ),
    (
        [_rule({"zip": [["1234"]]})],
        "[0].criteria.zip[0][0] must be a five-digit ZIP code (got '1234').",
    ),
    ([_rule({"zip": [[12345]]})], "[0].criteria.zip[0][0] must be a string"),
    ([_rule(destination={})], "[0].destination must hold at least one of number, trunk"),
    ([_rule(destination={"queue": "x"})], "[0].destination has an unknown key 'queue'"),
    (
        [_rule(destination={"number": "555-1234"})],
        "[0].destination.number must be a telephone number",
    ),
    (
        [_rule(destination={"trunk": ["12345"]})],
        "[0].destination.trunk[0] must be a one-element array",
    ),
    (
        [_rule(destination={"trunk": [["T1"]]})],
        "[0].destination.trunk[0][0] must be a trunk group number",
    ),
    (
        [_rule(destination={"trunk_op": [["12345"]]})],
        '[0].destination.trunk_op[0] must be a pair ["<trunk>", "<number>"] (got 1 items).',
    ),
    (
        [_rule(destination={"trunk_op": [["12345", "abc"]]})],
        "[0].destination.trunk_op[0][1] must be a telephone number",
    ),
    ([_rule(destination={"sip": "example.com"})], "[0].destination.sip must be a SIP address"),
    ([_rule(destination={"continue": "no"})], "[0].destination.continue must be true or false"),
    ([_rule(destination={"terminate": 1})], "[0].destination.terminate must be true or false"),
    (
        [_rule(destination={"continue": True, "terminate": True})],
        "[0].destination cannot both continue and terminate.",
    ),
    (
        [_rule(destination={"rule": {}})],
        "[0].destination.rule must be a JSON array, not an object.",
    ),
    (
        [_rule(), _rule(destination={"rule": [_rule({"time": ["08:00", "24:00"]})]})],
        "[1].destination.rule[0].criteria.time[1] must be HH:mm",
    ),
    (
        [_rule(destination={"rule": [_rule(destination={"rule": [_rule({})]})]})],
        "[0].destination.rule[0].destination.rule[0].criteria must hold at least one criterion",
    ),
]


@pytest.mark.parametrize(("rules", "expected"), GRAMMAR_VIOLATIONS)
def test_a_rule_outside_the_grammar_is_refused_where_it_is_wrong(example, rules, expected):
    message = err(example.post(NUMBER_URL, {"number": "5550009", "rules": rules}), 400)
    assert message.startswith(f"Number(): Field 'rules' {expected}"), message
    assert example.get(f"{NUMBER_URL}/5550009")["data"] == []


def test_rules_as_a_string_must_be_json(example):
    message = err(example.post(NUMBER_URL, {"number": "5550009", "rules": "[{"}), 400)
    assert message.startswith("Number(): Field 'rules' is not valid JSON")
    escaped = json.dumps([_rule({"time": ["08:00", "99:00"]})])
    message = err(example.post(NUMBER_URL, {"number": "5550009", "rules": escaped}), 400)
    assert message.startswith("Number(): Field 'rules' [0].criteria.time[1] must be HH:mm")


def test_nested_rules_have_a_depth_limit(example):
    rules = [_rule()]
    for _ in range(8):
        rules = [_rule(destination={"rule": rules})]
    message = err(example.post(NUMBER_URL, {"number": "5550009", "rules": rules}), 400)
    assert "nests rules deeper than 8 levels" in message
    ok(example.post(NUMBER_URL, {"number": "5550010", "rules": rules[0]["destination"]["rule"]}))


def test_point_codes_follow_the_settings_format(example):
    itu = [_rule({"pointcode": [["1-234-5", None]]})]
    message = err(example.post(NUMBER_URL, {"number": "5550011", "rules": itu}), 400)
    assert "must be an ANSI point code" in message
    ok(example.put("settings/", {"routing_engine": {"point_code_format": "itu"}}))
    ok(example.post(NUMBER_URL, {"number": "5550011", "rules": itu}))
    ansi = [_rule({"pointcode": [["000-000-001", None]]})]
    message = err(example.post(NUMBER_URL, {"number": "5550012", "rules": ansi}), 400)
    assert "[0].criteria.pointcode[0][0] must be an ITU point code" in message


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("number", "123-456", "must be a telephone number"),
        ("timezone", "Mars/Olympus", "'Mars/Olympus' is not a known time zone"),
        ("timezone", ["GMT"], "must be a string, not an array."),
        ("subscriber_name", "nobody", "names a Subscriber 'exampleserviceprovider/nobody'"),
        ("params", {}, "is not a field of Number"),
    ],
)
def test_number_field_rules(example, field, value, fragment):
    body = {**json.loads(NUMBER_RAW), "number": "5550013", field: value}
    url = "number/exampleserviceprovider" if field == "subscriber_name" else NUMBER_URL
    message = err(example.post(url, body), 400)
    assert message.startswith(f"Number(): Field '{field}' "), message
    assert fragment in message, message


def test_number_is_unique_in_isna(example):
    ok(example.post(NUMBER_URL, raw=NUMBER_RAW))
    ok(example.post("subscriber/exampleserviceprovider", {"name": "other"}))
    body = {**json.loads(NUMBER_RAW), "subscriber_name": "other"}
    assert "number='1234567890'" in err(
        example.post("number/exampleserviceprovider/other", body), 409
    )


# -- archive, restore, scoping ---------------------------------------------------------


def test_archiving_a_subscriber_archives_its_numbers_and_restore_brings_them_back(example):
    ok(example.post(NUMBER_URL, raw=NUMBER_RAW))
    ok(example.post(NUMBER_URL, {"number": "5550020", "rules": [RULE]}))
    ok(example.delete("subscriber/exampleserviceprovider/examplesubscriber"), 205)
    assert example.get("number")["data"] == []
    archived = ok(example.get("number?archive=true"))["data"]
    assert sorted(r["attributes"]["number"] for r in archived) == ["1234567890", "5550020"]
    url = "subscriber/exampleserviceprovider/examplesubscriber?archive=true&restore=true"
    ok(example.delete(url), 205)
    assert attributes(example.get(f"{NUMBER_URL}/5550020"))["rules"] == [RULE]
    assert ok(example.get("number"))["meta"]["records_total"] == 2
    # Archive the provider: subscriber and numbers go too; purge removes them for good.
    ok(example.delete("service_provider/exampleserviceprovider"), 205)
    assert example.get("number")["data"] == []
    ok(example.delete("service_provider/exampleserviceprovider?archive=true"), 205)
    assert example.get("number?archive=true")["data"] == []
    assert example.get("subscriber?archive=true")["data"] == []


def test_a_service_provider_admin_cannot_see_another_s_numbers(owner, make_admin, isna):
    for sp in ("acme", "beta"):
        ok(owner.post("service_provider", {"name": sp}))
        ok(owner.post(f"subscriber/{sp}", {"name": "main"}))
        ok(owner.post(f"number/{sp}/main", {"number": "1000" if sp == "acme" else "2000"}))
    make_admin("acme_admin", "service_provider:acme", app="isna")
    acme = isna.as_("acme_admin")
    assert [r["attributes"]["number"] for r in ok(acme.get("number"))["data"]] == ["1000"]
    assert acme.get("number/beta")["data"] == []
    assert acme.get("number?search=number:2000")["data"] == []
    err(acme.get("number/beta/main/2000"), 403)
    err(acme.put("number/beta/main/2000", {"rules": []}), 403)
    ok(acme.put("number/acme/main/1000", {"rules": [RULE]}))
    make_admin("main_admin", "subscriber:beta:main", app="isna")
    beta_main = isna.as_("main_admin")
    assert [r["attributes"]["number"] for r in ok(beta_main.get("number"))["data"]] == ["2000"]
    ok(beta_main.post("number/beta/main", {"number": "2001"}))
    err(beta_main.get("number/acme/main/1000"), 403)


# -- CDRs ------------------------------------------------------------------------------


def test_cdrs(owner, engine):
    session = get_session_factory(engine)()
    model = ALL["isna"].objects["isna_cdr"].model
    now = dt.datetime(2024, 1, 1)
    for i, (sp, sub, ocn) in enumerate(
        [("acme", "a", "100"), ("acme", "a", "200"), ("beta", "b", "100")]
    ):
        session.add(
            model(
                created=now,
                modified=now,
                created_by="isna",
                modified_by="isna",
                original_called_number=ocn,
                called_number="555",
                calling_number="777",
                start_time=dt.datetime(2024, 5, 1, 10, i),
                end_time=dt.datetime(2024, 5, 1, 10, i, 30),
                route={"number": "555"},
                service_provider_name=sp,
                subscriber_name=sub,
                cdrs=[{"event": "start"}],
            )
        )
    session.commit()
    session.close()
    doc = ok(owner.get("isna_cdr"))
    assert doc["meta"]["records_total"] == 3
    assert set(doc["data"][0]["attributes"]) == {
        "original_called_number",
        "called_number",
        "calling_number",
        "start_time",
        "end_time",
        "route",
        "service_provider_name",
        "subscriber_name",
        "cdrs",
    }
    assert ok(owner.get("isna_cdr/acme"))["meta"]["records_total"] == 2
    assert ok(owner.get("isna_cdr/acme/a/100"))["meta"]["records_total"] == 1
    assert ok(owner.get("cdr?offset=0&limit=25&sort=start_time:asc"))["meta"]["records_total"] == 3
    assert "unknown column 'column'" in err(owner.get("cdr?offset=0&limit=25&sort=column:asc"), 400)


# -- settings, permission groups ---------------------------------------------------


def test_settings_defaults(owner):
    settings = attributes(owner.get("settings/"))
    expected = {
        "routing_engine_uri": "http://niu/isna-routing-engine",
        "default_route_on": "1",
        "application_username": "isna_application_manager",
        "routing_interface_impl": "com.imsworkx.routingEngine.callflow.HttpClient",
        "use_contact": True,
        "menu_destination": "12345",
        "branding": {
            "imsworkx": {
                "color_hue": 202,
                "highlight_hue": 198,
                "logo": "logo.png",
                "label": "Evolve Cellular Inc. ®",
            }
        },
        "routing_engine": {
            "egress_route": "127.0.0.1",
            "default_no_route_behavior": "404",
            "redirect_address": "",
            "point_code_format": "ansi",
            "sip_routing_prefix": "",
            "sip_connection_type": "redirect",
            "sip_play_media_on_error": True,
        },
    }
    for key, value in expected.items():
        assert settings[key] == value, key
    assert settings["restworkx"]["archive_max_days"] == 7
    assert settings["restworkx"]["audit_log_directory"].endswith("/isna/logs/audit-logs")
    assert settings["web_settings"]["number_mask"] == "{+DDD} (DDD) DDD-DDDD"
    assert settings["web_settings"]["password_length"] == 8
    assert settings["upload_directory"].endswith("/isna/media/upload")
    assert "menu_forwarding_configuration_file" not in settings


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"routing_engine": {"point_code_format": "iso"}}, "must be one of ansi, itu"),
        ({"routing_engine": {"sip_connection_type": "udp"}}, "redirect, proxy, refer"),
        ({"routing_engine": {"default_no_route_behavior": "200"}}, "SIP final response code"),
        (
            {"routing_engine": {"refer_timeout": 30}},
            "'routing_engine.refer_timeout' is not a setting",
        ),
        ({"use_contact": "yes"}, "must be true or false"),
        ({"menu_destination": "abc"}, "must be digits"),
        ({"default_route_on": "2"}, "must be '0' or '1'"),
        ({"routing_engine_uri": "http://elsewhere"}, "is set by the installer"),
        ({"screening_engine": {}}, "'screening_engine' is not a setting"),
    ],
)
def test_settings_are_validated(owner, change, fragment):
    message = err(owner.put("settings/", change), 400)
    assert fragment in message, message


def test_settings_change_is_kept(owner):
    attrs = attributes(
        owner.put(
            "settings/", {"use_contact": False, "routing_engine": {"egress_route": "10.0.0.1"}}
        )
    )
    assert attrs["use_contact"] is False
    assert attrs["routing_engine"]["egress_route"] == "10.0.0.1"
    assert attrs["routing_engine"]["point_code_format"] == "ansi"


def test_permission_groups(owner, isna):
    owner.post("service_provider", {"name": "exampleserviceprovider"})
    url = "administrator/service_provider:exampleserviceprovider"
    message = err(owner.post(url, {"username": "a1", "permissions": "default:platform_owner"}), 400)
    assert "group 'default:platform_owner' is not for the role service_provider" in message
    ok(owner.post(url, {"username": "a2", "permissions": "default:service_provider"}))
    assert set(ALL["isna"].groups) == {
        "default:platform_owner",
        "default:service_provider",
        "default:subscriber",
    }
