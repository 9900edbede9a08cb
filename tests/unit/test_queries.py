"""restworkx.queries: parsing table-query parameters and building SQL from them."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.dialects import postgresql, sqlite
from webob.multidict import MultiDict

from restworkx.ecf import application
from restworkx.queries import DEFAULT_LIMIT, MAX_LIMIT, QueryError, TableQuery, parse

SPEC = application.objects["subscriber"]
FIELDS = SPEC.public_fields
TABLE = SPEC.model.__table__
STRINGS = [n for n, f in FIELDS.items() if f.is_string]


def q(**params) -> TableQuery:
    return parse(MultiDict(params), FIELDS)


def bad(**params) -> str:
    with pytest.raises(QueryError) as info:
        q(**params)
    return str(info.value)


# -- defaults ------------------------------------------------------------------------------


def test_no_parameters_gives_the_defaults():
    query = q()
    assert query == TableQuery()
    assert (query.limit, query.offset, query.archive) == (DEFAULT_LIMIT, 0, False)
    assert DEFAULT_LIMIT == 10


def test_ignored_and_extra_parameters():
    assert parse(MultiDict(zoom="0", _="123"), FIELDS) == TableQuery()
    assert parse(MultiDict(executable="x"), FIELDS, extra=("executable",)) == TableQuery()


def test_unknown_parameter_is_refused():
    message = bad(order="name")
    assert "Unknown query parameter 'order'" in message
    assert "sort" in message


# -- sort ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "desc"),
    [
        ("name ASC", False),
        ("name asc", False),
        ("name DES", True),
        ("name DESC", True),
        ("name desc", True),
        ("name:asc", False),
        ("name:ASC", False),
        ("name:desc", True),
        ("name:des", True),
        ("name", False),
        ("name  DESC", True),
    ],
)
def test_sort_forms(raw, desc):
    assert q(sort=raw).order == [("name", None, desc)]


def test_sort_several_keys():
    query = q(sort="name ASC, pin DES,email DESC , phone:asc")
    assert query.order == [
        ("name", None, False),
        ("pin", None, True),
        ("email", None, True),
        ("phone", None, False),
    ]


def test_sort_on_meta_columns():
    assert q(sort="created DES,modified_by ASC").order == [
        ("created", None, True),
        ("modified_by", None, False),
    ]


def test_sort_bad_direction():
    message = bad(sort="name UP")
    assert "'sort'" in message
    assert "'up'" in message


def test_sort_unknown_column_is_named():
    message = bad(sort="nosuch ASC")
    assert "unknown column 'nosuch'" in message
    assert "'sort'" in message


def test_sort_json_column_refused():
    assert "column 'schedules' holds JSON" in bad(sort="schedules ASC")


def test_sort_empty_term():
    assert "empty term" in bad(sort="name,,pin")
    assert "empty term" in bad(sort="name,")


def test_empty_sort_is_no_sort():
    assert q(sort="").order == []


# -- sort_function -------------------------------------------------------------------------


@pytest.mark.parametrize("fn", ["lower", "upper", "length", "LOWER"])
def test_sort_function(fn):
    assert q(sort_function=f"{fn}:name").order == [("name", fn.lower(), False)]


def test_sort_function_direction_and_several():
    assert q(sort_function="lower:name:desc,length:email:asc").order == [
        ("name", "lower", True),
        ("email", "length", False),
    ]


def test_sort_function_overrides_sort():
    assert q(sort="pin DES", sort_function="upper:name").order == [("name", "upper", False)]


def test_sort_function_unknown_function():
    message = bad(sort_function="reverse:name")
    assert "unknown function 'reverse'" in message


def test_sort_function_malformed():
    assert "function:column" in bad(sort_function="lower")
    assert "function:column" in bad(sort_function="lower:name:asc:x")


def test_sort_function_bad_direction():
    assert "direction 'up'" in bad(sort_function="lower:name:up")


def test_sort_function_non_string_column():
    assert "'call_manager' is not a string field" in bad(sort_function="lower:call_manager")
    assert "'created' is not a string field" in bad(sort_function="length:created")


def test_sort_function_unknown_column():
    assert "unknown column 'nope'" in bad(sort_function="lower:nope")


# -- search --------------------------------------------------------------------------------


def test_search_exact():
    assert q(search="name:bill").exact == {"name": "bill"}


def test_search_exact_several():
    query = q(search="name:bill,first_name:Bill")
    assert query.exact == {"name": "bill", "first_name": "Bill"}


def test_search_exact_empty_value():
    assert q(search="notes:").exact == {"notes": ""}


def test_search_between():
    query = q(search="default_number:1000:2000")
    assert query.between == {"default_number": ("1000", "2000")}
    assert query.exact == {}


def test_search_boolean_value_is_typed():
    assert q(search="call_manager:true").exact == {"call_manager": True}
    assert q(search="account_lock:false").exact == {"account_lock": False}
    assert "must be true or false" in bad(search="account_lock:maybe")


def test_search_created_exact_iso_datetime_keeps_its_colons():
    query = q(search="created:2022-04-07T11:39:44")
    assert query.exact == {"created": dt.datetime(2022, 4, 7, 11, 39, 44)}
    assert query.between == {}


def test_search_created_between_iso_datetimes():
    query = q(search="created:2022-04-07T11:39:44:2022-04-08T00:00:00Z")
    assert query.between == {
        "created": (dt.datetime(2022, 4, 7, 11, 39, 44), dt.datetime(2022, 4, 8))
    }


def test_search_created_between_with_offsets_and_fractions():
    query = q(search="created:2022-04-07T11:39:44.5+02:00:2022-04-07 12:00")
    assert query.between == {
        "created": (dt.datetime(2022, 4, 7, 9, 39, 44, 500000), dt.datetime(2022, 4, 7, 12, 0))
    }


def test_search_created_dates_only():
    query = q(search="modified:2022-04-07:2022-04-09")
    assert query.between == {"modified": (dt.datetime(2022, 4, 7), dt.datetime(2022, 4, 9))}


def test_search_created_not_a_datetime():
    message = bad(search="created:yesterday")
    assert "field 'created'" in message
    assert "ISO" in message


def test_search_unknown_column_is_named():
    assert "unknown column 'colour'" in bad(search="colour:red")


def test_search_json_column_refused():
    assert "column 'params' holds JSON" in bad(search="params:x")


def test_search_malformed_terms():
    assert "'name' must be field:value" in bad(search="name")
    assert "must be field:value" in bad(search=":x")
    assert "empty term" in bad(search="name:a,,pin:1")


def test_search_hidden_columns_are_not_columns():
    # Only public fields and the record meta are columns.
    assert "unknown column 'id'" in bad(search="id:1")
    assert "unknown column 'archived_at'" in bad(sort="archived_at ASC")


# -- icontains / like ----------------------------------------------------------------------


def test_icontains():
    query = q(icontains="name:Bil,email:EXAMPLE")
    assert query.icontains == {"name": "Bil", "email": "EXAMPLE"}


def test_icontains_non_string_refused():
    assert "'call_manager' is not a string field" in bad(icontains="call_manager:t")
    assert "'created' is not a string field" in bad(icontains="created:2022")


def test_icontains_unknown_and_json_columns():
    assert "unknown column 'zzz'" in bad(icontains="zzz:a")
    assert "holds JSON" in bad(icontains="schedules:a")


def test_icontains_malformed():
    assert "must be field:value" in bad(icontains="name")


def test_like():
    assert q(like="main st").like == "main st"
    assert q(like="").like is None


# -- limit, offset, archive ----------------------------------------------------------------


def test_limit_and_offset():
    query = q(limit="25", offset="50")
    assert (query.limit, query.offset) == (25, 50)
    assert q(limit="0").limit == 0
    assert q(limit=str(MAX_LIMIT)).limit == MAX_LIMIT
    assert q(limit="").limit == DEFAULT_LIMIT


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"limit": "ten"}, ("'limit'", "integer", "'ten'")),
        ({"limit": str(MAX_LIMIT + 1)}, ("'limit'", f"0 to {MAX_LIMIT}")),
        ({"limit": "-1"}, ("'limit'",)),
        ({"limit": "1.5"}, ("'limit'", "integer")),
        ({"offset": "-1"}, ("'offset'", "at least 0")),
        ({"offset": "x"}, ("'offset'", "integer")),
    ],
)
def test_limit_and_offset_invalid(params, words):
    message = bad(**params)
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    ("raw", "value"), [("true", True), ("TRUE", True), ("1", True), ("false", False), ("0", False)]
)
def test_archive(raw, value):
    assert q(archive=raw).archive is value


def test_archive_invalid():
    assert "'archive' must be true or false" in bad(archive="perhaps")


# -- SQL -----------------------------------------------------------------------------------


def compiled(clauses, dialect):
    from sqlalchemy import and_

    return and_(*clauses).compile(dialect=dialect)


NASTY = "x'; DROP TABLE ecf_subscriber; --%_"


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()])
def test_values_are_bound_parameters_never_sql_text(dialect):
    query = q(
        search=f"name:{NASTY},default_number:1:2,created:2022-04-07T11:39:44:2022-04-08",
        icontains=f"first_name:{NASTY}",
        like=NASTY,
    )
    sql = compiled(query.where(TABLE, STRINGS), dialect)
    text = str(sql)
    assert "DROP" not in text
    # The only literal is the LIKE escape character, a constant of the code.
    assert "'" not in text.replace("ESCAPE '\\'", "")
    assert "2022" not in text
    params = list(sql.params.values())
    assert NASTY in params
    assert "1" in params and "2" in params
    assert dt.datetime(2022, 4, 7, 11, 39, 44) in params
    # like and icontains escape the LIKE wildcards of the value.
    escaped = NASTY.replace("%", "\\%").replace("_", "\\_")
    assert f"%{escaped}%" in params
    assert f"%{escaped.lower()}%" in params


def test_where_clauses():
    query = q(search="name:a,default_number:1:9", icontains="name:A,email:EX", like="z")
    sql = str(compiled(query.where(TABLE, STRINGS), sqlite.dialect()))
    assert "ecf_subscriber.name = ?" in sql
    assert "ecf_subscriber.default_number > ?" in sql
    assert "ecf_subscriber.default_number < ?" in sql
    # icontains on 'name' yields to the exact search on 'name'.
    assert "lower(ecf_subscriber.name)" not in sql
    assert "lower(ecf_subscriber.email) LIKE ?" in sql
    # like looks in every string field, any of which may match.
    assert " OR " in sql
    for name in ("notes", "address", "display_name", "pin"):
        assert f"ecf_subscriber.{name} LIKE ?" in sql
    assert "ecf_subscriber.schedules LIKE" not in sql


def test_a_backslash_escapes_like_patterns_on_both_backends():
    """SQLite needs ESCAPE for it; PostgreSQL escapes with a backslash by default, and an
    ESCAPE clause there costs a like_escape() call per row in a generic plan."""
    query = q(icontains="email:a_b", like="5%")
    lite = str(compiled(query.scan_where(TABLE, STRINGS), sqlite.dialect()))
    pg = str(compiled(query.scan_where(TABLE, STRINGS), postgresql.dialect()))
    assert "(lower(ecf_subscriber.email) LIKE ? ESCAPE '\\')" in lite
    assert "(lower(ecf_subscriber.email) LIKE %(param_1)s::VARCHAR)" in pg
    assert "ESCAPE" not in pg
    assert query.bind_values() == {"ic_email": "%a\\_b%", "like": "%5\\%%"}


def test_order_by_keeps_pages_stable():
    query = q(sort_function="lower:email:desc", sort="pin ASC")
    order = [str(c.compile(dialect=sqlite.dialect())) for c in query.order_by(TABLE, SPEC.path)]
    assert order == [
        "lower(ecf_subscriber.email) DESC NULLS FIRST",
        "ecf_subscriber.service_provider_name ASC",
        "ecf_subscriber.name ASC",
        "ecf_subscriber.id ASC",
    ]
    order = [str(c) for c in q(sort="name DES").order_by(TABLE, SPEC.path)]
    assert order == [
        "ecf_subscriber.name DESC",
        "ecf_subscriber.service_provider_name ASC",
        "ecf_subscriber.id ASC",
    ]
