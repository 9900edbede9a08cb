"""ECF settings (SPEC section 8): read by every role, deep-merged by the platform owner."""

from __future__ import annotations

import pytest
import webtest

from restworkx import main

from .conftest import Api, err, ok

MASK = "********"


def settings(api) -> dict:
    return ok(api.get("settings/"))["data"][0]["attributes"]


def put(api, change) -> dict:
    return api.put("settings/", change)


@pytest.fixture
def roles(owner, make_admin, api):
    """One caller per role: platform owner, service provider and subscriber administrators."""
    ok(owner.post("service_provider", {"name": "sp1"}))
    ok(owner.post("subscriber/sp1", {"name": "s1", "pin": "1234"}))
    make_admin("sp_admin", "service_provider:sp1")
    make_admin("sub_admin", "subscriber:sp1:s1")
    return {"owner": owner, "sp": api.as_("sp_admin"), "sub": api.as_("sub_admin")}


def test_every_role_reads_the_settings(roles):
    docs = {role: settings(caller) for role, caller in roles.items()}
    assert docs["owner"] == docs["sp"] == docs["sub"]
    assert docs["sp"]["ecf_settings"]["pin_min"] == 4
    assert docs["sub"]["web_settings"]["password_length"] == 8


def test_settings_need_a_token(api):
    assert err(api.get("settings/"), 401)


def test_only_the_platform_owner_changes_settings(roles):
    for role in ("sp", "sub"):
        doc = put(roles[role], {"ecf_settings": {"speed_call_max": 9}})
        assert err(doc, 403) == "You do not have permission to perform that operation."
    assert settings(roles["owner"])["ecf_settings"]["speed_call_max"] == 3


def test_put_deep_merges(owner):
    before = settings(owner)
    doc = ok(put(owner, {"ecf_settings": {"speed_call_max": 7}}))
    after = doc["data"][0]["attributes"]
    expected = {**before, "ecf_settings": {**before["ecf_settings"], "speed_call_max": 7}}
    assert after == expected
    assert settings(owner) == expected
    # A second change keeps the first.
    ok(put(owner, {"branding": {"imsworkx": {"label": "Acme"}}, "restworkx": {"log_duration": 3}}))
    now = settings(owner)
    assert now["ecf_settings"]["speed_call_max"] == 7
    assert now["branding"]["imsworkx"] == {**before["branding"]["imsworkx"], "label": "Acme"}
    assert now["restworkx"] == {**before["restworkx"], "log_duration": 3}


def test_new_branding_appearances_may_be_added(owner):
    look = {"color_hue": 10, "highlight_hue": 20, "logo": "acme.png", "label": "Acme"}
    ok(put(owner, {"branding": {"acme": look}}))
    branding = settings(owner)["branding"]
    assert branding["acme"] == look
    assert branding["imsworkx"]["color_hue"] == 202


def test_numeric_strings_are_coerced(owner):
    doc = ok(
        put(owner, {"restworkx": {"archive_max_days": "14"}, "ecf_settings": {"pin_max": "6"}})
    )
    attributes = doc["data"][0]["attributes"]
    assert attributes["restworkx"]["archive_max_days"] == 14
    assert attributes["ecf_settings"]["pin_max"] == 6
    assert settings(owner)["restworkx"]["archive_max_days"] == 14
    # The seed's own example sends hues as strings.
    ok(put(owner, {"branding": {"imsworkx": {"color_hue": "120"}}}))
    assert settings(owner)["branding"]["imsworkx"]["color_hue"] == 120


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"ecf_settings": {"speed_call_max": "many"}},
            "Settings(): Field 'ecf_settings.speed_call_max' must be an integer, not a string.",
        ),
        (
            {"ecf_settings": {"use_contact": "yes"}},
            "Settings(): Field 'ecf_settings.use_contact' must be true or false, not a string.",
        ),
        (
            {"web_settings": {"password_length": 0}},
            "Settings(): Field 'web_settings.password_length' must be at least 1 (got 0).",
        ),
        (
            {"branding": {"imsworkx": {"color_hue": 361}}},
            "Settings(): Field 'branding.imsworkx.color_hue' must be at most 360 (got 361).",
        ),
        (
            {"email_settings": {"messages": {"recover": {"subject": 5}}}},
            "Settings(): Field 'email_settings.messages.recover.subject' must be a string, "
            "not a number.",
        ),
        (
            {"routing_engine": {"point_code_format": "ascii"}},
            "Settings(): Field 'routing_engine.point_code_format' must be one of ansi, itu "
            "(got 'ascii').",
        ),
        (
            {"ecf_settings": 5},
            "Settings(): Field 'ecf_settings' must be a JSON object, not a number.",
        ),
    ],
)
def test_wrong_types_name_the_dotted_key(owner, change, message):
    before = settings(owner)
    assert err(put(owner, change), 400) == message
    assert settings(owner) == before


def test_unknown_keys_are_refused(owner):
    before = settings(owner)
    assert err(put(owner, {"colour": "red"}), 400) == "Settings(): Field 'colour' is not a setting."
    message = err(put(owner, {"ecf_settings": {"colour": "red"}}), 400)
    assert message.startswith("Settings(): Field 'ecf_settings.colour' is not a setting (allowed: ")
    assert "allowed: allowed" not in message and "pin_max" in message
    assert settings(owner) == before


def test_body_must_be_a_json_object(owner):
    assert "must be a JSON object" in err(put(owner, [1]), 400)
    assert "not valid JSON" in err(owner.put("settings/", raw="{"), 400)


@pytest.mark.parametrize(
    "change",
    [
        {"upload_directory": "/tmp/elsewhere"},
        {"download_directory": "/"},
        {"application_password": "guess"},
        {"restworkx": {"audit_log_directory": "/tmp/audit"}},
    ],
)
def test_installer_keys_are_refused(owner, change):
    before = settings(owner)
    message = err(put(owner, change), 400)
    assert "is set by the installer and cannot be changed through the API." in message
    assert settings(owner) == before


def test_installer_keys_may_be_echoed_unchanged(owner):
    current = settings(owner)
    doc = put(owner, {**current, "ecf_settings": {**current["ecf_settings"], "pin_retries": 5}})
    assert ok(doc)["data"][0]["attributes"]["ecf_settings"]["pin_retries"] == 5
    assert settings(owner)["upload_directory"] == current["upload_directory"]


def test_secrets_are_masked_and_the_mask_keeps_them(owner, engine, app_settings):
    from restworkx.applications import ALL
    from restworkx.db import get_session_factory
    from restworkx.settings.service import SettingsService

    def stored():
        session = get_session_factory(engine)()
        try:
            return SettingsService(session, ALL["ecf"], app_settings).effective()
        finally:
            session.close()

    # Empty secrets show as empty; set ones never in clear.
    assert settings(owner)["email_settings"]["password"] == ""
    doc = ok(put(owner, {"email_settings": {"password": "s3cret!", "host": "mail.example.com"}}))
    assert doc["data"][0]["attributes"]["email_settings"]["password"] == MASK
    assert "s3cret!" not in str(doc)
    assert settings(owner)["email_settings"]["password"] == MASK
    assert stored()["email_settings"]["password"] == "s3cret!"
    # Echoing the whole document back, mask included, keeps the stored secret.
    current = settings(owner)
    current["email_settings"]["user"] = "mailer"
    ok(put(owner, current))
    assert stored()["email_settings"]["password"] == "s3cret!"
    assert stored()["email_settings"]["user"] == "mailer"
    # A new value replaces it; an empty one clears it.
    ok(put(owner, {"email_settings": {"password": "other"}}))
    assert stored()["email_settings"]["password"] == "other"
    ok(put(owner, {"email_settings": {"password": ""}}))
    assert stored()["email_settings"]["password"] == ""
    assert settings(owner)["email_settings"]["password"] == ""


def test_application_password_is_masked(make_admin, app_settings, testapp):
    other = main({}, **{**app_settings, "restworkx.ecf.application_password": "im5_wrkX"})
    api = Api(webtest.TestApp(other))
    make_admin("owner")
    owner = api.as_("owner")
    current = settings(owner)
    assert current["application_password"] == MASK
    assert "im5_wrkX" not in str(owner.get("settings/"))
    # Echoing the mask back is not an attempt to change an installer key.
    ok(put(owner, {"application_password": MASK, "web_settings": {"help_page": "http://x"}}))
    assert settings(owner)["web_settings"]["help_page"] == "http://x"


def test_password_length_applies_when_activating(owner, api):
    doc = ok(owner.post("administrator/platform_owner", {"username": "newbie"}))
    token = doc["meta"]["activation_token"]
    ok(put(owner, {"web_settings": {"password_length": 12}}))
    short = {"username": "newbie", "token": token, "password": "elevenchars"}
    message = err(api.post("activate", short), 400)
    assert message == (
        "Administrator(): Field 'password' must be at least 12 characters "
        "(web_settings.password_length)."
    )
    # The token is not used up by the refusal.
    ok(api.post("activate", {**short, "password": "twelve chars"}))
    assert api.login("newbie", "twelve chars")


def test_password_length_default_is_eight(owner, api):
    doc = ok(owner.post("administrator/platform_owner", {"username": "newbie"}))
    token = doc["meta"]["activation_token"]
    assert "at least 8" in err(
        api.post("activate", {"username": "newbie", "token": token, "password": "seven77"}), 400
    )
    ok(api.post("activate", {"username": "newbie", "token": token, "password": "eight888"}))
