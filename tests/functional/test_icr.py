"""ICR (seed 001): every object, path, rule, cascade, permission group and override."""

from __future__ import annotations

import io
import json
import wave

import pytest

from .conftest import Api, err, ok

SP = {
    "display_name": "IMSWorkX",
    "name": "imsworkx",
    "notes": "Some more notes",
    "address": "1 Main St.\u21b5Rochester, NY",
    "email": "example@example.com",
    "first_name": "Jane",
    "last_name": "Doe",
    "phone": "5858675309",
}
RULES = [
    {
        "label": "rule_name",
        "criteria": {"always": True},
        "destination": {"number": ["1112223333"], "parameters": {}},
    }
]


def wav_bytes(frames: int = 800) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x01" * frames)
    return buf.getvalue()


@pytest.fixture
def icr(testapp, make_admin) -> Api:
    make_admin("owner", app="icr")
    api = Api(testapp, "icr").as_("owner")
    ok(api.post("service_provider", SP))
    ok(api.post("subscriber/imsworkx", {"name": "examplesubscriber"}))
    return api


def login(testapp, make_admin, username, role_id, permissions=None) -> Api:
    make_admin(username, role_id, app="icr", permissions=permissions)
    return Api(testapp, "icr").as_(username)


def test_service_provider_example_and_lowercase_names(icr):
    attrs = icr.get("service_provider/imsworkx")["data"][0]["attributes"]
    assert attrs["address"] == "1 Main St.\u21b5Rochester, NY"
    assert attrs["legacy_service_provider_id"] is None
    msg = err(icr.post("service_provider", {"name": "IMSWorkX"}), 400)
    assert msg.startswith("ServiceProvider(): Field 'name' may contain only lowercase")
    ok(icr.post("service_provider", {"name": "legacy", "legacy_service_provider_id": {}}))
    ok(icr.post("service_provider", {"name": "legacy2", "legacy_service_provider_id": "12"}))
    assert (
        icr.get("service_provider/legacy2")["data"][0]["attributes"]["legacy_service_provider_id"]
        == 12
    )
    err(icr.post("service_provider", {"name": "x", "legacy_service_provider_id": "abc"}), 400)
    err(icr.post("subscriber/imsworkx", {"name": "Upper"}), 400)


def test_modifying_a_service_provider(icr):
    doc = ok(icr.put("service_provider/imsworkx", {"first_name": "John", "last_name": "Smith"}))
    assert doc["data"][0]["attributes"]["first_name"] == "John"


def test_subscriber_example(icr):
    body = {
        "first_name": "Jane",
        "last_name": "Doe",
        "display_name": "ExampleSubscriber",
        "name": "other",
        "notes": "n",
        "phone": "5851234321",
        "address": "123 Main St",
        "email": "jdoe@example.com",
        "legacy_subscriber_id": "",
        "service_provider_name": "imsworkx",
    }
    attrs = ok(icr.post("subscriber/imsworkx", body))["data"][0]["attributes"]
    assert attrs["legacy_subscriber_id"] is None and attrs["display_name"] == "ExampleSubscriber"


def test_number_example_and_every_path(icr):
    body = {
        "timezone": "CST",
        "params": "",
        "number": "5851239876",
        "subscriber_name": "examplesubscriber",
        "service_provider_name": "imsworkx",
    }
    attrs = ok(icr.post("number/imsworkx/examplesubscriber", body))["data"][0]["attributes"]
    assert attrs["params"] == {} and attrs["timezone"] == "CST"
    ok(
        icr.post(
            "number/imsworkx",
            {
                "number": "5851230000",
                "timezone": "America/Chicago",
                "subscriber_name": "examplesubscriber",
            },
        )
    )
    assert icr.get("number")["meta"]["records_total"] == 2
    assert icr.get("number/imsworkx")["meta"]["records_total"] == 2
    assert icr.get("number/imsworkx/examplesubscriber")["meta"]["records_total"] == 2
    assert icr.get("number/imsworkx/examplesubscriber/5851239876")["meta"]["records_total"] == 1
    err(
        icr.post("number/imsworkx/examplesubscriber", {"number": "5851239876", "timezone": "CST"}),
        409,
    )
    assert "timezone" in err(
        icr.post("number/imsworkx/examplesubscriber", {"number": "1", "timezone": "Mars/Base"}), 400
    )
    assert "'number'" in err(
        icr.post("number/imsworkx/examplesubscriber", {"number": "abc", "timezone": "CST"}), 400
    )
    ok(icr.put("number/imsworkx/examplesubscriber/5851239876", {"params": {"a": 1}}))


def test_call_plan_seed_example(icr):
    body = {
        "service_provider_name": "imsworkx",
        "display_name": "ExampleCallPlan",
        "name": "examplecallplan",
        "subscriber_name": "examplesubscriber",
        # The seed's escaped rules lack the rule's closing brace: a clear 400.
        "rules": '[{"label":"rule_name","criteria":{"always":true},"destination":'
        '{"number":["1112223333"],"parameters":{}}]',
        "timeout": "30",
        "far_end_pickup_destination_type": "NUMBER",
        "far_end_pickup_destination_values": '{"number":"5551231234"}',
    }
    msg = err(icr.post("call_plan/imsworkx/examplesubscriber", body), 400)
    assert msg.startswith("CallPlan(): Field 'rules' is not valid JSON")
    body["rules"] = json.dumps(RULES)
    attrs = ok(icr.post("call_plan/imsworkx/examplesubscriber", body))["data"][0]["attributes"]
    assert attrs["rules"] == RULES
    assert attrs["timeout"] == 30
    assert attrs["far_end_pickup_destination_values"] == {"number": "5551231234"}
    for path in (
        "call_plan/imsworkx",
        "call_plan/imsworkx/examplesubscriber",
        "call_plan/imsworkx/examplesubscriber/examplecallplan",
    ):
        assert icr.get(path)["meta"]["records_total"] == 1, path


def test_call_plan_defaults_and_rules(icr):
    attrs = ok(icr.post("call_plan/imsworkx/examplesubscriber", {"name": "p"}))["data"][0][
        "attributes"
    ]
    assert attrs["timeout"] == 30
    assert attrs["far_end_pickup_destination_type"] == "NONE"
    assert attrs["far_end_pickup_destination_values"] == {}
    nested = [
        {
            "label": "New Rule",
            "criteria": {"always": True},
            "destination": {
                "number": ["1112223333"],
                "route_advance": {
                    "number": ["2223334444"],
                    "route_advance": {"number": ["3334445555"]},
                },
            },
            "parameters": {},
        }
    ]
    ok(icr.put("call_plan/imsworkx/examplesubscriber/p", {"rules": nested}))
    bad = json.loads(json.dumps(nested))
    bad[0]["destination"]["route_advance"]["route_advance"]["number"] = ["12ab"]
    msg = err(icr.put("call_plan/imsworkx/examplesubscriber/p", {"rules": bad}), 400)
    assert "[0].destination.route_advance.route_advance.number[0]" in msg
    msg = err(
        icr.put(
            "call_plan/imsworkx/examplesubscriber/p",
            {"rules": [{"label": "x", "criteria": {"always": True}, "destination": {}}]},
        ),
        400,
    )
    assert "[0].destination needs a target" in msg
    msg = err(icr.put("call_plan/imsworkx/examplesubscriber/p", {"rules": [{"label": "x"}]}), 400)
    assert "needs the key 'criteria'" in msg
    assert "far_end_pickup_destination_type" in err(
        icr.put(
            "call_plan/imsworkx/examplesubscriber/p", {"far_end_pickup_destination_type": "FAX"}
        ),
        400,
    )
    assert "far_end_pickup_destination_values" in err(
        icr.put(
            "call_plan/imsworkx/examplesubscriber/p",
            {
                "far_end_pickup_destination_type": "NUMBER",
                "far_end_pickup_destination_values": {"number": "abc"},
            },
        ),
        400,
    )
    # A type of NONE with a destination left over is refused, whichever field changed.
    plan = "call_plan/imsworkx/examplesubscriber/p"
    ok(
        icr.put(
            plan,
            {
                "far_end_pickup_destination_type": "NUMBER",
                "far_end_pickup_destination_values": {"number": "5551231234"},
            },
        )
    )
    message = err(icr.put(plan, {"far_end_pickup_destination_type": "NONE"}), 400)
    assert "must be {} when far_end_pickup_destination_type is NONE" in message
    assert icr.get(plan)["data"][0]["attributes"]["far_end_pickup_destination_type"] == "NUMBER"
    for timeout in (0, 3601, "x"):
        err(icr.put("call_plan/imsworkx/examplesubscriber/p", {"timeout": timeout}), 400)
    err(icr.post("call_plan/imsworkx/nobody", {"name": "q"}), 400)


def test_constraint(icr):
    body = {
        "type": "REQUIRE",
        "description": "Requires the destination to have a 315 area code.",
        "value": "1315xxxxxxx",
        "label": "Require315",
        "service_provider_name": "imsworkx",
    }
    ok(icr.post("constraint/imsworkx", body))
    assert (
        icr.get("constraint/imsworkx/Require315")["data"][0]["attributes"]["value"] == "1315xxxxxxx"
    )
    err(icr.post("constraint/imsworkx", body), 409)
    assert "regular expression" in err(
        icr.post("constraint/imsworkx", {"label": "bad", "value": "(unclosed"}), 400
    )
    assert "REQUIRE, BLOCK" in err(
        icr.post("constraint/imsworkx", {"label": "t", "value": "1", "type": "ALLOW"}), 400
    )
    assert (
        icr.post("constraint/imsworkx", {"label": "dflt", "value": "1"})["data"][0]["attributes"][
            "type"
        ]
        == "REQUIRE"
    )


def test_routing_table_every_path(icr):
    ok(
        icr.post(
            "call_plan/imsworkx/examplesubscriber", {"name": "ExampleCallPlan", "rules": RULES}
        )
    )
    body = {
        "priority": "10",
        "call_plan_name": "ExampleCallPlan",
        "number": "5851231234",
        "call_plan_service_provider_name": "imsworkx",
        "call_plan_subscriber_name": "examplesubscriber",
        "call_plan_display_name": "ExampleCallPlan",
    }
    attrs = ok(icr.post("routing_table/imsworkx", body))["data"][0]["attributes"]
    assert attrs["priority"] == 10
    ok(
        icr.post(
            "routing_table/imsworkx/examplesubscriber/ExampleCallPlan", {"number": "5850000000"}
        )
    )
    assert (
        icr.get("routing_table/imsworkx/examplesubscriber/ExampleCallPlan/5850000000")["data"][0][
            "attributes"
        ]["priority"]
        == 0
    )
    for path in (
        "routing_table",
        "routing_table/imsworkx",
        "routing_table/imsworkx/examplesubscriber",
        "routing_table/imsworkx/examplesubscriber/ExampleCallPlan",
    ):
        assert icr.get(path)["meta"]["records_total"] == 2, path
    item = "routing_table/imsworkx/examplesubscriber/ExampleCallPlan/5851231234"
    ok(icr.put(item, {"priority": 99}))
    for bad in (-1, 100):
        assert "priority" in err(icr.put(item, {"priority": bad}), 400)
    msg = err(icr.post("routing_table/imsworkx/examplesubscriber/nope", {"number": "1"}), 400)
    assert "CallPlan" in msg and "does not exist" in msg
    ok(icr.delete(item), 205)


def test_cascades(icr):
    ok(icr.post("number/imsworkx/examplesubscriber", {"number": "5551", "timezone": "CST"}))
    ok(icr.post("call_plan/imsworkx/examplesubscriber", {"name": "cp", "rules": RULES}))
    ok(icr.post("routing_table/imsworkx/examplesubscriber/cp", {"number": "5551"}))
    # A call plan takes its routing table entries with it.
    ok(icr.delete("call_plan/imsworkx/examplesubscriber/cp"), 205)
    assert icr.get("routing_table")["meta"]["records_total"] == 0
    ok(icr.delete("call_plan/imsworkx/examplesubscriber/cp?archive=true&restore=true"), 205)
    assert icr.get("routing_table")["meta"]["records_total"] == 1
    # A subscriber takes its numbers, call plans and routing entries.
    ok(icr.delete("subscriber/imsworkx/examplesubscriber"), 205)
    for obj in ("number", "call_plan", "routing_table"):
        assert icr.get(obj)["meta"]["records_total"] == 0, obj
        assert icr.get(f"{obj}?archive=true")["meta"]["records_total"] == 1, obj
    ok(icr.delete("subscriber/imsworkx/examplesubscriber?archive=true&restore=true"), 205)
    for obj in ("number", "call_plan", "routing_table"):
        assert icr.get(obj)["meta"]["records_total"] == 1, obj


def _multipart(api, path, data, fields=None, filename="Hello.wav"):
    resp = api.testapp.post(
        api.url(path),
        params=fields or {},
        upload_files=[("file", filename, data)],
        headers=api.headers(),
        expect_errors=True,
    )
    return resp.json


def test_audio_upload_download_and_search(icr):
    data = wav_bytes()
    doc = ok(
        _multipart(
            icr,
            "audio/imsworkx",
            data,
            {"label": "Hello", "server": "lab-niu01.lab.redcom.com", "location": "/temp/audio"},
        )
    )
    attrs = doc["data"][0]["attributes"]
    assert attrs == {
        "service_provider_name": "imsworkx",
        "file": "Hello.wav",
        "server": "lab-niu01.lab.redcom.com",
        "location": "/temp/audio",
        "label": "Hello",
        "size": len(data),
    }
    resp = icr.testapp.get("/icr/api/audio/imsworkx/Hello.wav", headers=icr.headers())
    assert resp.content_type == "audio/wav" and resp.body == data
    meta = icr.get("audio/imsworkx/Hello.wav?metadata=true")
    assert meta["data"][0]["attributes"]["label"] == "Hello"
    # A raw body on the item path, fields as query parameters.
    raw = icr.testapp.post(
        "/icr/api/audio/imsworkx/Bye.wav?label=Bye",
        data,
        headers={**icr.headers(), "Content-Type": "audio/wav"},
    ).json
    assert ok(raw)["data"][0]["attributes"]["location"] == "/icr/api/audio/imsworkx/Bye.wav"
    listed = icr.get("audio/imsworkx?regex=file:^.*?.wav$&sort=file%20ASC")
    assert [r["attributes"]["file"] for r in listed["data"]] == ["Bye.wav", "Hello.wav"]
    assert "content" not in listed["data"][0]["attributes"]
    ok(icr.put("audio/imsworkx/Hello.wav", {"label": "Greeting"}))
    assert (
        icr.get("audio/imsworkx/Hello.wav?metadata=true")["data"][0]["attributes"]["label"]
        == "Greeting"
    )
    err(icr.put("audio/imsworkx/Hello.wav", {"size": 1}), 400)
    ok(icr.delete("audio/imsworkx/Hello.wav"), 205)
    assert icr.get("audio/imsworkx/Hello.wav")["data"] == []


def test_audio_must_really_be_wav(icr):
    msg = err(_multipart(icr, "audio/imsworkx", b"ID3\x03not a wav at all"), 400)
    assert msg == "Audio(): Field 'file' is not a WAV file (no RIFF/WAVE header)."
    truncated = wav_bytes()[:30]
    assert "not a WAV file" in err(_multipart(icr, "audio/imsworkx", truncated), 400)
    assert ".wav" in err(_multipart(icr, "audio/imsworkx", wav_bytes(), filename="x.mp3"), 400)
    msg = err(icr.post("audio/imsworkx", {"file": "a.wav"}), 400)
    assert "upload the file's bytes" in msg
    assert icr.get("audio")["meta"]["records_total"] == 0


def test_audio_permission_groups(icr, testapp, make_admin):
    ok(_multipart(icr, "audio/imsworkx", wav_bytes()))
    plain = login(testapp, make_admin, "plain", "service_provider:imsworkx")
    err(plain.get("audio/imsworkx/Hello.wav?metadata=true"), 403)
    viewer = login(
        testapp,
        make_admin,
        "viewer",
        "service_provider:imsworkx",
        ["default:service_provider", "icr_view_audio"],
    )
    resp = testapp.get("/icr/api/audio/imsworkx/Hello.wav", headers=viewer.headers())
    assert resp.content_type == "audio/wav"
    assert viewer.get("audio/imsworkx")["meta"]["records_total"] == 1
    err(_multipart(viewer, "audio/imsworkx", wav_bytes(), filename="v.wav"), 403)
    provisioner = login(
        testapp,
        make_admin,
        "prov",
        "service_provider:imsworkx",
        ["default:service_provider", "icr_provision_audio"],
    )
    ok(_multipart(provisioner, "audio/imsworkx", wav_bytes(), filename="p.wav"))


def test_view_subscriber_group(icr, testapp, make_admin):
    reader = login(testapp, make_admin, "reader", "service_provider:imsworkx", ["view_subscriber"])
    assert reader.get("subscriber/imsworkx")["meta"]["records_total"] == 1
    err(reader.post("subscriber/imsworkx", {"name": "new"}), 403)
    err(reader.get("number/imsworkx"), 403)
    unknown = icr.post(
        "administrator/service_provider:imsworkx",
        {"username": "u", "permissions": ["no_such_group"]},
    )
    assert "unknown permission group" in err(unknown, 400)
    wrong_role = icr.post(
        "administrator/service_provider:imsworkx",
        {"username": "u", "permissions": ["alter_platform_owner_user"]},
    )
    assert "not for the role" in err(wrong_role, 400)


def test_settings_defaults_and_sources_config(icr):
    settings = ok(icr.get("settings/"))["data"][0]["attributes"]
    assert settings["web_settings"]["number_mask"] == "{+ddd }(ddd) ddd-dddd"
    assert settings["icr"]["csv_retention_days"] == 30
    assert settings["routing_engine"]["called_sources_config"][1]["source"] == "request_uri"
    assert settings["__override__"] == {}
    good = [
        {
            "source": "hdr.diversion",
            "policy": {"heuristic_digits": "as-is"},
            "post": [
                {"type": "strip_prefix", "prefix": "9"},
                {"type": "extract_substring", "range": [0, 10]},
                {"type": "default_cc", "country_code": "1"},
                {"type": "require_digits", "min_length": 10},
            ],
        }
    ]
    ok(icr.put("settings/", {"routing_engine": {"calling_sources_config": good}}))
    for bad, where in (
        ({"source": "hdr.via"}, "source"),
        ({"source": "hdr.to", "policy": {"heuristic_digits": "all"}}, "heuristic_digits"),
        ({"source": "hdr.to", "post": [{"type": "reverse"}]}, "type"),
        ({"source": "hdr.to", "post": [{"type": "extract_substring", "range": [5, 2]}]}, "range"),
        (
            {"source": "hdr.to", "post": [{"type": "set_cc", "country_code": "1234"}]},
            "country_code",
        ),
    ):
        msg = err(icr.put("settings/", {"routing_engine": {"called_sources_config": [bad]}}), 400)
        assert "routing_engine.called_sources_config" in msg and where in msg, msg


def test_override_lets_a_provider_set_its_own_value(icr, testapp, make_admin):
    ok(icr.post("service_provider", {"name": "other"}))
    sp = login(testapp, make_admin, "spadmin", "service_provider:imsworkx")
    # Not open yet: the provider is refused.
    err(sp.put("settings/", {"web_settings": {"password_length": 12}}), 403)
    ok(
        icr.put(
            "settings/", {"settings": {"__override__": {"web_settings": {"password_length": True}}}}
        )
    )
    assert "no service provider override" in err(
        icr.put("settings/", {"__override__": {"icr": {"strip_prefix": True}}}), 400
    )
    ok(sp.put("settings/", {"web_settings": {"password_length": 12}}))
    err(sp.put("settings/", {"web_settings": {"help_page": "http://x"}}), 403)
    err(sp.put("settings/", {"web_settings": {"password_length": "long"}}), 400)
    assert sp.get("settings/")["data"][0]["attributes"]["web_settings"]["password_length"] == 12
    assert icr.get("settings/")["data"][0]["attributes"]["web_settings"]["password_length"] == 8
    other = login(testapp, make_admin, "otheradmin", "service_provider:other")
    assert other.get("settings/")["data"][0]["attributes"]["web_settings"]["password_length"] == 8
    # The override takes effect: an administrator of the provider needs 12 characters.
    token = sp.post("administrator/service_provider:imsworkx", {"username": "newbie"})["meta"][
        "activation_token"
    ]
    short = sp.post("activate", {"username": "newbie", "token": token, "password": "ten chars!"})
    assert "at least 12" in err(short, 400)
    ok(sp.post("activate", {"username": "newbie", "token": token, "password": "twelve chars!"}))
    # Closing the override brings the platform value back.
    ok(icr.put("settings/", {"__override__": {"web_settings": {"password_length": False}}}))
    assert sp.get("settings/")["data"][0]["attributes"]["web_settings"]["password_length"] == 8


def test_icr_is_its_own_world(icr, testapp, make_admin):
    make_admin("ecfowner")
    ecf = Api(testapp, "ecf").as_("ecfowner")
    assert ecf.get("service_provider")["meta"]["records_total"] == 0
    # An ECF token means nothing to ICR.
    msg = err(Api(testapp, "icr").get("service_provider", token=ecf.token), 401)
    assert "not valid" in msg
