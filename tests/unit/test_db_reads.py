"""restworkx.db's read helpers and the parametrised table queries they run."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql
from webob.multidict import MultiDict

from restworkx.db import ReadStatement, json_loads
from restworkx.ecf import application
from restworkx.queries import TableQuery, parse
from restworkx.records.service import _list_statements

SPEC = application.objects["subscriber"]
FIELDS = SPEC.public_fields
TABLE = SPEC.model.__table__
STRINGS = [n for n, f in FIELDS.items() if f.is_string]


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "a": 2}',
        "[1.0, -0.0, 1E5, 12345678901234567, 5e-324, 1.7976931348623157e308]",
        "123456789012345678901234567890",  # beyond 64 bits: orjson would give a float
        '{"n": -9223372036854775809}',
        '"12345678901234567890 digits in a string"',
        "1e400",  # orjson refuses it; json gives inf
        '"\\ud800"',  # a lone surrogate: orjson refuses it
        '"\\u00e9\\ud83d\\ude00 \\u0000"',
        '{"active": true, "entries": [{"start": "08:00", "day": ["MONDAY"]}]}',
        "{}",
        "[]",
        "null",
    ],
)
def test_json_loads_gives_what_json_loads_gives(text):
    got, want = json_loads(text), json.loads(text)
    assert got == want and repr(got) == repr(want)


def test_json_loads_rejects_what_json_rejects():
    with pytest.raises(ValueError):
        json_loads("{not json")


def q(**params):
    return parse(MultiDict(params), FIELDS)


QUERIES = [
    {},
    {"sort": "last_name ASC", "icontains": "first_name:Ann"},
    {"search": "name:s01,timezone:UTC", "like": "50%_off"},
    {"search": "created:2024-01-01T00:00:00:2025-01-01T00:00:00", "regex": "email:^a.*"},
    {"sort_function": "lower:email:desc", "icontains": "email:X,last_name:y"},
    {"search": "account_lock:true", "archive": "true"},
]


@pytest.mark.parametrize("params", QUERIES)
def test_bind_values_are_the_values_where_binds(params):
    query = q(**params)
    bound: dict = {}
    inline = query.where(TABLE, STRINGS)
    named = query.where(TABLE, STRINGS, bound)
    assert bound == query.bind_values()
    # The same SQL once the values are in.
    dialect = postgresql.dialect()
    literal = {"literal_binds": True}
    for a, b in zip(inline, named, strict=True):
        want = select(TABLE.c.id).where(a)
        got = select(TABLE.c.id).where(b).params(bound)
        assert str(got.compile(dialect=dialect, compile_kwargs=literal)) == str(
            want.compile(dialect=dialect, compile_kwargs=literal)
        )


def test_a_null_search_value_stays_is_null():
    query = TableQuery(exact={"timezone": None})
    bound: dict = {}
    clause = query.key_where(TABLE, bound)[0]
    assert "IS NULL" in str(clause.compile(dialect=postgresql.dialect()))
    assert bound == query.bind_values() == {}
    assert query.shape() != TableQuery(exact={"timezone": "UTC"}).shape()


def test_queries_of_one_shape_share_their_statements():
    a, b = (
        q(sort="name DESC", icontains="first_name:ann"),
        q(sort="name DESC", icontains="first_name:jo", limit="20", offset="40"),
    )
    assert a.shape() == b.shape()
    assert a.shape() != q(sort="name ASC", icontains="first_name:ann").shape()
    assert a.shape() != q(sort="name DESC", icontains="last_name:ann").shape()


def test_a_read_statement_prepares_with_positional_parameters():
    _count, page, filtered = _list_statements(
        SPEC, ("service_provider_name",), False, False, q(like="x", sort="modified:desc")
    )
    assert filtered
    prepare, execute, _defaults, _processors = page._for(postgresql.psycopg2.dialect())
    assert prepare.startswith(f"PREPARE {page.name} AS SELECT")
    assert "%(" not in prepare and "$1" in prepare
    # "like" is bound once for every string column, and is one parameter.
    assert execute.count("%(like)s") == 1
    assert execute.startswith(f"EXECUTE {page.name}(")
    assert set(page.keys) >= {"id", "name", "first_name", "created"}


@pytest.mark.parametrize(
    ("params", "alike"),
    [
        ({}, True),
        ({"icontains": "first_name:ann", "like": "x", "sort": "last_name"}, True),
        ({"search": "last_name:Smith"}, False),
        ({"search": "created:2024-01-01T00:00:00:2024-02-01T00:00:00"}, False),
        ({"regex": "name:^sub1"}, False),
    ],
)
def test_a_shape_plans_alike_unless_an_index_may_serve_some_values(params, alike):
    assert q(**params).plans_alike() is alike


def test_a_first_page_carries_its_limit_and_is_planned_once():
    dialect = postgresql.psycopg2.dialect()
    query = q(icontains="first_name:ann", sort="last_name")
    count, page, _filtered = _list_statements(
        SPEC, ("service_provider_name",), False, False, query, 25
    )
    prepare, execute, _defaults, _processors = page._for(dialect)
    assert " LIMIT 25" in prepare and "OFFSET" not in prepare
    assert "page_limit" not in execute and "page_offset" not in execute
    assert (count.plan, page.plan) == ("generic", "generic")
    # Any other page binds its limit and offset, and is planned for them.
    count, page, _filtered = _list_statements(SPEC, ("service_provider_name",), False, False, query)
    _prepare, execute, _defaults, _processors = page._for(dialect)
    assert "%(page_limit)s" in execute and "%(page_offset)s" in execute
    assert (count.plan, page.plan) == ("generic", "auto")
    searched = q(search="last_name:Smith")
    count, page, _filtered = _list_statements(SPEC, (), False, False, searched)
    assert (count.plan, page.plan) == ("auto", "auto")


def test_a_read_statement_keeps_the_values_it_was_built_with():
    from sqlalchemy import bindparam

    t = TABLE
    stmt = ReadStatement(
        select(t.c.id).where(t.c.name == bindparam("n"), t.c.created_by == "installer")
    )
    _prepare, execute, defaults, _processors = stmt._for(postgresql.psycopg2.dialect())
    assert list(defaults.values()) == ["installer"]
    assert "%(n)s" in execute


def test_timestamps_bind_with_their_type():
    query = q(search="modified:2024-01-01T00:00:00")
    bound: dict = {}
    query.key_where(TABLE, bound)
    assert bound == {"eq_modified": dt.datetime(2024, 1, 1)}
