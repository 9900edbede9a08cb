"""Table queries: sort, search, like, icontains, sort_function, limit, offset.

Parameters become SQLAlchemy expressions over a whitelist of columns (the
object's public fields and the record meta); no request text reaches SQL
except as a bound parameter.

sort            col ASC | col DES | col DESC | col:asc | col:desc, comma-separated
sort_function   fn:col[:asc|desc], comma-separated; fn is lower, upper or length.
                It overrides sort.
search          field:value (exact) or field:low:high (between, both ends
                excluded), comma-separated. Timestamps may be ISO datetimes.
like            substring matched against every string field (any may match)
icontains       field:value, case-insensitive contains on string fields; an
                exact search on the same field takes precedence
regex           field:pattern, a regular expression match on one string field
                (ICR's audio files: regex=file:^.*?.wav$)
limit           1..MAX_LIMIT (default 10); 0 answers only records_total
offset          >= 0 (default 0)
archive         true reads the archive
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Boolean, String, and_, bindparam, func, literal, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement, ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from .declarations.fields import ISO_DATETIME, Field, FieldError, Str, Timestamp

DEFAULT_LIMIT = 10
MAX_LIMIT = 1000
SORT_FUNCTIONS = {"lower": func.lower, "upper": func.upper, "length": func.length}
QUERY_PARAMETERS = (
    "sort",
    "search",
    "like",
    "sort_function",
    "icontains",
    "regex",
    "limit",
    "offset",
    "archive",
)
IGNORED_PARAMETERS = ("zoom", "_")
META_FIELDS: dict[str, Field] = {
    "created": Timestamp().bind("created"),
    "created_by": Str(64).bind("created_by"),
    "modified": Timestamp().bind("modified"),
    "modified_by": Str(64).bind("modified_by"),
}
_DIRECTIONS = {"asc": False, "des": True, "desc": True}
_DT_PAIR = re.compile(rf"({ISO_DATETIME})(?::({ISO_DATETIME}))?")


class QueryError(ValueError):
    """A table query parameter is malformed; the message names it."""


@dataclass
class TableQuery:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    archive: bool = False
    order: list[tuple[str, str | None, bool]] = field(default_factory=list)  # col, fn, desc
    exact: dict[str, Any] = field(default_factory=dict)
    between: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    icontains: dict[str, str] = field(default_factory=dict)
    regex: tuple[str, str] | None = None
    like: str | None = None

    # -- SQL -----------------------------------------------------------------
    # Given a params dict, the clauses hold named bind parameters and params their
    # values, so that one statement serves every query of the same shape(); without
    # one, the values are inlined as anonymous parameters.
    def where(self, table, string_columns: list[str], params: dict | None = None) -> list:
        return self.key_where(table, params) + self.scan_where(table, string_columns, params)

    def key_where(self, table, params: dict | None = None) -> list:
        """The comparisons an index on the column can serve (search)."""
        c = table.c
        clauses = []
        for name, value in self.exact.items():
            if value is None:
                clauses.append(c[name].is_(None))
            else:
                clauses.append(c[name] == _bind(params, f"eq_{name}", value, c[name].type))
        for name, (low, high) in self.between.items():
            low = _bind(params, f"gt_{name}", low, c[name].type)
            high = _bind(params, f"lt_{name}", high, c[name].type)
            clauses.append(and_(c[name] > low, c[name] < high))
        return clauses

    def scan_where(self, table, string_columns: list[str], params: dict | None = None) -> list:
        """The matches every candidate row must be read for (icontains, regex, like)."""
        c = table.c
        clauses = []
        for name, value in self.icontains.items():
            if name not in self.exact:
                pattern = _bind(params, f"ic_{name}", f"%{_escape(value.lower())}%", String())
                clauses.append(Like(func.lower(c[name]), pattern))
        if self.regex:
            name, pattern = self.regex
            clauses.append(c[name].regexp_match(_bind(params, "regex", pattern, String())))
        if self.like:
            pattern = _bind(params, "like", f"%{_escape(self.like)}%", String())
            clauses.append(or_(*(Like(c[n], pattern) for n in string_columns)))
        return clauses

    def bind_values(self) -> dict:
        """The values of the named parameters where() binds (given a params dict)."""
        out = {}
        for name, value in self.exact.items():
            if value is not None:
                out[f"eq_{name}"] = value
        for name, (low, high) in self.between.items():
            out[f"gt_{name}"], out[f"lt_{name}"] = low, high
        for name, value in self.icontains.items():
            if name not in self.exact:
                out[f"ic_{name}"] = f"%{_escape(value.lower())}%"
        if self.regex:
            out["regex"] = self.regex[1]
        if self.like:
            out["like"] = f"%{_escape(self.like)}%"
        return out

    def plans_alike(self) -> bool:
        """Whether one plan serves this shape whatever its values: no search (an index
        on the searched column pays for some values and not for others) and no regex
        (an anchored one may use an index). icontains and like are %value% patterns,
        which no index serves, whatever the value."""
        return not self.exact and not self.between and not self.regex

    def shape(self) -> tuple:
        """What the statements of this query depend on, without the values."""
        return (
            self.archive,
            tuple((n, v is None) for n, v in self.exact.items()),
            tuple(self.between),
            tuple(n for n in self.icontains if n not in self.exact),
            self.regex[0] if self.regex else None,
            bool(self.like),
            tuple(self.order),
        )

    def order_by(self, table, default: tuple[str, ...]) -> list:
        c = table.c
        out = []
        for name, fn, desc in self.order:
            col = SORT_FUNCTIONS[fn](c[name]) if fn else c[name]
            out.append(_direction(col, desc))
        # Key columns then id keep pages stable whatever the user sorts by.
        for name in default:
            bare = name.lstrip("-")
            if not any(o[0] == bare for o in self.order):
                out.append(_direction(c[bare], name.startswith("-")))
        out.append(c.id.asc())
        return out


def _bind(params: dict | None, name: str, value, type_=None):
    if params is None:
        return value
    params[name] = value
    return bindparam(name, type_=type_)


def _direction(col, desc: bool):
    # Empty values last when ascending, first when descending, on every backend
    # (PostgreSQL's default; SQLite would put them first). Required columns hold
    # no empty values and keep a plain order, which an index can serve.
    if getattr(col, "nullable", True) is False:
        return col.desc() if desc else col.asc()
    return col.desc().nulls_first() if desc else col.asc().nulls_last()


class Like(ColumnElement):
    """expr LIKE pattern, a backslash escaping % and _ in the pattern (_escape). That is
    PostgreSQL's default; SQLite needs ESCAPE for it. PostgreSQL gets no ESCAPE clause:
    in a prepared statement's generic plan it would call like_escape() on every row
    tested (a page or count testing 10,000 rows spent most of its time there)."""

    type = Boolean()
    inherit_cache = True
    _traverse_internals = [
        ("expr", InternalTraversal.dp_clauseelement),
        ("pattern", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, expr, pattern):
        if not isinstance(pattern, ClauseElement):
            pattern = literal(pattern, String())  # still a bound parameter
        self.expr, self.pattern = expr, pattern


@compiles(Like)
def _like(element, compiler, **kw):
    expr, pattern = compiler.process(element.expr, **kw), compiler.process(element.pattern, **kw)
    return f"({expr} LIKE {pattern} ESCAPE '\\')"


@compiles(Like, "postgresql")
def _like_postgresql(element, compiler, **kw):
    expr, pattern = compiler.process(element.expr, **kw), compiler.process(element.pattern, **kw)
    return f"({expr} LIKE {pattern})"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def parse_bool(name: str, raw: str) -> bool:
    low = raw.strip().lower()
    if low in ("true", "1", "yes"):
        return True
    if low in ("false", "0", "no", ""):
        return False
    raise QueryError(f"Query parameter '{name}' must be true or false (got '{raw}').")


def parse(params, fields: dict[str, Field], *, extra: tuple[str, ...] = ()) -> TableQuery:
    """Parse a MultiDict-like of query parameters against the allowed fields."""
    if not params:
        return TableQuery()
    columns = dict(fields)
    columns.update(META_FIELDS)
    q = TableQuery()
    for name in params:
        if name not in QUERY_PARAMETERS and name not in IGNORED_PARAMETERS and name not in extra:
            allowed = ", ".join(QUERY_PARAMETERS)
            raise QueryError(f"Unknown query parameter '{name}' (allowed: {allowed}).")
    for name, value in params.items():
        if "\x00" in value:
            raise QueryError(f"Query parameter '{name}' holds a NUL character.")
    get = params.get
    q.limit = _int("limit", get("limit"), DEFAULT_LIMIT, 0, MAX_LIMIT)
    q.offset = _int("offset", get("offset"), 0, 0, None)
    if get("archive") is not None:
        q.archive = parse_bool("archive", get("archive"))
    if get("sort_function"):
        q.order = _sort_function(get("sort_function"), columns)
    elif get("sort"):
        q.order = _sort(get("sort"), columns)
    if get("search"):
        _search(get("search"), columns, q)
    if get("icontains"):
        for name, value in _pairs("icontains", get("icontains")):
            f = _column("icontains", name, columns)
            if not f.is_string:
                raise QueryError(
                    f"Query parameter 'icontains': field '{name}' is not a string field."
                )
            q.icontains[name] = value
    if get("regex"):
        name, sep, pattern = get("regex").partition(":")
        f = _column("regex", name, columns) if sep else None
        if f is None or not pattern:
            raise QueryError("Query parameter 'regex' must be field:pattern.")
        if not f.is_string:
            raise QueryError(f"Query parameter 'regex': field '{name}' is not a string field.")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise QueryError(
                f"Query parameter 'regex': '{pattern}' is not valid ({exc})."
            ) from None
        q.regex = (name, pattern)
    if get("like") is not None and get("like") != "":
        q.like = get("like")
    return q


def _int(name, raw, default, low, high):
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise QueryError(f"Query parameter '{name}' must be an integer (got '{raw}').") from None
    if value < low or (high is not None and value > high):
        span = f"{low} to {high}" if high is not None else f"at least {low}"
        raise QueryError(f"Query parameter '{name}' must be {span} (got {value}).")
    return value


def _column(param: str, name: str, columns: dict[str, Field]) -> Field:
    f = columns.get(name)
    if f is None:
        raise QueryError(
            f"Query parameter '{param}': unknown column '{name}' (columns: {', '.join(columns)})."
        )
    if not f.searchable:
        raise QueryError(
            f"Query parameter '{param}': column '{name}' holds JSON and cannot be used here."
        )
    return f


def _sort(raw: str, columns) -> list:
    out = []
    for term in _terms("sort", raw):
        if ":" in term:
            name, _, direction = term.partition(":")
        else:
            name, _, direction = term.partition(" ")
        name, direction = name.strip(), direction.strip().lower() or "asc"
        if direction not in _DIRECTIONS:
            raise QueryError(
                f"Query parameter 'sort': direction '{direction}' for '{name}' "
                "must be ASC, DES or DESC."
            )
        _column("sort", name, columns)
        out.append((name, None, _DIRECTIONS[direction]))
    return out


def _sort_function(raw: str, columns) -> list:
    out = []
    for term in _terms("sort_function", raw):
        parts = term.split(":")
        if len(parts) not in (2, 3):
            raise QueryError(
                f"Query parameter 'sort_function': '{term}' must be function:column[:asc|desc]."
            )
        fn, name = parts[0].strip().lower(), parts[1].strip()
        direction = parts[2].strip().lower() if len(parts) == 3 else "asc"
        if fn not in SORT_FUNCTIONS:
            raise QueryError(
                f"Query parameter 'sort_function': unknown function '{fn}' "
                f"(functions: {', '.join(SORT_FUNCTIONS)})."
            )
        if direction not in _DIRECTIONS:
            raise QueryError(
                f"Query parameter 'sort_function': direction '{direction}' must be asc or desc."
            )
        f = _column("sort_function", name, columns)
        if not f.is_string:
            raise QueryError(
                f"Query parameter 'sort_function': column '{name}' is not a string field."
            )
        out.append((name, fn, _DIRECTIONS[direction]))
    return out


def _terms(param: str, raw: str) -> list[str]:
    terms = [t.strip() for t in raw.split(",")]
    if any(not t for t in terms):
        raise QueryError(f"Query parameter '{param}' has an empty term in '{raw}'.")
    return terms


def _pairs(param: str, raw: str):
    for term in _terms(param, raw):
        name, sep, value = term.partition(":")
        if not sep or not name:
            raise QueryError(f"Query parameter '{param}': '{term}' must be field:value.")
        yield name.strip(), value


def _search(raw: str, columns, q: TableQuery):
    for name, rest in _pairs("search", raw):
        f = _column("search", name, columns)
        try:
            if isinstance(f, Timestamp):
                m = _DT_PAIR.fullmatch(rest)
                if not m:
                    raise FieldError(
                        f"needs an ISO datetime or two separated by ':' (got '{rest}')."
                    )
                low, high = m.group(1), m.group(2)
            else:
                low, sep, high = rest.partition(":")
                high = high if sep else None
            if high is None:
                q.exact[name] = f.parse_text(low)
            else:
                q.between[name] = (f.parse_text(low), f.parse_text(high))
        except FieldError as exc:
            raise QueryError(f"Query parameter 'search': field '{name}' {exc}") from None
