"""Migration 0007: on PostgreSQL the live key index of subscribers carries what a
provider's page filters and sorts on, and the planner answers such a page from it."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from restworkx.cli import alembic_config
from restworkx.db import Base

TABLES = ("cin_subscriber", "ecf_subscriber", "icr_subscriber", "isna_subscriber")


@pytest.fixture
def pg(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("INCLUDE columns are PostgreSQL's")
    return engine


def _definitions(engine) -> dict:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT tablename, indexdef FROM pg_indexes WHERE indexname LIKE 'uq_%_live'")
        )
        return {t: d for t, d in rows if t in TABLES}


def test_the_live_key_index_includes_the_page_columns(pg):
    definitions = _definitions(pg)
    assert set(definitions) == set(TABLES)
    for definition in definitions.values():
        assert definition.endswith(
            "(service_provider_name, name) INCLUDE (id, first_name, last_name, modified) "
            "WHERE (archived_at IS NULL)"
        ), definition
    for table in TABLES:
        index = next(i for i in Base.metadata.tables[table].indexes if i.name.endswith("_live"))
        assert index.dialect_options["postgresql"]["include"] == [
            "id",
            "first_name",
            "last_name",
            "modified",
        ]


def test_the_models_match_the_migrations_on_postgresql(pg):
    with pg.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_0007_downgrades_and_upgrades(pg, app_settings):
    cfg = alembic_config(app_settings)
    command.downgrade(cfg, "0006")
    try:
        assert all("INCLUDE" not in d for d in _definitions(pg).values())
    finally:
        command.upgrade(cfg, "heads")
    assert all("INCLUDE" in d for d in _definitions(pg).values())


def test_a_providers_page_comes_from_the_index(pg, owner):
    owner.post("service_provider", {"name": "acme"})
    with pg.begin() as conn:
        conn.execute(text("ANALYZE ecf_subscriber"))
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        conn.execute(text("SET LOCAL enable_bitmapscan = off"))
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                text(
                    "EXPLAIN SELECT id FROM ecf_subscriber WHERE archived_at IS NULL "
                    "AND service_provider_name = 'acme' AND lower(first_name) LIKE '%ann%' "
                    "ORDER BY last_name, service_provider_name, name, id LIMIT 10"
                )
            )
        )
    assert "Index Only Scan using uq_ecf_subscriber_live" in plan, plan
