"""Table queries end to end (SPEC section 5) on lists of service providers and subscribers.

The data avoid what backends order differently (NULLs, mixed case under a
plain sort), so the same answers hold on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest

from .conftest import err, ok

SP = "service_provider"
ROWS = [
    {"name": "alpha", "display_name": "Zed", "first_name": "ann", "phone": "300", "notes": "x"},
    {"name": "bravo", "display_name": "yak", "first_name": "bob", "phone": "100", "notes": "buzz"},
    {"name": "charlie", "display_name": "Xray", "phone": "200", "email": "fizz@example.com"},
    {"name": "delta", "display_name": "walrus", "phone": "200", "address": "1 Main St"},
    {"name": "echo", "display_name": "Vole", "phone": "400"},
]


@pytest.fixture
def sps(owner):
    """The five service providers, and when each was created (as the API shows it)."""
    created = {}
    for row in ROWS:
        record = ok(owner.post(SP, row))["data"][0]
        created[row["name"]] = record["meta"]["created"]
    owner.created = created
    return owner


def listed(api, params, obj=SP) -> tuple[list[str], dict]:
    doc = ok(api.get(f"{obj}?{urlencode(params)}"))
    return [r["attributes"]["name"] for r in doc["data"]], doc["meta"]


def names(api, params, obj=SP) -> list[str]:
    return listed(api, params, obj)[0]


def refused(api, params) -> str:
    return err(api.get(f"{SP}?{urlencode(params)}"), 400)


# -- sort ----------------------------------------------------------------------------------


def test_default_order_is_the_key(sps):
    assert names(sps, {}) == ["alpha", "bravo", "charlie", "delta", "echo"]


def test_sort_both_directions(sps):
    assert names(sps, {"sort": "name ASC"}) == ["alpha", "bravo", "charlie", "delta", "echo"]
    assert names(sps, {"sort": "name DES"}) == ["echo", "delta", "charlie", "bravo", "alpha"]
    assert names(sps, {"sort": "name DESC"}) == ["echo", "delta", "charlie", "bravo", "alpha"]
    assert names(sps, {"sort": "name:desc"}) == ["echo", "delta", "charlie", "bravo", "alpha"]
    assert names(sps, {"sort": "phone:asc"}) == ["bravo", "charlie", "delta", "alpha", "echo"]


def test_sort_several_keys(sps):
    assert names(sps, {"sort": "phone ASC,name DES"}) == [
        "bravo",
        "delta",
        "charlie",
        "alpha",
        "echo",
    ]
    assert names(sps, {"sort": "phone DES, name ASC"}) == [
        "echo",
        "alpha",
        "charlie",
        "delta",
        "bravo",
    ]


def test_sort_on_created(sps):
    assert names(sps, {"sort": "created DES"}) == ["echo", "delta", "charlie", "bravo", "alpha"]


def test_sort_function(sps):
    expected = ["echo", "delta", "charlie", "bravo", "alpha"]  # vole walrus xray yak zed
    assert names(sps, {"sort_function": "lower:display_name"}) == expected
    assert names(sps, {"sort_function": "upper:display_name:desc"}) == expected[::-1]
    # Equal lengths fall back to the key order.
    assert names(sps, {"sort_function": "length:display_name"}) == [
        "alpha",
        "bravo",
        "charlie",
        "echo",
        "delta",
    ]
    # sort_function overrides sort.
    params = {"sort": "name DES", "sort_function": "lower:display_name"}
    assert names(sps, params) == expected


# -- search --------------------------------------------------------------------------------


def test_search_exact(sps):
    assert names(sps, {"search": "phone:200"}) == ["charlie", "delta"]
    assert names(sps, {"search": "phone:200,display_name:walrus"}) == ["delta"]
    assert names(sps, {"search": "display_name:Walrus"}) == []
    assert names(sps, {"search": "name:alpha"}) == ["alpha"]


def test_search_between_excludes_both_ends(sps):
    assert names(sps, {"search": "name:alpha:delta"}) == ["bravo", "charlie"]
    assert names(sps, {"search": "phone:100:300"}) == ["charlie", "delta"]
    assert names(sps, {"search": "phone:100:200"}) == []


def test_search_between_created_iso_datetimes(sps):
    created = sps.created
    low, high = created["alpha"], created["echo"]
    assert names(sps, {"search": f"created:{low}:{high}"}) == ["bravo", "charlie", "delta"]
    # ISO with a T and a zone; the database holds UTC.
    iso_low = dt.datetime.fromisoformat(low).isoformat() + "Z"
    iso_high = dt.datetime.fromisoformat(high).replace(tzinfo=dt.UTC)
    iso_high = iso_high.astimezone(dt.timezone(dt.timedelta(hours=2))).isoformat()
    assert "+02:00" in iso_high
    params = {"search": f"created:{iso_low}:{iso_high}"}
    assert names(sps, params) == ["bravo", "charlie", "delta"]
    # An exact datetime finds its record.
    assert names(sps, {"search": f"created:{created['charlie']}"}) == ["charlie"]
    # A wide window finds all; one in the past none.
    assert len(names(sps, {"search": "created:2000-01-01T00:00:00:2999-01-01T00:00:00"})) == 5
    assert names(sps, {"search": "created:2000-01-01:2000-01-02"}) == []


def test_search_combined_with_sort_and_paging(sps):
    doc_names, meta = listed(sps, {"search": "name:alpha:echo", "sort": "name DES", "limit": 2})
    assert doc_names == ["delta", "charlie"]
    assert (meta["records_total"], meta["records_shown"]) == (3, 2)


# -- like and icontains --------------------------------------------------------------------


def test_like_matches_any_string_field(sps):
    assert names(sps, {"like": "zz"}) == ["bravo", "charlie"]  # notes, email
    assert names(sps, {"like": "lrus"}) == ["delta"]  # display_name
    assert names(sps, {"like": "Main"}) == ["delta"]  # address
    assert names(sps, {"like": "har"}) == ["charlie"]  # name
    assert names(sps, {"like": "00"}) == ["alpha", "bravo", "charlie", "delta", "echo"]
    assert names(sps, {"like": "nothing here"}) == []


def test_icontains(sps):
    assert names(sps, {"icontains": "display_name:A"}) == ["bravo", "charlie", "delta"]
    assert names(sps, {"icontains": "display_name:ZE"}) == ["alpha"]
    assert names(sps, {"icontains": "display_name:a,first_name:B"}) == ["bravo"]


def test_exact_search_takes_precedence_over_icontains(sps):
    params = {"search": "display_name:Zed", "icontains": "display_name:walrus"}
    assert names(sps, params) == ["alpha"]
    # On another field both apply.
    params = {"search": "phone:200", "icontains": "display_name:RAY"}
    assert names(sps, params) == ["charlie"]


# -- paging --------------------------------------------------------------------------------


def test_limit_and_offset(sps):
    got, meta = listed(sps, {"limit": 2, "offset": 1})
    assert got == ["bravo", "charlie"]
    assert meta["records_total"] == 5
    assert meta["records_shown"] == 2
    assert meta["records_page_size"] == 2
    assert meta["records_page_offset"] == 1
    got, meta = listed(sps, {"limit": 2, "offset": 4})
    assert got == ["echo"]
    assert (meta["records_shown"], meta["records_page_offset"]) == (1, 4)
    got, meta = listed(sps, {"offset": 9})
    assert got == []
    assert (meta["records_total"], meta["records_shown"], meta["records_page_size"]) == (5, 0, 10)
    got, meta = listed(sps, {"limit": 0})
    assert got == []
    assert (meta["records_total"], meta["records_page_size"]) == (5, 0)


def test_default_limit_is_ten(owner):
    for i in range(12):
        ok(owner.post(SP, {"name": f"sp{i:02d}"}))
    got, meta = listed(owner, {})
    assert got == [f"sp{i:02d}" for i in range(10)]
    assert (meta["records_total"], meta["records_shown"], meta["records_page_size"]) == (12, 10, 10)
    got, meta = listed(owner, {"offset": 10})
    assert got == ["sp10", "sp11"]


# -- archive -------------------------------------------------------------------------------


def test_archive_listing(sps):
    ok(sps.delete(f"{SP}/echo"), 205)
    ok(sps.delete(f"{SP}/bravo"), 205)
    got, meta = listed(sps, {"archive": "true"})
    assert got == ["bravo", "echo"]
    assert meta["archive"] is True
    assert meta["records_total"] == 2
    got, meta = listed(sps, {})
    assert got == ["alpha", "charlie", "delta"]
    assert meta["archive"] is False
    # Queries apply to the archive too.
    assert names(sps, {"archive": "true", "search": "phone:400"}) == ["echo"]
    assert names(sps, {"archive": "true", "sort": "name DES"}) == ["echo", "bravo"]


# -- refusals ------------------------------------------------------------------------------


def test_unknown_column_is_a_400_naming_it(sps):
    for param, value in (
        ("sort", "colour ASC"),
        ("search", "colour:red"),
        ("icontains", "colour:red"),
        ("sort_function", "lower:colour"),
    ):
        message = refused(sps, {param: value})
        assert f"'{param}'" in message
        assert "unknown column 'colour'" in message


def test_malformed_parameters_are_a_400_naming_them(sps):
    cases = {
        "limit": "ten",
        "offset": "-1",
        "archive": "maybe",
        "sort": "name sideways",
        "search": "name",
        "sort_function": "reverse:name",
        "icontains": "name",
    }
    for param, value in cases.items():
        message = refused(sps, {param: value})
        assert f"'{param}'" in message, message
    assert "'limit'" in refused(sps, {"limit": 100000})
    assert "'search'" in refused(sps, {"search": "created:last week"})
    assert "Unknown query parameter 'colour'" in refused(sps, {"colour": "red"})


def test_subscriber_queries(sps):
    for name, manager in (("s1", True), ("s2", False), ("s3", True)):
        ok(sps.post("subscriber/alpha", {"name": name, "pin": "1234", "call_manager": manager}))
    ok(sps.post("subscriber/bravo", {"name": "s9", "pin": "1234", "call_manager": True}))
    assert names(sps, {"search": "call_manager:true"}, "subscriber/alpha") == ["s1", "s3"]
    assert names(sps, {"search": "call_manager:true"}, "subscriber") == ["s1", "s3", "s9"]
    got = names(sps, {"sort": "service_provider_name DES,name DES"}, "subscriber")
    assert got == ["s9", "s3", "s2", "s1"]
    doc = sps.get("subscriber/alpha?" + urlencode({"search": "schedules:x"}))
    assert "holds JSON" in err(doc, 400)
    doc = sps.get("subscriber/alpha?" + urlencode({"icontains": "call_manager:t"}))
    assert "'call_manager' is not a string field" in err(doc, 400)


# -- SQL metacharacters are data -----------------------------------------------------------

NASTY = "50% off_o'brien; --"


def test_sql_metacharacters_are_treated_literally(sps):
    ok(sps.post(SP, {"name": "nasty", "display_name": NASTY, "notes": "a_b"}))
    ok(sps.post(SP, {"name": "plain", "display_name": "50 offXo brien"}))
    assert names(sps, {"search": f"display_name:{NASTY}"}) == ["nasty"]
    assert names(sps, {"like": "%"}) == ["nasty"]
    assert names(sps, {"like": "_"}) == ["nasty"]
    assert names(sps, {"like": "'"}) == ["nasty"]
    assert names(sps, {"like": "; --"}) == ["nasty"]
    assert names(sps, {"like": "0% off_o"}) == ["nasty"]
    assert names(sps, {"icontains": "display_name:% OFF_"}) == ["nasty"]
    assert names(sps, {"icontains": "display_name:'"}) == ["nasty"]
    assert names(sps, {"search": "display_name:x' OR '1'='1"}) == []
    assert names(sps, {"search": "name:a';DROP TABLE ecf_service_provider;--"}) == []
    # Everything is still there.
    assert listed(sps, {"limit": 100})[1]["records_total"] == 7
