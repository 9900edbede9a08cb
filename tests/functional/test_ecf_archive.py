"""Archive, restore and purge with their cascades (SPEC 6, seed 003)."""

from __future__ import annotations

import pytest

from .conftest import err, ok

PIN = {"pin": "1234"}
DONE = "Record successfully archived or restored."


@pytest.fixture
def acme(owner, make_admin, api):
    for sp in ("acme", "other"):
        ok(owner.post("service_provider", {"name": sp}))
    for sp, sub in (("acme", "bob"), ("acme", "carol"), ("acme", "dave"), ("other", "eve")):
        ok(owner.post(f"subscriber/{sp}", {"name": sub, **PIN}))
    make_admin("sp_acme", "service_provider:acme")
    make_admin("sub_bob", "subscriber:acme:bob")
    make_admin("sp_other", "service_provider:other")
    return owner


def names(doc) -> set[str]:
    ok(doc)
    return {"/".join(r["links"]["self"]["identifier"].values()) for r in doc["data"]}


def archive(owner, path):
    doc = ok(owner.delete(path), 205)
    assert doc["meta"]["message"] == DONE
    assert doc["data"] == []
    return doc


def restore(owner, path):
    return ok(owner.delete(f"{path}?archive=true&restore=true"), 205)


def purge(owner, path):
    return ok(owner.delete(f"{path}?archive=true"), 205)


def test_archiving_a_provider_takes_its_subscribers_and_administrators(acme, api):
    sp, bob, other = api.as_("sp_acme"), api.as_("sub_bob"), api.as_("sp_other")
    archive(acme, "subscriber/acme/carol")  # on its own, earlier

    archive(acme, "service_provider/acme")
    assert names(acme.get("service_provider")) == {"other"}
    assert names(acme.get("subscriber")) == {"other/eve"}
    assert names(acme.get("administrator")) == {
        "platform_owner/owner",
        "service_provider:other/sp_other",
    }
    for session in (sp, bob):
        assert "not valid" in err(session.get("subscriber/acme"), 401)
    ok(other.get("subscriber/other"))  # other providers are untouched

    doc = acme.get("service_provider?archive=true")
    assert doc["meta"]["archive"] is True
    assert names(doc) == {"acme"}
    assert doc["data"][0]["meta"]["archived"]
    assert names(acme.get("subscriber?archive=true")) == {"acme/bob", "acme/carol", "acme/dave"}
    assert names(acme.get("subscriber/acme/bob?archive=true")) == {"acme/bob"}
    assert names(acme.get("administrator?archive=true")) == {
        "service_provider:acme/sp_acme",
        "subscriber:acme:bob/sub_bob",
    }

    # Restoring brings back exactly what went with it; carol went earlier, alone.
    restore(acme, "service_provider/acme")
    assert names(acme.get("subscriber/acme")) == {"acme/bob", "acme/dave"}
    assert names(acme.get("subscriber?archive=true")) == {"acme/carol"}
    assert names(acme.get("administrator/service_provider:acme")) == {
        "service_provider:acme/sp_acme"
    }
    assert names(acme.get("administrator/subscriber:acme:bob")) == {"subscriber:acme:bob/sub_bob"}
    assert names(acme.get("administrator?archive=true")) == set()
    # Old sessions stay dead; the restored administrators log in again.
    err(sp.get("subscriber/acme"), 401)
    assert names(api.as_("sp_acme").get("subscriber")) == {"acme/bob", "acme/dave"}


def test_archiving_a_subscriber_takes_its_administrators(acme, api):
    bob = api.as_("sub_bob")
    archive(acme, "subscriber/acme/bob")
    err(bob.get("subscriber/acme/bob"), 401)
    assert names(acme.get("administrator?archive=true")) == {"subscriber:acme:bob/sub_bob"}
    restore(acme, "subscriber/acme/bob")
    assert names(acme.get("administrator/subscriber:acme:bob")) == {"subscriber:acme:bob/sub_bob"}


def test_restoring_onto_a_live_key_is_409(acme):
    archive(acme, "subscriber/acme/bob")
    ok(acme.post("subscriber/acme", {"name": "bob", **PIN, "notes": "the new bob"}))
    message = err(acme.delete("subscriber/acme/bob?archive=true&restore=true"), 409)
    assert "bob" in message
    # Nothing moved.
    assert acme.get("subscriber/acme/bob")["data"][0]["attributes"]["notes"] == "the new bob"
    assert names(acme.get("subscriber/acme/bob?archive=true")) == {"acme/bob"}


def test_restoring_a_provider_onto_a_live_key_is_409(acme):
    archive(acme, "service_provider/acme")
    ok(acme.post("service_provider", {"name": "acme"}))
    err(acme.delete("service_provider/acme?archive=true&restore=true"), 409)
    assert names(acme.get("subscriber?archive=true")) == {"acme/bob", "acme/carol", "acme/dave"}


def test_restoring_when_something_archived_with_it_is_live_again_is_409(acme):
    archive(acme, "subscriber/acme/bob")  # takes sub_bob with it
    ok(acme.post("administrator/service_provider:acme", {"username": "sub_bob"}))
    assert "live" in err(acme.delete("subscriber/acme/bob?archive=true&restore=true"), 409)
    # All or nothing: bob and its administrator are still in the archive.
    assert names(acme.get("subscriber/acme/bob?archive=true")) == {"acme/bob"}
    assert names(acme.get("administrator?archive=true")) == {"subscriber:acme:bob/sub_bob"}
    assert names(acme.get("subscriber/acme/bob")) == set()


def test_archiving_when_the_archive_holds_the_key_is_409(acme):
    archive(acme, "subscriber/acme/bob")
    ok(acme.post("subscriber/acme", {"name": "bob", **PIN}))
    message = err(acme.delete("subscriber/acme/bob"), 409)
    assert "archive" in message and "bob" in message
    assert names(acme.get("subscriber/acme/bob")) == {"acme/bob"}


def test_archiving_a_provider_whose_subscriber_key_is_already_archived_is_409(acme):
    archive(acme, "subscriber/acme/bob")
    ok(acme.post("subscriber/acme", {"name": "bob", **PIN}))
    err(acme.delete("service_provider/acme"), 409)
    # Nothing was archived: the failed request left no half-done cascade.
    assert names(acme.get("service_provider/acme")) == {"acme"}
    assert names(acme.get("subscriber/acme")) == {"acme/bob", "acme/carol", "acme/dave"}


def test_restoring_a_subscriber_under_an_archived_provider_is_409(acme):
    archive(acme, "subscriber/acme/carol")
    archive(acme, "service_provider/acme")
    message = err(acme.delete("subscriber/acme/carol?archive=true&restore=true"), 409)
    assert "acme" in message and "restore it first" in message
    restore(acme, "service_provider/acme")
    restore(acme, "subscriber/acme/carol")
    assert names(acme.get("subscriber/acme")) == {"acme/bob", "acme/carol", "acme/dave"}


def test_purge_removes_the_root_and_what_went_with_it(acme, api):
    archive(acme, "subscriber/acme/carol")
    archive(acme, "service_provider/acme")
    purge(acme, "service_provider/acme")
    assert names(acme.get("service_provider?archive=true")) == set()
    assert names(acme.get("subscriber?archive=true")) == {"acme/carol"}
    assert names(acme.get("administrator?archive=true")) == set()
    err(acme.delete("service_provider/acme?archive=true&restore=true"), 404)
    # For good: the keys are free in both databases.
    ok(acme.post("service_provider", {"name": "acme"}))
    ok(acme.post("subscriber/acme", {"name": "bob", **PIN}))
    archive(acme, "subscriber/acme/bob")
    ok(acme.post("administrator/service_provider:acme", {"username": "sp_acme"}))
    err(api.post("authenticate", {"username": "sub_bob", "password": "correct horse battery"}), 401)


def test_purging_a_live_record_is_404(acme):
    message = err(acme.delete("subscriber/acme/bob?archive=true"), 404)
    assert "archive" in message
    assert names(acme.get("subscriber/acme/bob")) == {"acme/bob"}


@pytest.mark.parametrize(
    "query", ["", "?archive=true", "?archive=true&restore=true", "?archive=false"]
)
@pytest.mark.parametrize(
    "path", ["subscriber/acme/ghost", "service_provider/ghost", "administrator/platform_owner/x"]
)
def test_delete_of_a_missing_record_is_404_in_the_body(acme, path, query):
    resp = acme.testapp.delete(
        f"/ecf/api/{path}{query}", headers=acme.headers(), expect_errors=True
    )
    assert resp.status_int == 200
    err(resp.json, 404)


@pytest.mark.parametrize("query", ["?restore=true", "?archive=false&restore=true"])
def test_restore_without_archive_is_400(acme, query):
    message = err(acme.delete(f"subscriber/acme/bob{query}"), 400)
    assert "archive=true" in message
    assert names(acme.get("subscriber/acme/bob")) == {"acme/bob"}


def test_bad_archive_flag_is_400(acme):
    assert "archive" in err(acme.delete("subscriber/acme/bob?archive=maybe"), 400)


def test_live_and_archive_keys_are_separate(acme):
    archive(acme, "service_provider/other")
    ok(acme.post("service_provider", {"name": "other", "notes": "live"}))
    live = acme.get("service_provider/other")
    archived = acme.get("service_provider/other?archive=true")
    assert names(live) == names(archived) == {"other"}
    assert live["data"][0]["attributes"]["notes"] == "live"
    assert archived["data"][0]["attributes"]["notes"] is None
    assert live["meta"]["archive"] is False and archived["meta"]["archive"] is True
    # The archived eve stays archived: the new provider is empty.
    assert names(acme.get("subscriber/other")) == set()
    assert names(acme.get("subscriber/other?archive=true")) == {"other/eve"}


def test_archive_list_queries(acme):
    for sub in ("bob", "carol"):
        archive(acme, f"subscriber/acme/{sub}")
    doc = acme.get("subscriber/acme?archive=true&limit=1&sort=name DES")
    assert doc["meta"]["records_total"] == 2
    assert names(doc) == {"acme/carol"}


def test_sp_admin_archives_and_restores_inside_its_provider(acme, api):
    sp = api.as_("sp_acme")
    archive(sp, "subscriber/acme/bob")
    assert names(sp.get("subscriber?archive=true")) == {"acme/bob"}
    restore(sp, "subscriber/acme/bob")
    archive(sp, "subscriber/acme/bob")
    purge(sp, "subscriber/acme/bob")
    assert names(acme.get("subscriber?archive=true")) == set()
    err(sp.delete("service_provider/acme"), 403)
    err(sp.delete("subscriber/other/eve"), 403)
