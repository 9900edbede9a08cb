"""The suite runs on SQLite (default) and on PostgreSQL: RESTWORKX_TEST_DB=postgresql.

The schema comes from the Alembic migrations, as in production. Each test
talks to the whole WSGI app through WebTest with real transactions; the
tables are emptied after every test.
"""

from __future__ import annotations

import os
import uuid

import pytest
import transaction
import webtest
from sqlalchemy import create_engine, text

from restworkx import main
from restworkx.db import Base, get_engine, get_session_factory, get_tm_session

PG_ADMIN_URL = os.environ.get(
    "RESTWORKX_TEST_PG", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)
BACKEND = os.environ.get("RESTWORKX_TEST_DB", "sqlite")


@pytest.fixture(scope="session")
def db_url(tmp_path_factory):
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db')}/test.sqlite"
        return
    name = f"restworkx_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def app_settings(db_url, tmp_path_factory):
    return {
        "sqlalchemy.url": db_url,
        "restworkx.apps": "ecf icr cin isna",
        "restworkx.data_root": str(tmp_path_factory.mktemp("app-manager")),
        "restworkx.argon2_time_cost": "1",
        "restworkx.argon2_memory_cost": "64",
        # Tests change tokens behind the app's back; test_identity_cache.py covers the cache.
        "restworkx.identity_cache_seconds": "0",
        "restworkx.syslog": "off",
    }


@pytest.fixture(scope="session")
def engine(app_settings):
    from alembic import command

    from restworkx.cli import alembic_config

    command.upgrade(alembic_config(app_settings), "heads")
    engine = get_engine(app_settings)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def wsgi_app(engine, app_settings):
    return main({}, **app_settings)


def _empty_tables(engine):
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def testapp(wsgi_app, engine):
    yield webtest.TestApp(wsgi_app, extra_environ={"REMOTE_ADDR": "192.0.2.10"})
    _empty_tables(engine)


@pytest.fixture
def dbsession(engine):
    tm = transaction.TransactionManager(explicit=True)
    with tm:
        session = get_tm_session(get_session_factory(engine), tm)
        yield session
    _empty_tables(engine)
