"""The database plumbing: metadata, engine, and request.dbsession on request.tm."""

from __future__ import annotations

import datetime as dt

import transaction
import zope.sqlalchemy
from sqlalchemy import MetaData, engine_from_config, event
from sqlalchemy.orm import DeclarativeBase, sessionmaker

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


def get_engine(settings: dict, prefix: str = "sqlalchemy."):
    engine = engine_from_config(settings, prefix)
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


def get_session_factory(engine):
    return sessionmaker(bind=engine, expire_on_commit=False)


def get_tm_session(session_factory, transaction_manager, request=None):
    dbsession = session_factory(info={"request": request})
    zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
    return dbsession


def includeme(config):
    settings = config.get_settings()
    # pyramid_tm's default manager is the thread-local transaction.manager; the
    # session factory joins it once, instead of registering seven event listeners
    # on every request's session (a measurable share of a simple GET).
    settings.pop("tm.manager_hook", None)
    # Annotating would resolve the identity before traversal names the application.
    settings["tm.annotate_user"] = False
    config.include("pyramid_tm")
    engine = get_engine(settings)
    session_factory = get_session_factory(engine)
    zope.sqlalchemy.register(session_factory, transaction_manager=transaction.manager)
    config.registry["dbsession_factory"] = session_factory
    config.registry["db_engine"] = engine

    def dbsession(request):
        return session_factory(info={"request": request})

    config.add_request_method(dbsession, reify=True)
