"""Who may do what where (SPEC 4): a matrix of roles x endpoints x methods.

The world: service providers acme (subscribers bob, carol) and other (subscriber
eve), with administrators at every level. The three callers are the platform
owner, acme's service provider administrator and bob's subscriber administrator.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from restworkx.applications import ALL as ALL_APPS
from restworkx.auth.models import Token
from restworkx.auth.passwords import hash_password
from restworkx.auth.service import issue
from restworkx.db import Base
from restworkx.records.service import RecordService
from restworkx.security import token_hash
from restworkx.settings.service import SettingsService

from ..conftest import _empty_tables
from .conftest import PASSWORD, Api, err, ok

NOT_PERMITTED = "You do not have permission to perform that operation."
PIN = {"pin": "1234"}

ADMINS = {
    "sp_acme": "service_provider:acme",
    "sp_acme2": "service_provider:acme",
    "sub_bob": "subscriber:acme:bob",
    "sub_bob2": "subscriber:acme:bob",
    "sub_carol": "subscriber:acme:carol",
    "sp_other": "service_provider:other",
    "sub_eve": "subscriber:other:eve",
}
CALLERS = {"owner": "owner", "sp": "sp_acme", "sub": "sub_bob"}


def build_world(engine, app_settings) -> dict[str, str]:
    """The world through the record service, in one transaction; its tokens."""
    session = Session(engine)
    app = ALL_APPS["ecf"]
    records = RecordService(
        session,
        app,
        "installer",
        lambda: SettingsService(session, app, app_settings).effective(),
    )
    objects = app.objects
    for sp in ("acme", "other"):
        records.create(objects["service_provider"], {"name": sp, "notes": f"{sp} notes"}, {})
    for sp, sub in (("acme", "bob"), ("acme", "carol"), ("other", "eve")):
        records.create(objects["subscriber"], {"name": sub, **PIN}, {"service_provider_name": sp})
    password_hash = hash_password(PASSWORD)
    tokens = {}
    for username, role_id in {"owner": "platform_owner", **ADMINS}.items():
        admin = records.create(
            objects["administrator"], {"username": username, "role_id": role_id}, {}
        ).record
        admin.password_hash = password_hash
        tokens[username] = issue(session, "ecf", admin.id, "session")
    session.commit()
    session.close()
    return tokens


@pytest.fixture(scope="module")
def snapshot(engine, app_settings):
    """Built once, then copied back row for row before every case: each case gets
    a fresh world (the same tokens included) for the price of a few INSERTs."""
    tokens = build_world(engine, app_settings)
    with engine.connect() as conn:
        rows = {
            t.name: [dict(r) for r in conn.execute(t.select()).mappings()]
            for t in Base.metadata.sorted_tables
        }
    _empty_tables(engine)
    return tokens, rows


@pytest.fixture
def world(snapshot, engine, testapp) -> dict[str, Api]:
    tokens, rows = snapshot
    with engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            if rows[table.name]:
                conn.execute(table.insert(), rows[table.name])
    out = {}
    for role, username in CALLERS.items():
        out[role] = Api(testapp)
        out[role].token = tokens[username]
    return out


def ids(doc) -> set[str]:
    return {"/".join(r["links"]["self"]["identifier"].values()) for r in doc["data"]}


# -- the matrix ----------------------------------------------------------------
# expected: an int is the body's code (403 also checks the documented message),
# a set is a list answer holding exactly those records (records_total agrees).
ALL = ("owner", "sp", "sub")
EVERYONE_SP = {"acme", "other"}
ACME_SUBS = {"acme/bob", "acme/carol"}
ADMIN_ALL = {"platform_owner/owner", *(f"{r}/{u}" for u, r in ADMINS.items())}
ADMIN_ACME = {f"{r}/{u}" for u, r in ADMINS.items() if r.split(":")[1] == "acme"}
ADMIN_BOB = {"subscriber:acme:bob/sub_bob", "subscriber:acme:bob/sub_bob2"}


def case(method, path, body, owner, sp, sub):
    return [
        pytest.param(role, method, path, body, want, id=f"{role}-{method}-{path}")
        for role, want in zip(ALL, (owner, sp, sub), strict=True)
    ]


MATRIX = [
    # service_provider, list
    *case("GET", "service_provider", None, EVERYONE_SP, {"acme"}, {"acme"}),
    *case("POST", "service_provider", {"name": "newsp"}, 200, 403, 403),
    *case("PUT", "service_provider", {"name": "newsp"}, 405, 405, 405),
    *case("DELETE", "service_provider", None, 405, 405, 405),
    # service_provider, item (own)
    *case("GET", "service_provider/acme", None, {"acme"}, {"acme"}, {"acme"}),
    *case("POST", "service_provider/acme", {}, 409, 403, 403),
    *case("PUT", "service_provider/acme", {"notes": "edited"}, 200, 200, 403),
    *case("PUT", "service_provider/newsp", {"notes": "created"}, 200, 403, 403),
    *case("DELETE", "service_provider/acme", None, 205, 403, 403),
    # service_provider, item (another provider)
    *case("GET", "service_provider/other", None, {"other"}, 403, 403),
    *case("PUT", "service_provider/other", {"notes": "x"}, 200, 403, 403),
    *case("DELETE", "service_provider/other", None, 205, 403, 403),
    # subscriber, list
    *case("GET", "subscriber", None, {*ACME_SUBS, "other/eve"}, ACME_SUBS, {"acme/bob"}),
    *case(
        "POST",
        "subscriber",
        {"service_provider_name": "acme", "name": "dave", **PIN},
        200,
        200,
        403,
    ),
    *case(
        "POST",
        "subscriber",
        {"service_provider_name": "other", "name": "dave", **PIN},
        200,
        403,
        403,
    ),
    *case("PUT", "subscriber", {}, 405, 405, 405),
    *case("DELETE", "subscriber", None, 405, 405, 405),
    # subscriber, partial path
    *case("GET", "subscriber/acme", None, ACME_SUBS, ACME_SUBS, {"acme/bob"}),
    *case("GET", "subscriber/other", None, {"other/eve"}, set(), set()),
    *case("GET", "subscriber/nosuchsp", None, set(), set(), set()),
    *case("POST", "subscriber/acme", {"name": "dave", **PIN}, 200, 200, 403),
    *case("POST", "subscriber/other", {"name": "dave", **PIN}, 200, 403, 403),
    *case("PUT", "subscriber/acme", {}, 405, 405, 405),
    *case("DELETE", "subscriber/acme", None, 405, 405, 405),
    # subscriber, item
    *case("GET", "subscriber/acme/bob", None, {"acme/bob"}, {"acme/bob"}, {"acme/bob"}),
    *case("PUT", "subscriber/acme/bob", {"notes": "edited"}, 200, 200, 200),
    *case("DELETE", "subscriber/acme/bob", None, 205, 205, 403),
    *case("POST", "subscriber/acme/dave", PIN, 200, 200, 403),
    *case("GET", "subscriber/acme/carol", None, {"acme/carol"}, {"acme/carol"}, 403),
    *case("PUT", "subscriber/acme/carol", {"notes": "x"}, 200, 200, 403),
    *case("DELETE", "subscriber/acme/carol", None, 205, 205, 403),
    *case("PUT", "subscriber/acme/dave", PIN, 200, 200, 403),
    *case("GET", "subscriber/other/eve", None, {"other/eve"}, 403, 403),
    *case("PUT", "subscriber/other/eve", {"notes": "x"}, 200, 403, 403),
    *case("DELETE", "subscriber/other/eve", None, 205, 403, 403),
    # administrator, lists
    *case("GET", "administrator", None, ADMIN_ALL, ADMIN_ACME, ADMIN_BOB),
    *case(
        "GET",
        "administrator/service_provider:acme",
        None,
        {"service_provider:acme/sp_acme", "service_provider:acme/sp_acme2"},
        {"service_provider:acme/sp_acme", "service_provider:acme/sp_acme2"},
        set(),
    ),
    *case("GET", "administrator/subscriber:acme:bob", None, ADMIN_BOB, ADMIN_BOB, ADMIN_BOB),
    *case(
        "GET",
        "administrator/subscriber:acme:carol",
        None,
        {"subscriber:acme:carol/sub_carol"},
        {"subscriber:acme:carol/sub_carol"},
        set(),
    ),
    *case("GET", "administrator/platform_owner", None, {"platform_owner/owner"}, set(), set()),
    *case(
        "GET",
        "administrator/service_provider:other",
        None,
        {"service_provider:other/sp_other"},
        set(),
        set(),
    ),
    *case("POST", "administrator/service_provider:acme", {"username": "new"}, 200, 200, 403),
    *case("POST", "administrator/subscriber:acme:bob", {"username": "new"}, 200, 200, 200),
    *case("POST", "administrator/subscriber:acme:carol", {"username": "new"}, 200, 200, 403),
    *case("POST", "administrator/platform_owner", {"username": "new"}, 200, 403, 403),
    *case("POST", "administrator/service_provider:other", {"username": "new"}, 200, 403, 403),
    *case(
        "POST",
        "administrator",
        {"username": "new", "role_id": "service_provider:other"},
        200,
        403,
        403,
    ),
    *case("PUT", "administrator/service_provider:acme", {}, 405, 405, 405),
    *case("DELETE", "administrator/service_provider:acme", None, 405, 405, 405),
    # administrator, items
    *case(
        "GET",
        "administrator/subscriber:acme:bob/sub_bob2",
        None,
        {"subscriber:acme:bob/sub_bob2"},
        {"subscriber:acme:bob/sub_bob2"},
        {"subscriber:acme:bob/sub_bob2"},
    ),
    *case("PUT", "administrator/subscriber:acme:bob/sub_bob2", {"first_name": "B"}, 200, 200, 200),
    *case("DELETE", "administrator/subscriber:acme:bob/sub_bob2", None, 205, 205, 205),
    *case(
        "GET",
        "administrator/service_provider:acme/sp_acme2",
        None,
        {"service_provider:acme/sp_acme2"},
        {"service_provider:acme/sp_acme2"},
        403,
    ),
    *case(
        "PUT", "administrator/service_provider:acme/sp_acme2", {"first_name": "S"}, 200, 200, 403
    ),
    *case("DELETE", "administrator/service_provider:acme/sp_acme2", None, 205, 205, 403),
    *case("GET", "administrator/subscriber:acme:carol/sub_carol", None, 200, 200, 403),
    *case("GET", "administrator/platform_owner/owner", None, 200, 403, 403),
    *case("GET", "administrator/service_provider:other/sp_other", None, 200, 403, 403),
    *case(
        "PUT", "administrator/service_provider:other/sp_other", {"last_name": "x"}, 200, 403, 403
    ),
    *case("DELETE", "administrator/service_provider:other/sp_other", None, 205, 403, 403),
    # administrator, reset
    *case("POST", "administrator/subscriber:acme:bob/sub_bob2/reset", None, 200, 200, 200),
    *case("POST", "administrator/service_provider:acme/sp_acme2/reset", None, 200, 200, 403),
    *case("POST", "administrator/service_provider:other/sp_other/reset", None, 200, 403, 403),
    *case("POST", "administrator/platform_owner/owner/reset", None, 200, 403, 403),
    *case("GET", "administrator/subscriber:acme:bob/sub_bob2/reset", None, 405, 405, 405),
    *case("PUT", "administrator/subscriber:acme:bob/sub_bob2/reset", {}, 405, 405, 405),
    *case("DELETE", "administrator/subscriber:acme:bob/sub_bob2/reset", None, 405, 405, 405),
    # settings
    *case("GET", "settings", None, 200, 200, 200),
    *case("PUT", "settings", {"web_settings": {"help_page": "http://example.com"}}, 200, 403, 403),
    *case("POST", "settings", {}, 405, 405, 405),
    *case("DELETE", "settings", None, 405, 405, 405),
]


@pytest.mark.parametrize(("role", "method", "path", "body", "want"), MATRIX)
def test_scope_matrix(world, role, method, path, body, want):
    caller = world[role]
    doc = caller.call(method, path, body)
    if want == 405:
        assert doc.status_int == 405, doc
        assert doc.headers["Allow"]
        return
    if want == 403:
        err(doc, 403, NOT_PERMITTED)
        return
    if isinstance(want, set):
        ok(doc)
        assert ids(doc) == want
        assert doc["meta"]["records_total"] == len(want)
        return
    if want >= 400:
        err(doc, want)
        return
    ok(doc, want)
    if method == "POST" and path.endswith("/reset"):
        assert doc["data"][0]["token"]
    elif method in ("POST", "PUT"):
        assert len(doc["data"]) == 1


# -- refused writes change nothing -------------------------------------------------
@pytest.mark.parametrize(
    ("role", "method", "path", "body", "check", "before"),
    [
        ("sp", "POST", "service_provider", {"name": "newsp"}, "service_provider/newsp", None),
        ("sub", "PUT", "service_provider/acme", {"notes": "x"}, "service_provider/acme", "acme"),
        ("sp", "DELETE", "service_provider/acme", None, "service_provider/acme", "acme"),
        (
            "sp",
            "POST",
            "subscriber",
            {"service_provider_name": "other", "name": "dave", **PIN},
            "subscriber/other/dave",
            None,
        ),
        ("sp", "PUT", "subscriber/other/eve", {"notes": "x"}, "subscriber/other/eve", "other/eve"),
        ("sp", "PUT", "subscriber/other/dave", PIN, "subscriber/other/dave", None),
        ("sub", "DELETE", "subscriber/acme/carol", None, "subscriber/acme/carol", "acme/carol"),
        (
            "sp",
            "POST",
            "administrator",
            {"username": "new", "role_id": "platform_owner"},
            "administrator/platform_owner/new",
            None,
        ),
    ],
)
def test_refused_writes_change_nothing(world, role, method, path, body, check, before):
    owner = world["owner"]
    snapshot = owner.get(check)
    err(world[role].call(method, path, body), 403, NOT_PERMITTED)
    after = owner.get(check)
    assert after == snapshot
    assert ids(after) == ({before} if before else set())


def test_sp_admin_post_subscriber_for_other_provider_creates_nothing(world):
    body = {"service_provider_name": "other", "name": "dave", **PIN}
    err(world["sp"].post("subscriber", body), 403, NOT_PERMITTED)
    err(world["sp"].post("subscriber/acme", body), 400)
    assert world["owner"].get("subscriber/other")["meta"]["records_total"] == 1
    assert world["owner"].get("subscriber?search=name:dave")["data"] == []


# -- nothing outside the scope is revealed ----------------------------------------
HIDDEN = [
    # (role, path of an existing record outside the caller's scope, path of a missing one)
    ("sp", "service_provider/other", "service_provider/ghost"),
    ("sp", "subscriber/other/eve", "subscriber/other/ghost"),
    ("sp", "administrator/service_provider:other/sp_other", "administrator/service_provider:x/y"),
    ("sp", "administrator/platform_owner/owner", "administrator/platform_owner/ghost"),
    ("sub", "subscriber/acme/carol", "subscriber/acme/ghost"),
    ("sub", "subscriber/other/eve", "subscriber/other/ghost"),
    ("sub", "administrator/service_provider:acme/sp_acme", "administrator/service_provider:acme/g"),
    ("sub", "administrator/subscriber:acme:carol/sub_carol", "administrator/subscriber:acme:c/g"),
    ("sub", "administrator/platform_owner/owner", "administrator/platform_owner/ghost"),
]


def _calls(path):
    return [
        ("GET", path, None),
        ("GET", path + "?archive=true", None),
        ("PUT", path, {"notes": "x"} if "administrator" not in path else {"first_name": "x"}),
        ("DELETE", path, None),
        ("DELETE", path + "?archive=true", None),
        ("DELETE", path + "?archive=true&restore=true", None),
        ("POST", path, {}),
    ] + ([("POST", path + "/reset", None)] if path.startswith("administrator") else [])


@pytest.mark.parametrize(("role", "existing", "missing"), HIDDEN)
def test_out_of_scope_reads_like_missing(world, role, existing, missing):
    caller = world[role]
    for (method, a, body), (_, b, _) in zip(_calls(existing), _calls(missing), strict=True):
        got_a, got_b = caller.call(method, a, body), caller.call(method, b, body)
        assert got_a == got_b, (method, a, got_a, got_b)
        assert got_a["meta"]["code"] == 403, (method, a, got_a)


def test_archived_out_of_scope_record_reads_like_missing(world):
    ok(world["owner"].delete("subscriber/other/eve"), 205)
    sp = world["sp"]
    for path in ("subscriber/other/eve?archive=true", "subscriber/other?archive=true"):
        ghost = path.replace("eve", "ghost")
        assert sp.get(path) == sp.get(ghost)
    doc = ok(sp.get("subscriber?archive=true"))
    assert doc["data"] == [] and doc["meta"]["records_total"] == 0


def test_lists_count_only_visible_records(world):
    doc = ok(world["sp"].get("subscriber?limit=1"))
    assert doc["meta"]["records_total"] == 2
    assert doc["meta"]["records_shown"] == 1
    doc = ok(world["sp"].get("subscriber/other"))
    assert doc["data"] == [] and doc["meta"]["records_total"] == 0
    # Queries cannot widen the scope either.
    doc = ok(world["sp"].get("subscriber?search=service_provider_name:other"))
    assert doc["data"] == [] and doc["meta"]["records_total"] == 0
    doc = ok(world["sub"].get("subscriber?like=car"))
    assert ids(doc) == set()
    doc = ok(world["sub"].get("subscriber?like=b"))
    assert ids(doc) == {"acme/bob"}


def test_other_providers_admin_sees_only_its_own(world, api):
    other = api.as_("sp_other")
    assert ids(other.get("subscriber")) == {"other/eve"}
    assert ids(other.get("service_provider")) == {"other"}
    err(other.get("subscriber/acme/bob"), 403, NOT_PERMITTED)
    eve = api.as_("sub_eve")
    assert ids(eve.get("subscriber")) == {"other/eve"}
    assert ids(eve.get("administrator")) == {"subscriber:other:eve/sub_eve"}


def test_sp_admin_cannot_escalate_its_own_permissions(world):
    sp = world["sp"]
    doc = sp.put(
        "administrator/service_provider:acme/sp_acme2", {"permissions": ["default:platform_owner"]}
    )
    assert "permissions" in err(doc, 400)


# -- authentication failures -------------------------------------------------------
UNAUTH = [
    ("GET", "service_provider", None),
    ("POST", "service_provider", {"name": "x"}),
    ("GET", "service_provider/acme", None),
    ("PUT", "subscriber/acme/bob", {"notes": "x"}),
    ("DELETE", "subscriber/acme/bob", None),
    ("GET", "administrator", None),
    ("GET", "settings", None),
    ("PUT", "settings", {}),
]


def _messages(world, token):
    api = world["owner"]
    out = set()
    for method, path, body in UNAUTH:
        doc = api.call(method, path, body, token=token) if token else None
        if token is None:
            resp = api.testapp.request(
                api.url(path),
                method=method,
                body=b"" if body is None else json.dumps(body).encode(),
                expect_errors=True,
            )
            doc = resp.json
        out.add(err(doc, 401))
    assert len(out) == 1, out
    return out.pop()


def test_missing_unknown_and_expired_tokens_say_which(world, engine):
    missing = _messages(world, None)
    assert "token" in missing.lower() and "authorization" in missing.lower()

    unknown = _messages(world, "x" * 43)
    assert "not valid" in unknown

    token = world["sp"].token
    with Session(engine) as s:
        s.execute(
            update(Token)
            .where(Token.token_hash == token_hash(token))
            .values(expires_at=dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(1))
        )
        s.commit()
    expired = _messages(world, token)
    assert "expired" in expired

    assert len({missing, unknown, expired}) == 3
    # The owner's token is untouched.
    ok(world["owner"].get("service_provider"))


def test_malformed_authorization_header_is_401(world):
    resp = world["owner"].testapp.get(
        "/ecf/api/service_provider", headers={"Authorization": "Token abc"}, expect_errors=True
    )
    assert "Authorization" in err(resp.json, 401)
