"""Pages of records: what the parametrised, prepared list statements answer.

Every page is checked against the order and filter worked out here in Python, so
the deferred join (the page's ids, then their rows), the statements shared by
queries of one shape and the count cache's rule are held to the documented
behaviour on both backends.
"""

from __future__ import annotations

import pytest

from restworkx import db
from restworkx.records import service, totals

from .conftest import held_reader_row, ok

# Capitalised ASCII: collations agree on their order (the patterns' case varies instead).
FIRST = ["Ann", "Anna", "Joanna", "John", "Mark", "Zoe", "Elodie", "Hannah", None, "Jo_e"]
LAST = ["Smith", "Jones", None, "Adams", "Brown", "Smith", "Clark", "Diaz", "Evans", "Fox"]


@pytest.fixture
def people(owner):
    owner.post("service_provider", {"name": "acme"})
    owner.post("service_provider", {"name": "zeta"})
    made = []
    for i in range(23):
        body = {"name": f"s{i:02d}", "pin": "1234"}
        if FIRST[i % 10] is not None:
            body["first_name"] = FIRST[i % 10]
        if LAST[(i * 3) % 10] is not None:
            body["last_name"] = LAST[(i * 3) % 10]
        sp = "acme" if i % 4 else "zeta"
        ok(owner.post(f"subscriber/{sp}", body))
        made.append({**body, "service_provider_name": sp})
    return owner, made


def names(doc) -> list[str]:
    return [r["attributes"]["name"] for r in doc["data"]]


def _key(value):
    # Empty values last ascending, first descending (queries._direction).
    return value is None, value or ""


def expected(made, *, sp=None, contains=None, sort=None, desc=False):
    rows = [r for r in made if sp is None or r["service_provider_name"] == sp]
    if contains:
        field, frag = contains
        rows = [r for r in rows if frag.lower() in (r.get(field) or "").lower()]
    rows.sort(key=lambda r: (r["service_provider_name"], r["name"]))
    if sort:
        rows.sort(key=lambda r: _key(r.get(sort)), reverse=desc)
    return rows


CASES = [
    ({}, {}),
    ({"sp": "acme"}, {}),
    ({"sp": "acme", "contains": ("first_name", "ann")}, {"icontains": "first_name:ANN"}),
    ({"sp": "acme", "contains": ("first_name", "_")}, {"icontains": "first_name:_"}),
    ({"sort": "last_name"}, {"sort": "last_name ASC"}),
    ({"sp": "acme", "sort": "last_name", "desc": True}, {"sort": "last_name:desc"}),
    (
        {"sp": "acme", "sort": "first_name", "contains": ("first_name", "o")},
        {"sort": "first_name ASC", "icontains": "first_name:o"},
    ),
    ({"sort": "name", "desc": True}, {"sort": "name DESC"}),
]


@pytest.mark.parametrize(("want", "params"), CASES)
@pytest.mark.parametrize(("limit", "offset"), [(10, 0), (4, 3), (5, 20), (0, 0)])
def test_pages_follow_the_filter_and_the_order(people, want, params, limit, offset):
    owner, made = people
    rows = expected(made, **want)
    path = "subscriber" + (f"/{want['sp']}" if "sp" in want else "")
    query = "&".join(f"{k}={v}" for k, v in {**params, "limit": limit, "offset": offset}.items())
    doc = ok(owner.get(f"{path}?{query}"))
    assert doc["meta"]["records_total"] == len(rows)
    assert names(doc) == [r["name"] for r in rows][offset : offset + limit]
    # The same shape with other values shares the statements and still answers right.
    if "sp" in want:
        other = ok(owner.get(f"subscriber/zeta?{query}"))
        assert other["meta"]["records_total"] == len(expected(made, **{**want, "sp": "zeta"}))


def test_a_page_holds_whole_records(people):
    owner, _made = people
    page = ok(owner.get("subscriber/acme?limit=1&sort=name DESC"))["data"][0]
    one = ok(owner.get(f"subscriber/acme/{page['attributes']['name']}"))["data"][0]
    assert page == one


def test_like_and_search_bind_their_values(people):
    owner, made = people
    doc = ok(owner.get("subscriber?like=Jo_e&limit=50"))
    assert names(doc) == [r["name"] for r in expected(made, contains=("first_name", "Jo_e"))]
    doc = ok(owner.get("subscriber?search=name:s05&limit=50"))
    assert names(doc) == ["s05"]
    assert ok(owner.get("subscriber?search=name:s99"))["meta"]["records_total"] == 0


@pytest.fixture
def small_cache(monkeypatch):
    monkeypatch.setattr(service, "COUNT_CACHE_MIN", 10)
    monkeypatch.setattr(service, "COUNT_CACHE_SECONDS", 60.0)
    monkeypatch.setattr(totals, "_table", totals.Totals(64))  # as a fresh server's
    service._COUNTS.clear()
    db._CHANGES_SEEN.clear()
    yield
    service._COUNTS.clear()
    db._CHANGES_SEEN.clear()


def forget_totals():
    service._COUNTS.clear()
    totals._table = totals.Totals(64)  # small_cache puts the server's own back


def test_counts_that_test_many_candidates_are_kept(people, small_cache):
    owner, _made = people
    url = "subscriber/acme?icontains=first_name:zoe&limit=0"
    before = ok(owner.get(url))["meta"]["records_total"]
    # acme holds 17 subscribers (>= COUNT_CACHE_MIN candidates): the total is kept...
    ok(owner.post("subscriber/acme", {"name": "new1", "pin": "1234", "first_name": "Zoe"}))
    assert ok(owner.get(url))["meta"]["records_total"] == before
    # ...until it is forgotten (expired, in every process).
    forget_totals()
    assert ok(owner.get(url))["meta"]["records_total"] == before + 1


def test_counts_over_few_candidates_are_exact(people, small_cache):
    owner, _made = people
    url = "subscriber/zeta?icontains=first_name:zoe&limit=0"  # zeta: 6 subscribers
    before = ok(owner.get(url))["meta"]["records_total"]
    ok(owner.post("subscriber/zeta", {"name": "new2", "pin": "1234", "first_name": "Zoe"}))
    assert ok(owner.get(url))["meta"]["records_total"] == before + 1


def test_an_expired_total_is_recounted_once(people, small_cache, monkeypatch):
    owner, _made = people
    url = "subscriber/acme?limit=0"
    total = ok(owner.get(url))["meta"]["records_total"]
    ((ident, (_expires, kept, _changes, counted)),) = service._COUNTS.items()
    assert kept == total
    # Expired, and (to tell) wrong; its table's changes not known.
    service._COUNTS[ident] = (0.0, total - 5, None, counted)
    # The request that finds it expired recounts; meanwhile others would get the old one.
    assert ok(owner.get(url))["meta"]["records_total"] == total


def test_an_expired_total_is_kept_while_its_table_is_unchanged(people, small_cache, engine):
    """On PostgreSQL a kept total outlives count_cache_seconds while the table shows
    no change in the server's statistics; the first change there recounts it. SQLite
    keeps no such statistics: an expired total is recounted."""
    owner, _made = people
    url = "subscriber/acme?limit=0"
    total = ok(owner.get(url))["meta"]["records_total"]
    ((ident, (_expires, _kept, changes, counted)),) = service._COUNTS.items()
    reader = owner.testapp.app.registry["db_reader"]
    postgresql = engine.dialect.name == "postgresql"
    # A first count knows its table's changes too: it is kept when it first expires.
    assert (changes is not None) is postgresql
    assert db.table_changes(reader, "ecf_subscriber") == changes
    service._COUNTS[ident] = (0.0, total - 5, changes, counted)  # expired, and wrong
    assert ok(owner.get(url))["meta"]["records_total"] == (total - 5 if postgresql else total)
    # A total kept without them is counted again when it expires.
    service._COUNTS[ident] = (0.0, total - 5, None, counted)
    assert ok(owner.get(url))["meta"]["records_total"] == total  # recounted, asking
    ((ident, (_expires, _kept, changes, counted)),) = service._COUNTS.items()
    assert (changes is not None) is postgresql
    service._COUNTS[ident] = (0.0, total - 5, changes, counted)  # expired, and wrong
    kept = ok(owner.get(url))["meta"]["records_total"]
    assert kept == (total - 5 if postgresql else total)
    if not postgresql:
        return
    # A change, its statistics published at once (pg_stat_force_next_flush), and
    # this process's reading of them (once a second) forgotten.
    conn = engine.raw_connection()
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT pg_stat_force_next_flush()")
            cur.execute("UPDATE ecf_subscriber SET pin = pin WHERE name = 's01'")
    finally:
        conn.close()
    db._CHANGES_SEEN.clear()
    assert db.table_changes(reader, "ecf_subscriber") > changes
    service._COUNTS[ident] = (0.0, total - 5, changes, counted)
    assert ok(owner.get(url))["meta"]["records_total"] == total


def test_many_shapes_of_list_on_few_prepared_statements(people, monkeypatch):
    from restworkx import db

    monkeypatch.setattr(db, "PREPARED_MAX", 3)
    owner, made = people
    for sort in ("name", "first_name", "last_name", "email", "modified", "created"):
        for direction in ("ASC", "DESC"):
            doc = ok(owner.get(f"subscriber?sort={sort} {direction}&limit=50"))
            assert doc["meta"]["records_total"] == len(made)
            assert len(doc["data"]) == len(made)


def _prepared_plans(**want) -> list[tuple[int, int]]:
    """(generic plans, custom plans) of the page statements of the shapes wanted: the
    first page's limit (None: any page), and the query's exact and icontains fields."""
    out = []
    for shape, (_count, page, _filtered) in service._LIST_STATEMENTS.items():
        _archive, exact, _between, icontains, _regex, _like, _order = shape[4]
        have = {"first": shape[5], "exact": [n for n, _ in exact], "icontains": icontains}
        if all(have[k] == v for k, v in want.items()):
            row = held_reader_row(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = %s",
                page.name,
            )
            if row is not None:
                out.append(row)
    return out


def test_first_pages_alike_whatever_the_values_are_planned_once(people, engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    owner, made = people
    db.release_readers()
    service._LIST_STATEMENTS.clear()
    fragments = ("a", "o", "e", "n", "j", "m", "z")
    for frag in fragments:
        url = f"subscriber/acme?icontains=first_name:{frag}&sort=last_name ASC"
        want = expected(made, sp="acme", contains=("first_name", frag), sort="last_name")
        assert names(ok(owner.get(url))) == [r["name"] for r in want][:10]
        # The same shape past its first page, and with a search: planned for their values.
        ok(owner.get(url + "&offset=1"))
        ok(owner.get(f"subscriber/acme?search=last_name:Smith&icontains=first_name:{frag}"))
    alike = {"exact": [], "icontains": ("first_name",)}
    assert _prepared_plans(first=10, **alike) == [(len(fragments), 0)]
    # PostgreSQL plans the first five runs for their values before it compares.
    ((_generic, custom),) = _prepared_plans(first=None, **alike)
    assert custom >= 5
    ((_generic, custom),) = _prepared_plans(exact=["last_name"])
    assert custom >= 5


def test_one_view_per_context_answers_every_method(people):
    owner, _made = people
    head = owner.testapp.head(
        "/ecf/api/subscriber/acme/s01", headers=owner.headers(), expect_errors=True
    )
    assert head.status_int == 200 and head.body == b""
    for path in ("subscriber/acme/s01", "subscriber/acme"):
        resp = owner.call("PATCH", path, {})
        assert resp.status_int == 405
        assert "GET" in resp.headers["Allow"]


PARAMS = {
    "big": 123456789012345678901234567890,
    "ratio": 1.25,
    "nested": {"list": [1, "two", None, True, {"é": "ünïcode ✓"}]},
    "empty": {},
    "quote": 'say "hi"\\n',
}


def test_json_fields_read_back_as_written(owner):
    """Records' JSON columns reach the envelope as the database's own JSON text on
    PostgreSQL (db.ReadStatement json_fragments): the same values on both backends,
    an integer beyond 64 bits included (api.read_json, envelope.dumps)."""
    owner.post("service_provider", {"name": "acme"})
    body = {"name": "s01", "pin": "1234", "params": PARAMS, "speed_call_numbers": ["123"]}
    ok(owner.post("subscriber/acme", body))
    ok(owner.post("subscriber/acme", {"name": "s02", "pin": "1234"}))
    one = ok(owner.get("subscriber/acme/s01"))["data"][0]["attributes"]
    page = ok(owner.get("subscriber/acme?sort=name"))["data"]
    for attributes in (one, page[0]["attributes"]):
        assert attributes["params"] == PARAMS
        assert attributes["speed_call_numbers"] == ["123"]
    assert page[1]["attributes"]["params"] == {}


def test_a_total_another_process_counted_is_taken_while_its_table_is_unchanged(
    people, small_cache, engine
):
    """On PostgreSQL a total goes into the host's table of totals (records.totals),
    where the server's other processes take it instead of counting it again, as long
    as its table shows the changes it was counted at. SQLite keeps no statistics of
    changes: each process counts for itself."""
    owner, _made = people
    url = "subscriber/acme?limit=0"
    total = ok(owner.get(url))["meta"]["records_total"]
    ((ident, (_expires, _kept, changes, counted)),) = service._COUNTS.items()
    key = totals.Totals.key(ident)
    if engine.dialect.name != "postgresql":
        assert totals.table().get(key) is None
        return
    assert totals.table().get(key) == (total, changes, counted)
    # Another process: none of this one's totals; the shared one planted wrong, to tell.
    service._COUNTS.clear()
    totals.table().put(key, total - 5, changes, counted)
    assert ok(owner.get(url))["meta"]["records_total"] == total - 5
    # Counted at other changes of its table: counted again, and shared.
    service._COUNTS.clear()
    totals.table().put(key, total - 5, changes - 1, counted)
    assert ok(owner.get(url))["meta"]["records_total"] == total
    assert totals.table().get(key)[:2] == (total, changes)
    # Too old (COUNT_KEEP_MAX): counted again.
    service._COUNTS.clear()
    totals.table().put(key, total - 5, changes, counted - service.COUNT_KEEP_MAX)
    assert ok(owner.get(url))["meta"]["records_total"] == total
