"""Every ECF example of seeds 000 and 003, replayed as written."""

from __future__ import annotations

import json

import webtest

from restworkx import main

from .conftest import PASSWORD, SP_BODY, err, ok

JSONAPI = {
    "version": "2.2-17",
    "name": "Enhanced Call Forwarding",
    "short_name": "ecf",
    "author": "IMSWorkX, Inc.",
}


def test_logging_in_answers_a_token(api, make_admin):
    make_admin("ecf_administrator")
    doc = api.post(
        "authenticate",
        raw=json.dumps({"username": "ecf_administrator", "password": PASSWORD}),
        headers={"Content-Type": "application/json"},
    )
    ok(doc)
    assert set(doc["data"][0]) == {"token"}
    assert len(doc["data"][0]["token"]) >= 32
    assert doc["jsonapi"] == JSONAPI


def test_incorrect_log_in_missing_password(api, make_admin):
    make_admin("ecf_administrator")
    # curl -X POST -d '{"username":"ecf_administrator"}' localhost/ecf/api/authenticate
    resp = api.testapp.post("/ecf/api/authenticate", '{"username":"ecf_administrator"}')
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


def test_wrong_password_and_unknown_user_read_the_same(api, make_admin):
    make_admin("ecf_administrator")
    a = api.post("authenticate", {"username": "ecf_administrator", "password": "wrong"})
    b = api.post("authenticate", {"username": "nobody", "password": "wrong"})
    assert a == b
    err(a, 401, "The username and password provided were not correct.")


def test_token_is_accepted_as_basic_and_bearer(api, make_admin):
    make_admin("owner")
    token = api.login("owner")
    for scheme in ("Basic", "Bearer"):
        resp = api.testapp.get(
            "/ecf/api/service_provider", headers={"Authorization": f"{scheme} {token}"}
        )
        ok(resp.json)
        assert resp.json["meta"]["authorization"] == f"{scheme} {token}"


def test_creating_an_object(owner):
    # The seed's body exactly, sent with -H "Content-Type:application/json".
    raw = (
        '{"name": "IMSWorkX", "display_name": "IMSWorkX", "first_name": "Jane", "last_name": '
        '"Doe", "email": "example@example.com", "address": "1 Main St. Rochester, NY", '
        '"phone": "5858675309", "notes": "more notes"}'
    )
    doc = ok(owner.post("service_provider", raw=raw, headers={"Content-Type": "application/json"}))
    record = doc["data"][0]
    assert record["scope"] == "service_provider"
    assert record["attributes"] == SP_BODY
    assert record["links"]["self"] == {
        "scope": "service_provider",
        "identifier": {"name": "IMSWorkX"},
        "uri": "/ecf/api/service_provider/IMSWorkX",
    }
    assert record["meta"]["created_by"] == "owner"
    assert record["meta"]["modified_by"] == "owner"


def test_accessing_an_object(owner):
    owner.post("service_provider", SP_BODY)
    doc = ok(owner.get("service_provider/IMSWorkX", headers={"Content-Type": "application/json"}))
    assert doc["meta"]["records_total"] == 1
    assert doc["data"][0]["attributes"]["name"] == "IMSWorkX"


def test_accessing_an_object_with_an_api_version(owner):
    owner.post("service_provider", SP_BODY)
    doc = ok(owner.get("2.0-3/service_provider/IMSWorkX"))
    assert doc["data"][0]["attributes"]["name"] == "IMSWorkX"


def test_modifying_an_object(owner):
    owner.post("service_provider", SP_BODY)
    doc = ok(
        owner.put(
            "service_provider/IMSWorkX",
            raw='{"first_name": "John", "last_name": "Smith"}',
            headers={"Content-Type": "application/json"},
        )
    )
    attributes = doc["data"][0]["attributes"]
    assert (attributes["first_name"], attributes["last_name"]) == ("John", "Smith")
    assert attributes["email"] == "example@example.com"
    again = owner.get("service_provider/IMSWorkX")["data"][0]["attributes"]
    assert again == attributes


def test_not_provisioned(owner):
    doc = owner.get("service_provider/service_test45")
    assert doc["meta"] == {
        "code": 200,
        "encoding": "ascii",
        "zoom": 0,
        "records_shown": 0,
        "records_total": 0,
        "scope": "success",
        "message": "",
        "archive": False,
        "authorization": f"Basic {owner.token}",
        "records_page_size": 1,
        "records_page_offset": 0,
    }
    assert doc["data"] == []


def test_object_does_not_exist(owner):
    err(owner.get("servi"), 404, "No object 'servi' exists.")


def test_required_field_missing(owner):
    # curl -X POST ... -d '{"last_name":"api_test"}' : no Content-Type at all.
    resp = owner.testapp.post(
        "/ecf/api/service_provider",
        '{"last_name":"api_test"}',
        headers={"Authorization": f"Basic {owner.token}"},
    )
    assert resp.status_int == 200
    err(resp.json, 400, "ServiceProvider(): Field 'name' is required, but missing.")


def test_no_method_at_endpoint(owner):
    resp = owner.testapp.request(
        "/ecf/api/service_provider/service_test45",
        method="GE",
        headers={"Authorization": f"Basic {owner.token}"},
        expect_errors=True,
    )
    assert resp.status_int == 405
    assert resp.headers["Allow"] == "GET, POST, PUT, DELETE"
    assert resp.body == b""


def test_successful_api_call(owner):
    owner.post("service_provider", SP_BODY)
    doc = owner.get("service_provider/")
    meta = doc["meta"]
    assert meta == {
        "code": 200,
        "encoding": "ascii",
        "zoom": 0,
        "records_page_offset": 0,
        "records_shown": 1,
        "records_total": 1,
        "scope": "success",
        "message": "",
        "archive": False,
        "authorization": f"Basic {owner.token}",
        "records_page_size": 10,
    }
    assert doc["jsonapi"] == JSONAPI


def test_unauthorized_action(owner, make_admin, api):
    owner.post("service_provider", {"name": "exampleserviceprovider"})
    make_admin("sp_admin", "service_provider:exampleserviceprovider")
    sp = api.as_("sp_admin")
    doc = sp.post("service_provider", {"name": "another"})
    assert doc == {
        "meta": {
            "scope": "exception",
            "message": "You do not have permission to perform that operation.",
            "code": 403,
            "encoding": "ascii",
        },
        "jsonapi": JSONAPI,
    }
    assert owner.get("service_provider/another")["data"] == []


def test_ecf_not_installed_is_a_plain_404(app_settings, engine):
    # An appliance with only ECF installed: ICR's URL is the web server's plain 404.
    only_ecf = webtest.TestApp(main({}, **{**app_settings, "restworkx.apps": "ecf"}))
    resp = only_ecf.post(
        "/icr/api/authenticate", '{"username":"u","password":"p"}', expect_errors=True
    )
    assert resp.status_int == 404
    assert resp.content_type == "text/html"
    assert "<title>404 Not Found</title>" in resp.text
    assert "The requested URL /icr/api/authenticate was not found on this server." in resp.text


def test_subscriber_example_body(owner):
    owner.post("service_provider", {"name": "exampleserviceprovider"})
    body = {
        "service_provider_name": "exampleserviceprovider",
        "name": "examplesubscriber",
        "pin": "1234",
        "timezone": "",
        "call_manager": False,
        "screening": {"active": True, "pin": "2222"},
        "account_lock": False,
        "first_name": "Jane",
        "last_name": "Doe",
        "display_name": "ExampleSubscriber",
        "phone": "5851234321",
        "address": "123 Main St",
        "email": "jdoe@example.com",
        "speed_call_numbers": [],
        "acceptance_lists": [],
        "schedules": [],
        "default_number": "1234567890",
        "params": [],
        "notes": "This is an example Subscriber.",
    }
    doc = ok(owner.post("subscriber/exampleserviceprovider", body))
    attributes = doc["data"][0]["attributes"]
    for key, value in body.items():
        assert attributes[key] == value, key
    assert attributes["forward_plan"] == []


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
    assert doc["meta"]["activation_token"]
    listed = owner.get("administrator/service_provider:exampleserviceprovider")
    assert [r["attributes"]["username"] for r in listed["data"]] == ["john_doe_admin"]


def test_cdr_query_from_the_seed_is_understood(owner):
    # /ecf/api/cdr?offset=0&limit=25&sort=column:asc names a column that CDRs lack.
    message = err(owner.get("service_provider?offset=0&limit=25&sort=column:asc"), 400)
    assert "unknown column 'column'" in message


def test_archive_restore_purge_subscriber(owner):
    owner.post("service_provider", {"name": "service_test"})
    owner.post("subscriber/service_test", {"name": "new_subscriber", "pin": "1234"})

    archived = owner.delete("subscriber/service_test/new_subscriber")
    assert archived["meta"]["code"] == 205
    assert archived["meta"]["message"] == "Record successfully archived or restored."
    assert archived["data"] == []
    assert owner.get("subscriber/service_test/new_subscriber")["data"] == []
    in_archive = owner.get("subscriber/service_test/new_subscriber?archive=true")
    assert in_archive["data"][0]["meta"]["archived"]

    restored = owner.delete("subscriber/service_test/new_subscriber?archive=true&restore=true")
    ok(restored, 205)
    assert owner.get("subscriber/service_test/new_subscriber")["meta"]["records_total"] == 1

    owner.delete("subscriber/service_test/new_subscriber")
    purged = owner.delete("subscriber/service_test/new_subscriber?archive=true")
    ok(purged, 205)
    assert purged["meta"]["message"] == "Record successfully archived or restored."
    assert owner.get("subscriber/service_test/new_subscriber?archive=true")["data"] == []
    err(owner.delete("subscriber/service_test/new_subscriber?archive=true&restore=true"), 404)


def test_settings_defaults(owner):
    doc = ok(owner.get("settings/"))
    settings = doc["data"][0]["attributes"]
    assert settings["ecf_settings"] == {
        "use_contact": True,
        "csr_location": "",
        "pin_max": 4,
        "pin_min": 4,
        "pin_retries": 3,
        "speed_call_max": 3,
        "pin_length": 4,
        "csv_retention_days": 30,
    }
    assert settings["restworkx"]["archive_max_days"] == 7
    assert settings["web_settings"]["password_length"] == 8
    assert settings["ecf_logging"]["rsyslog_protocol"] == "TCP"
    assert settings["email_settings"]["messages"]["activate"]["subject"] == "Activate Your Account"
    assert settings["security"] == {
        "client_cert": None,
        "client_key": None,
        "ca_bundle": None,
        "allow_insecure": False,
    }
