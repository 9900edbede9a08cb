"""The database plumbing: metadata, engine, and request.dbsession on request.tm.

Reads that run before a request's session has begun a transaction (a GET: the
token, the record, a page and its count) go through ``read()`` on an
autocommit connection of a second pool instead: one round trip per statement,
no BEGIN/ROLLBACK and no join to the request's transaction. Once the session
is in a transaction (a change under way) reads stay on it and see its writes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import threading
import time
import weakref

import orjson
import transaction
import zope.sqlalchemy
from pyramid.config import PHASE3_CONFIG
from pyramid.interfaces import IRequestExtensions, IRequestFactory
from pyramid.request import Request
from sqlalchemy import (
    JSON,
    BigInteger,
    MetaData,
    Text,
    cast,
    engine_from_config,
    event,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, sessionmaker

from . import jsoncodec

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    """Naive UTC: the database stores UTC without a zone on every backend."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def json_loads(text):
    """JSON columns as json.loads reads them, faster (records carry a few each, read
    on every GET)."""
    return jsoncodec.loads(text, strict=False)


def get_engine(settings: dict, prefix: str = "sqlalchemy.", **options):
    engine = engine_from_config(settings, prefix, json_deserializer=json_loads, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_conn, _record):
    # WAL lets the worker and several server processes share the embedded file.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    # LIKE is case-sensitive on PostgreSQL: make the embedded default agree.
    cur.execute("PRAGMA case_sensitive_like=ON")
    cur.close()


def get_reader_engine(settings: dict, prefix: str = "sqlalchemy."):
    """The engine of autocommit reads: its connections never hold a transaction, so
    nothing needs resetting when they return to its pool."""
    return get_engine(settings, prefix, isolation_level="AUTOCOMMIT", pool_reset_on_return=None)


# engine -> its autocommit twin (set by includeme; sessions bound elsewhere read on themselves)
_READERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def register_reader(engine, reader) -> None:
    _READERS[engine] = reader


def _reader_for(session):
    if isinstance(session, Engine):  # a reader itself (reads_for)
        return session
    return None if session.in_transaction() else _READERS.get(session.bind)


def reads_for(request):
    """What a request's reads run on: its session once it has one (a change under way
    reads its own writes), else the autocommit reader, without making a session (an
    ORM session and its transaction join cost a simple GET a tenth of its time)."""
    session = request.__dict__.get("dbsession")
    if session is not None:
        return session
    return request.registry["db_reader"]


def read(session, stmt, params=None, fetch=None):
    """Run a read-only statement and fetch its result (all mappings unless fetch says
    otherwise) on the session when it is in a transaction, else on an autocommit
    connection; the result is consumed before the connection goes back."""
    fetch = fetch or _all_mappings
    reader = _reader_for(session)
    if reader is None:
        return fetch(session.execute(stmt, params))
    with reader.connect() as conn:
        return fetch(conn.execute(stmt, params))


def _all_mappings(result):
    return result.mappings().all()


def first_mapping(result):
    return result.mappings().first()


def first_row(result):
    return result.first()


_PYFORMAT = re.compile(r"%\(([^)]+)\)s")


class ReadStatement:
    """A SELECT with named parameters, built once and run on many requests (a record by
    its key, a token, a page of one shape): on PostgreSQL it is prepared once per
    connection, so each run skips SQLAlchemy's execution machinery and the server's
    parse and plan.

    With json_fragments, a statement whose rows only go back out as JSON (records
    for the envelope) reads its JSON columns on PostgreSQL as the server's text,
    handed to orjson as Fragments: nothing parses them into Python only to write
    them again.

    plan says how PostgreSQL plans the prepared statement: "generic" when one plan
    serves every value it is run with (planned once per connection instead of on
    every run: a provider's first page spent a third of its time planning), "auto"
    when the best plan depends on the values (PostgreSQL's own choice, which plans
    such a statement per run), None when either will do (a record by its key)."""

    _names = itertools.count()

    def __init__(self, stmt, *, json_fragments: bool = False, plan: str | None = None):
        if plan not in _PLAN_MODES and plan is not None:
            raise ValueError(f"plan must be one of {sorted(_PLAN_MODES)} or None, not {plan!r}")
        self.stmt = stmt
        self.name = f"rwx_read_{next(self._names)}"
        self.keys = tuple(stmt.selected_columns.keys())
        self.json_fragments = json_fragments
        self.plan = plan
        self._compiled: dict = {}  # dialect name -> what _for() returns

    def _for(self, dialect):
        """(PREPARE text, EXECUTE text, default parameters, (position, result processor)
        pairs or None), or None when a parameter needs converting on the way in (then
        SQLAlchemy runs it)."""
        try:
            return self._compiled[dialect.name]
        except KeyError:
            pass
        stmt = self.stmt
        columns = list(stmt.selected_columns)
        fragments = [self.json_fragments and isinstance(c.type, JSON) for c in columns]
        if any(fragments):
            pairs = zip(columns, fragments, strict=True)
            as_text = [cast(c, Text).label(c.key) if f else c for c, f in pairs]
            stmt = stmt.with_only_columns(*as_text)
        compiled = stmt.compile(dialect=dialect)
        done = None
        binds = compiled.binds.values()
        if not any(b.type.dialect_impl(dialect).bind_processor(dialect) for b in binds):
            sql = compiled.string
            names = list(dict.fromkeys(_PYFORMAT.findall(sql)))
            for i, name in enumerate(names, 1):
                sql = sql.replace(f"%({name})s", f"${i}")
            prepare = f"PREPARE {self.name} AS {sql.replace('%%', '%')}"
            args = ", ".join(f"%({name})s" for name in names)
            execute = f"EXECUTE {self.name}({args})" if names else f"EXECUTE {self.name}"
            defaults = {k: v for k, v in compiled.params.items() if v is not None}
            processors = [
                _fragment if f else col.type.dialect_impl(dialect).result_processor(dialect, None)
                for col, f in zip(columns, fragments, strict=True)
            ]
            # Only the columns that need converting, by position.
            converting = tuple((i, p) for i, p in enumerate(processors) if p is not None)
            done = (prepare, execute, defaults, converting or None)
        self._compiled[dialect.name] = done
        return done


def _fragment(text):
    return None if text is None else orjson.Fragment(text)


def read_one(session, statement: ReadStatement, params: dict):
    """The first row of a ReadStatement as a mapping, or None (see read())."""
    return _read_prepared(session, statement, params, first_mapping)


def read_all(session, statement: ReadStatement, params: dict) -> list:
    """Every row of a ReadStatement as mappings (see read())."""
    return _read_prepared(session, statement, params, _all_mappings)


# Prepared statements a connection may hold before it drops them all (the shapes
# of list queries are many; each costs server memory).
PREPARED_MAX = 200
# How a reader connection is set to plan a ReadStatement of each plan; set in the
# same round trip as the statement's EXECUTE, and only when the connection is not
# set that way already.
_PLAN_MODES = {
    "generic": "SET plan_cache_mode = force_generic_plan",
    "auto": "SET plan_cache_mode = auto",
}


# Each thread keeps the reader connection of its prepared reads instead of taking it
# from the pool and giving it back on every read (a tenth of a simple GET's cost).
# release_readers() makes every thread give its connection back before its next read.
_held = threading.local()
_generation = 0


def release_readers() -> None:
    """Every thread's held reader connection goes back to the pool before its next read
    (tests use it to see fresh checkouts; a dead connection is replaced anyway)."""
    global _generation
    _generation += 1


def _held_connection(reader):
    conn = getattr(_held, "conn", None)
    if conn is not None and (_held.reader is not reader or _held.generation != _generation):
        _drop_held(None)
        conn = None
    if conn is None:
        conn = reader.raw_connection()
        _held.conn, _held.reader, _held.generation = conn, reader, _generation
    return conn


def _drop_held(exc) -> None:
    conn, _held.conn = getattr(_held, "conn", None), None
    if conn is None:
        return
    if exc is not None:
        conn.invalidate(exc)
    else:
        conn.close()


def _read_prepared(session, statement: ReadStatement, params: dict, fetch):
    reader = _reader_for(session)
    plan = None
    if reader is not None and reader.dialect.name == "postgresql":
        plan = statement._for(reader.dialect)
    if plan is None:
        return read(session, statement.stmt, params, fetch)
    dialect = reader.dialect
    prepare, execute, defaults, processors = plan
    if defaults:
        params = {**defaults, **params}
    # A read is repeatable: one whose held connection turns out dead (the database
    # restarted, or this host changed HA role) runs again once on a new connection.
    for attempt in (1, 2):
        conn = _held_connection(reader)
        cursor = None
        try:
            prepared = conn.info.setdefault("rwx_prepared", set())
            cursor = conn.cursor()
            if statement.name not in prepared:
                if len(prepared) >= PREPARED_MAX:
                    cursor.execute("DEALLOCATE ALL")
                    prepared.clear()
                cursor.execute(prepare)
                prepared.add(statement.name)
            mode = statement.plan
            if mode is None or conn.info.get("rwx_plan") == mode:
                cursor.execute(execute, params)
            else:
                conn.info["rwx_plan"] = None  # not known again until this succeeds
                cursor.execute(f"{_PLAN_MODES[mode]}; {execute}", params)
                conn.info["rwx_plan"] = mode
            rows = cursor.fetchone() if fetch is first_mapping else cursor.fetchall()
            cursor.close()
            break
        except dialect.loaded_dbapi.Error as exc:
            # What a SQLAlchemy Connection would do: drop a dead connection, wrap the error.
            invalidated = dialect.is_disconnect(exc, conn, cursor)
            if invalidated:
                _drop_held(exc)
                if attempt == 1:
                    continue
            raise DBAPIError.instance(
                execute,
                params,
                exc,
                dialect.loaded_dbapi.Error,
                connection_invalidated=invalidated,
                dialect=dialect,
            ) from exc
    keys = statement.keys
    if fetch is first_mapping:
        if rows is None:
            return None
        rows = [rows]
    if processors is not None:
        converted = []
        for r in rows:
            r = list(r)
            for i, p in processors:
                r[i] = p(r[i])
            converted.append(r)
        rows = converted
    out = [dict(zip(keys, r, strict=True)) for r in rows]
    return out[0] if fetch is first_mapping else out


_TABLE_CHANGES = ReadStatement(
    text(
        "SELECT CASE WHEN current_setting('track_counts')::boolean"
        " THEN n_tup_ins + n_tup_upd + n_tup_del END AS changes"
        " FROM pg_stat_user_tables WHERE relid = CAST(:table AS regclass)"
    ).columns(changes=BigInteger)
)
_CHANGES_SEEN: dict[str, tuple[float, int | None]] = {}
CHANGES_READ_SECONDS = 1.0  # how long a process goes by its last reading of them


def table_changes(session, table: str) -> int | None:
    """How many rows of `table` PostgreSQL has seen inserted, updated and deleted (its
    cumulative statistics, flushed about a second after each transaction), read at
    most once a second per process: a number that moves whenever the table changes.
    None when not known: SQLite, track_counts off, or a read inside a transaction."""
    reader = _reader_for(session)
    if reader is None or reader.dialect.name != "postgresql":
        return None
    now = time.monotonic()
    seen = _CHANGES_SEEN.get(table)
    if seen is not None and now - seen[0] < CHANGES_READ_SECONDS:
        return seen[1]
    row = read_one(session, _TABLE_CHANGES, {"table": table})
    changes = None if row is None else row["changes"]
    _CHANGES_SEEN[table] = (now, changes)
    return changes


def get_session_factory(engine):
    return sessionmaker(bind=engine, expire_on_commit=False)


def get_tm_session(session_factory, transaction_manager, request=None):
    dbsession = session_factory(info={"request": request})
    zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
    return dbsession


def _request_class_once(config) -> None:
    """Pyramid applies reified request methods (request.dbsession, .tm, .identity...)
    by building a new subclass of the request class for every request (type() costs
    more than a simple GET's own code). Build that subclass once, after every
    add_request_method, and make it the request factory."""

    def build():
        registry = config.registry
        extensions = registry.queryUtility(IRequestExtensions)
        if extensions is None or not extensions.descriptors:
            return
        base = registry.queryUtility(IRequestFactory, default=Request)
        attrs = {"__module__": base.__module__, **extensions.descriptors}
        cls = type(base.__name__, (base,), attrs)
        # As pyramid.util.InstancePropertyHelper.apply_properties: the subclass
        # provides what its base provides (no interface bookkeeping of its own).
        for name in ("__implemented__", "__provides__"):
            if hasattr(base, name):
                setattr(cls, name, getattr(base, name))
        extensions.descriptors = {}
        registry.registerUtility(cls, IRequestFactory)

    config.action(None, build, order=PHASE3_CONFIG + 10)


# Requests of these methods only read. pyramid_tm begins no transaction for them:
# most read on the autocommit reader and never make an ORM session (a transaction
# begun and committed for nothing cost a GET a tenth of its time). One that does
# make its session gets a transaction then, rolled back when the request ends.
SAFE_METHODS = frozenset(("GET", "HEAD"))


def _changes(request) -> bool:
    """pyramid_tm's tm.activate_hook: whether the request's transaction begins with it."""
    return request.method not in SAFE_METHODS


def _begin_late(request) -> None:
    """The transaction of a safe method's request, begun when it makes its session."""
    manager = request.tm
    manager.begin()
    environ = request.environ
    environ["tm.active"], environ["tm.manager"] = True, manager

    def end(request):
        environ.pop("tm.active", None)
        environ.pop("tm.manager", None)
        manager.abort()

    request.add_finished_callback(end)


def _refuse_writes(session, _flush_context, _instances) -> None:
    if session.info.get("read_only") and (session.new or session.dirty or session.deleted):
        raise RuntimeError(
            f"A {session.info['request'].method} request changes nothing: its transaction "
            "is rolled back. Make the change in a POST, PUT or DELETE."
        )


def includeme(config):
    settings = config.get_settings()
    # pyramid_tm's default manager is the thread-local transaction.manager; the
    # session factory joins it once, instead of registering seven event listeners
    # on every request's session (a measurable share of a simple GET).
    settings.pop("tm.manager_hook", None)
    # Annotating would resolve the identity before traversal names the application.
    settings["tm.annotate_user"] = False
    settings["tm.activate_hook"] = _changes
    config.include("pyramid_tm")
    engine = get_engine(settings)
    session_factory = get_session_factory(engine)
    zope.sqlalchemy.register(session_factory, transaction_manager=transaction.manager)
    event.listen(session_factory, "before_flush", _refuse_writes)
    config.registry["dbsession_factory"] = session_factory
    config.registry["db_engine"] = engine
    reader = get_reader_engine(settings)
    register_reader(engine, reader)
    config.registry["db_reader"] = reader

    def dbsession(request):
        if "tm.active" in request.environ:
            return session_factory(info={"request": request})
        _begin_late(request)
        return session_factory(info={"request": request, "read_only": True})

    config.add_request_method(dbsession, reify=True)
    _request_class_once(config)
