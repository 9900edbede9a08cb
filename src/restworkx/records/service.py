"""The rules for records, independent of HTTP (the import worker uses them too)."""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, literal_column, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..db import ReadStatement, read_all, read_one, table_changes, utcnow
from ..declarations.fields import FieldError, format_datetime
from ..declarations.objects import ObjectSpec
from ..errors import BadRequest, Conflict
from ..queries import TableQuery
from . import totals


class ValidationContext:
    """What field rules may consult: the application and its settings."""

    def __init__(self, app, settings_loader):
        self.app = app
        self._load = settings_loader
        self._settings = None

    @property
    def settings(self) -> dict:
        if self._settings is None:
            self._settings = self._load()
        return self._settings


@dataclass
class Change:
    record: Any
    created: bool
    fields: dict = field(default_factory=dict)


def describe_key(spec: ObjectSpec, values: dict) -> str:
    return ", ".join(f"{k}='{values.get(k)}'" for k in spec.unique)


class RecordService:
    def __init__(self, dbsession, app, username: str, settings_loader, *, reads=None):
        """dbsession: a Session, or a callable making one when first needed (a request's);
        reads: a callable giving what reads run on (db.reads_for), by default the session."""
        self._db = dbsession
        self._reads = reads
        self.app = app
        self.username = username
        self.ctx = ValidationContext(app, settings_loader)

    @property
    def db(self):
        if callable(self._db) and not isinstance(self._db, Session):
            self._db = self._db()
        return self._db

    @property
    def reads(self):
        return self.db if self._reads is None else self._reads()

    # -- reading -------------------------------------------------------------
    def find(self, spec: ObjectSpec, keys: dict, *, archived: bool = False, lock=False):
        model = spec.model
        stmt = select(model).where(*(getattr(model, k) == v for k, v in keys.items()))
        stmt = stmt.where(
            model.archived_at.is_not(None) if archived else model.archived_at.is_(None)
        )
        if lock:
            stmt = stmt.with_for_update()
        return self.db.execute(stmt).scalars().first()

    def list(self, spec: ObjectSpec, keys: dict, query: TableQuery, caller_scope):
        sp, sub = caller_scope
        sp_col, sub_col = spec.scope
        scoped_sp = sp is not None and bool(sp_col)
        scoped_sub = scoped_sp and sub is not None and bool(sub_col)
        # One pair of statements per shape of query (which filters, which sort), the
        # values bound by name: built once, prepared once per connection.
        # A first page whose best plan is the same whatever the values has its limit
        # written into its statement, which is then planned once (_list_statements).
        first = query.limit if query.limit and not query.offset and query.plans_alike() else None
        shape = (spec.table_name, tuple(keys), scoped_sp, scoped_sub, query.shape(), first)
        statements = _LIST_STATEMENTS.get(shape)
        if statements is None:
            statements = _list_statements(spec, tuple(keys), scoped_sp, scoped_sub, query, first)
            if len(_LIST_STATEMENTS) >= 500:
                _LIST_STATEMENTS.clear()
            _LIST_STATEMENTS[shape] = statements
        count_stmt, page_stmt, filtered = statements
        params = {f"k_{k}": v for k, v in keys.items()}
        if scoped_sp:
            params["scope_sp"] = sp
        if scoped_sub:
            params["scope_sub"] = sub
        params.update(query.bind_values())
        if first is None:
            params["page_limit"], params["page_offset"] = query.limit, query.offset
        key = (spec.table_name, keys, caller_scope, query)
        if query.limit and not query.offset:
            # A first page is read anyway; one that is not full holds every match, so
            # it is its own records_total (most lists are short: a subscriber's numbers).
            rows = read_all(self.reads, page_stmt, params)
            if len(rows) < query.limit:
                return rows, len(rows)
            return rows, self._count(count_stmt, filtered, params, key)
        total = self._count(count_stmt, filtered, params, key)
        rows = []
        if query.limit and total > query.offset:
            rows = read_all(self.reads, page_stmt, params)
        return rows, total

    def _count(self, stmt, filtered: bool, params: dict, key) -> int:
        """records_total. Counting reads every row the indexed conditions leave for the
        matches (icontains, like, regex) to test: when those are COUNT_CACHE_MIN or
        more, the total is kept COUNT_CACHE_SECONDS per process, since counting them
        costs more than the page itself, and longer (up to COUNT_KEEP_MAX) while its
        table has not changed since; the server's other processes take it from the
        host's table of totals (records.totals) while the table shows the same
        changes. Smaller sets are counted every time, exactly."""
        ident = changes = None
        if COUNT_CACHE_SECONDS > 0:
            name, keys, scope, query = key
            ident = (
                name,
                tuple(sorted(keys.items())),
                scope,
                query.archive,
                tuple(sorted(query.exact.items())),
                tuple(sorted(query.between.items())),
                tuple(sorted(query.icontains.items())),
                query.regex,
                query.like,
            )
            now = time.monotonic()
            hit = _COUNTS.get(ident)
            if hit is not None:
                expires, total, kept_changes, counted = hit
                if expires > now:
                    return total
                # Expired: this request looks again; the others keep the last total
                # meanwhile instead of all counting at once.
                _COUNTS[ident] = (now + COUNT_CACHE_SECONDS, total, kept_changes, counted)
            # Read before counting: a change the count misses moves it afterwards. A
            # first count reads it too (at most once a second per process): a total
            # kept without it would be counted again when it first expires, and a
            # fresh process would count every search twice in its first seconds.
            changes = table_changes(self.reads, name)
            if changes is not None:
                if hit is not None and changes == kept_changes and now - counted < COUNT_KEEP_MAX:
                    return total
                # Another server process of this host may have counted it since.
                digest = totals.Totals.key(ident)
                shared = totals.table().get(digest)
                if shared is not None:
                    total, kept_changes, counted = shared
                    if kept_changes == changes and now - counted < COUNT_KEEP_MAX:
                        _COUNTS[ident] = (now + COUNT_CACHE_SECONDS, total, changes, counted)
                        return total
        row = read_one(self.reads, stmt, params)
        total = row["total"]
        candidates = row["candidates"] if filtered else total
        if ident is not None:
            if candidates < COUNT_CACHE_MIN:
                _COUNTS.pop(ident, None)
            else:
                if len(_COUNTS) > 1000:
                    _COUNTS.clear()
                now = time.monotonic()
                _COUNTS[ident] = (now + COUNT_CACHE_SECONDS, total, changes, now)
                if changes is not None:
                    totals.table().put(digest, total, changes, now)
        return total

    def find_row(self, spec: ObjectSpec, keys: dict, *, archived: bool = False):
        """One record as a row mapping, for reading: a prebuilt Core statement."""
        names = tuple(keys)
        cache_key = (spec.table_name, names, archived)
        stmt = _FIND_STATEMENTS.get(cache_key)
        if stmt is None:
            t = spec.model.__table__
            cols = _record_columns(spec)
            state = t.c.archived_at.is_not(None) if archived else t.c.archived_at.is_(None)
            stmt = ReadStatement(
                select(*cols).where(state, *(t.c[n] == bindparam(f"k_{n}") for n in names)),
                json_fragments=True,
            )
            _FIND_STATEMENTS[cache_key] = stmt
        return read_one(self.reads, stmt, {f"k_{n}": v for n, v in keys.items()})

    def scope_filter(self, spec: ObjectSpec, caller_scope) -> list:
        sp, sub = caller_scope
        sp_col, sub_col = spec.scope
        t = spec.model.__table__
        out = []
        if sp is not None and sp_col:
            out.append(t.c[sp_col] == sp)
            if sub is not None and sub_col:
                out.append(t.c[sub_col] == sub)
        return out

    # -- validation ------------------------------------------------------------
    def clean(self, spec: ObjectSpec, body: Any, *, path_keys: dict, existing=None) -> tuple:
        """Return (values, changed) for a create (existing None) or an update."""
        if not isinstance(body, dict):
            raise BadRequest(f"{spec.class_name}(): the request body must be a JSON object.")
        public = spec.writable_fields
        for name in body:
            if name not in public:
                if name in spec.public_fields and body[name] == _current(existing, name):
                    continue  # a read-only field echoed back unchanged
                rule = (
                    "is set by the server and cannot be given."
                    if name in spec.public_fields
                    else f"is not a field of {spec.class_name} (fields: {', '.join(public)})."
                )
                raise BadRequest(spec.error(name, rule))
        for name, value in path_keys.items():
            if name in body and body[name] != value:
                raise BadRequest(
                    spec.error(name, f"is '{body[name]}' in the body but '{value}' in the path.")
                )
        if existing is None:
            values = {n: f.initial() for n, f in spec.fields.items()}
            incoming = {**path_keys, **body}
            names = list(public)
        else:
            values = {n: getattr(existing, n) for n in spec.fields}
            incoming = body
            names = [n for n in public if n in body]
            for name in names:
                if name in spec.immutable and body[name] != values[name]:
                    raise BadRequest(
                        spec.error(name, "is part of the record's key and cannot be changed.")
                    )
        changed = {}
        for name in names:
            f = public[name]
            try:
                value = f.clean(incoming.get(name), self.ctx)
            except FieldError as exc:
                raise BadRequest(spec.error(name, exc)) from None
            if existing is None or value != values[name]:
                changed[name] = value
            values[name] = value
        if spec.derive is not None:
            try:
                spec.derive(values)
            except FieldError as exc:
                raise BadRequest(spec.error(spec.path[0], exc)) from None
        for check in spec.checks:
            if existing is not None and changed.keys().isdisjoint(check.reads):
                continue  # the stored record is not this change's to answer for
            try:
                check.run(values, self.ctx)
            except FieldError as exc:
                raise BadRequest(spec.error(exc.field or spec.path[0], exc)) from None
        return values, changed

    def parents(self, spec: ObjectSpec, values: dict) -> list[tuple[str, ObjectSpec, dict]]:
        """(blamed field, parent spec, parent keys) for every record this one hangs under."""
        if spec.parents_of is not None:
            refs = spec.parents_of(values)
            blamed = spec.path[0]
        elif spec.parent is not None:
            refs = [(spec.parent.object, {p: values[c] for p, c in spec.parent.keys.items()})]
            blamed = list(spec.parent.keys.values())[-1]  # the key naming the parent itself
        else:
            refs = []
        return [(blamed, self.app.objects[obj], keys) for obj, keys in refs]

    def check_parents(self, spec: ObjectSpec, values: dict) -> None:
        for blamed, pspec, keys in self.parents(spec, values):
            model = pspec.model
            stmt = select(model.id).where(
                model.archived_at.is_(None), *(getattr(model, k) == v for k, v in keys.items())
            )
            # FOR SHARE: an archive of the parent waits for this insert, never races it.
            if self.db.get_bind().dialect.name == "postgresql":
                stmt = stmt.with_for_update(read=True)
            if self.db.execute(stmt).first() is None:
                named = "/".join(str(v) for v in keys.values())
                raise BadRequest(
                    spec.error(blamed, f"names a {pspec.class_name} '{named}' that does not exist.")
                )

    # -- writing ---------------------------------------------------------------
    def create(self, spec: ObjectSpec, body: Any, path_keys: dict) -> Change:
        values, changed = self.clean(spec, body, path_keys=path_keys)
        unique = {k: values[k] for k in spec.unique}
        if self.find(spec, unique) is not None:
            raise Conflict(f"{_a(spec)} with {describe_key(spec, values)} already exists.")
        self.check_parents(spec, values)
        now = utcnow()
        record = spec.model(
            **values,
            created=now,
            modified=now,
            created_by=self.username,
            modified_by=self.username,
        )
        self.db.add(record)
        self.db.flush()
        return Change(record, True, changed)

    def update(self, spec: ObjectSpec, record, body: Any) -> Change:
        path_keys = {k: getattr(record, k) for k in spec.path}
        values, changed = self.clean(spec, body, path_keys=path_keys, existing=record)
        for name, value in values.items():
            if getattr(record, name) != value:
                setattr(record, name, value)
        if changed:
            record.modified, record.modified_by = utcnow(), self.username
        self.db.flush()
        return Change(record, False, changed)

    # -- archive, restore, purge -----------------------------------------------
    def descendants(self, spec: ObjectSpec, values: dict):
        """(spec, where-clauses) for everything that hangs under a record."""
        out = []
        if spec.container:
            sp, sub = spec.scope_of(values)
            for other in self.app.objects.values():
                if other is spec:
                    continue
                sp_col, sub_col = other.scope
                if not sp_col or (sub is not None and not sub_col):
                    continue
                t = other.model.__table__
                clauses = [t.c[sp_col] == sp]
                if sub is not None:
                    clauses.append(t.c[sub_col] == sub)
                out.append((other, clauses))
        else:
            for other in self.app.objects.values():
                if other.parent is not None and other.parent.object == spec.name:
                    t = other.model.__table__
                    clauses = [t.c[c] == values[p] for p, c in other.parent.keys.items()]
                    out.append((other, clauses))
        return out

    def archive(self, spec: ObjectSpec, record) -> str:
        values = {n: getattr(record, n) for n in spec.fields}
        if self.find(spec, {k: values[k] for k in spec.unique}, archived=True) is not None:
            raise Conflict(
                f"The archive already holds {_a(spec).lower()} with "
                f"{describe_key(spec, values)}; purge it first."
            )
        batch, now = str(uuid.uuid4()), utcnow()
        record.archived_at, record.archive_batch = now, batch
        try:
            self.db.flush()
            for other, clauses in self.descendants(spec, values):
                t = other.model.__table__
                self.db.execute(
                    update(t)
                    .where(t.c.archived_at.is_(None), *clauses)
                    .values(archived_at=now, archive_batch=batch)
                )
        except IntegrityError:
            raise Conflict(
                f"The archive already holds a record with the same key as one under this "
                f"{spec.class_name}; purge that record first."
            ) from None
        self._drop_tokens(batch)
        return batch

    def restore(self, spec: ObjectSpec, record) -> None:
        values = {n: getattr(record, n) for n in spec.fields}
        if self.find(spec, {k: values[k] for k in spec.unique}) is not None:
            raise Conflict(
                f"A live {spec.class_name} with {describe_key(spec, values)} already exists; "
                "it cannot be restored over."
            )
        for _blamed, pspec, keys in self.parents(spec, values):
            if self.find(pspec, keys) is None:
                named = "/".join(str(v) for v in keys.values())
                raise Conflict(f"The {pspec.class_name} '{named}' is not live; restore it first.")
        batch = record.archive_batch
        record.archived_at, record.archive_batch = None, None
        try:
            self.db.flush()
            for other, clauses in self.descendants(spec, values):
                t = other.model.__table__
                self.db.execute(
                    update(t)
                    .where(t.c.archive_batch == batch, *clauses)
                    .values(archived_at=None, archive_batch=None)
                )
        except IntegrityError:
            raise Conflict(
                f"A live record has the same key as one archived with this {spec.class_name}; "
                "archive or rename it first."
            ) from None

    def purge(self, spec: ObjectSpec, record) -> None:
        values = {n: getattr(record, n) for n in spec.fields}
        batch = record.archive_batch
        for other, clauses in self.descendants(spec, values):
            t = other.model.__table__
            if other.name == "administrator":
                self._drop_admin_tokens(select(t.c.id).where(t.c.archive_batch == batch, *clauses))
            self.db.execute(delete(t).where(t.c.archive_batch == batch, *clauses))
        if spec.name == "administrator":
            self._drop_admin_tokens(select(spec.model.id).where(spec.model.id == record.id))
        self.db.delete(record)
        self.db.flush()

    def _drop_tokens(self, batch: str) -> None:
        admin = self.app.objects["administrator"].model
        self._drop_admin_tokens(select(admin.id).where(admin.archive_batch == batch))

    def _drop_admin_tokens(self, ids_select) -> None:
        from ..auth.models import Token
        from ..security import forget_identities

        forget_identities()
        self.db.execute(
            delete(Token).where(Token.app == self.app.short_name, Token.admin_id.in_(ids_select))
        )


META = ("created", "created_by", "modified", "modified_by")
# Set from restworkx.count_cache_seconds by main(); 0 counts every time.
COUNT_CACHE_SECONDS = 10.0
COUNT_CACHE_MIN = 10_000
# A kept total is good past COUNT_CACHE_SECONDS while its table shows no change since
# it was counted (db.table_changes, PostgreSQL only), for this long at most.
COUNT_KEEP_MAX = 300.0
_COUNTS: dict = {}
_FIND_STATEMENTS: dict = {}
_LIST_STATEMENTS: dict = {}


def _string_columns(spec: ObjectSpec) -> list[str]:
    return [n for n, f in spec.public_fields.items() if f.is_string]


def _list_statements(
    spec: ObjectSpec, keys: tuple, scoped_sp: bool, scoped_sub: bool, query, first=None
):
    """(count, page, whether the count also counts candidates) for one shape of list;
    with first (a limit), the page is the first of that many records.

    The statements of a shape whose plan cannot depend on the values (the query's
    plans_alike: keys and %pattern% matches) are planned once per connection; with a
    limit and offset bound as parameters, PostgreSQL would plan for a tenth of the
    rows, so a first page carries its limit as a literal. Other pages, and shapes
    with a search, are planned for their values on every run, as PostgreSQL chooses."""
    t = spec.model.__table__
    c = t.c
    params: dict = {}  # the values are bound per request (TableQuery.bind_values)
    where = [c.archived_at.is_not(None) if query.archive else c.archived_at.is_(None)]
    where += [c[k] == bindparam(f"k_{k}", type_=c[k].type) for k in keys]
    sp_col, sub_col = spec.scope
    if scoped_sp:
        where.append(c[sp_col] == bindparam("scope_sp", type_=c[sp_col].type))
    if scoped_sub:
        where.append(c[sub_col] == bindparam("scope_sub", type_=c[sub_col].type))
    where += query.key_where(t, params)
    matches = query.scan_where(t, _string_columns(spec), params)
    if matches:
        # One scan counts the matches and the candidates they were tested on.
        count = select(
            func.count().filter(and_(*matches)).label("total"), func.count().label("candidates")
        )
    else:
        count = select(func.count().label("total"))
    count = count.select_from(t).where(*where)
    order = query.order_by(t, spec.default_sort)
    # The page's ids first, then their rows: the ids come from an index alone when
    # one carries what the page filters and sorts on (index_include), and only the
    # page's own rows are read from the table, not every row that the offset skips
    # or the sort compares.
    page = select(c.id).where(*where, *matches).order_by(*order)
    if first is not None:
        page = page.limit(literal_column(str(int(first))))
    else:
        page = page.limit(bindparam("page_limit")).offset(bindparam("page_offset"))
    page = page.subquery("page")
    rows = select(*_record_columns(spec)).join(page, c.id == page.c.id).order_by(*order)
    alike = "generic" if query.plans_alike() else "auto"
    return (
        ReadStatement(count, plan=alike),
        ReadStatement(rows, json_fragments=True, plan="generic" if first is not None else "auto"),
        bool(matches),
    )


def _record_columns(spec: ObjectSpec) -> list:
    """What a read of records selects: id, archive state, meta, public fields."""
    t = spec.model.__table__
    return [t.c[n] for n in ("id", "archived_at", *META, *spec.public_fields)]


def _a(spec) -> str:
    """'A Subscriber', 'An Administrator'."""
    article = "An" if spec.class_name[:1] in "AEIOU" else "A"
    return f"{article} {spec.class_name}"


def _current(record, name):
    return getattr(record, name, None) if record is not None else None


def serialize(spec: ObjectSpec, row, api_base: str, quote) -> dict:
    """A record (ORM object or row mapping) in the envelope's record form."""
    get = row.__getitem__ if hasattr(row, "keys") else row.__getattribute__
    attributes = {n: get(n) for n in spec.public_names}
    for n in spec.temporal_fields:
        value = attributes[n]
        if isinstance(value, _TEMPORAL):
            attributes[n] = format_datetime(value)
    identifier = {k: get(k) for k in spec.path}
    meta = {
        "created": format_datetime(get("created")),
        "created_by": get("created_by"),
        "modified": format_datetime(get("modified")),
        "modified_by": get("modified_by"),
    }
    archived = get("archived_at")
    if archived is not None:
        meta["archived"] = format_datetime(archived)
    segments = [api_base, spec.name]
    for v in identifier.values():
        text = str(v)
        # What quote(text, safe=":") leaves as it is needs no call (most keys).
        segments.append(text if _URI_SAFE.fullmatch(text) else quote(text, safe=":"))
    return {
        "scope": spec.name,
        "meta": meta,
        "links": {
            "self": {"scope": spec.name, "identifier": identifier, "uri": "/".join(segments)}
        },
        "attributes": attributes,
    }


# Characters urllib.parse.quote never escapes, and ":" (safe=":").
_URI_SAFE = re.compile(r"[A-Za-z0-9_.~:-]*")
# What has isoformat() among the values drivers return.
_TEMPORAL = (dt.date, dt.time)
