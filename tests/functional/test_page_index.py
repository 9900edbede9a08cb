"""Migrations 0007 and 0008: on PostgreSQL the live indexes of subscribers carry what a
provider's page filters and sorts on, and the planner answers such a page from one."""

from __future__ import annotations

import re

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


SORTS = {
    "name DESC, service_provider_name, id": "uq_ecf_subscriber_live",
    "last_name NULLS LAST, service_provider_name, name, id": "ix_ecf_subscriber_live_last_name",
    "first_name DESC NULLS FIRST, service_provider_name, name, id": (
        "ix_ecf_subscriber_live_first_name"
    ),
    "modified DESC, service_provider_name, name, id": "ix_ecf_subscriber_live_modified",
}


@pytest.mark.parametrize("order", SORTS)
def test_a_providers_sorted_page_is_read_in_order_from_an_index(pg, owner, order):
    """The ORDER BY of a provider's page as the list view writes it: read in order from
    an index alone (an incremental sort only orders ties), never a sort of them all."""
    owner.post("service_provider", {"name": "acme"})
    with pg.begin() as conn:
        # Enough subscribers that sorting them all costs more than reading in order.
        conn.execute(
            text(
                "INSERT INTO ecf_subscriber (created, created_by, modified, modified_by, "
                "service_provider_name, name, pin, first_name, last_name) "
                "SELECT now(), 't', now() - i * interval '1 minute', 't', 'acme', "
                "'sub' || i, '1234', 'Name' || (i % 97), 'Last' || (i % 89) "
                "FROM generate_series(1, 5000) AS i"
            )
        )
        conn.execute(text("ANALYZE ecf_subscriber"))
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        conn.execute(text("SET LOCAL enable_bitmapscan = off"))
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                text(
                    "EXPLAIN SELECT id FROM ecf_subscriber WHERE archived_at IS NULL "  # noqa: S608
                    "AND service_provider_name = 'acme' AND lower(first_name) LIKE '%ann%' "
                    f"ORDER BY {order} LIMIT 10"
                )
            )
        )
    assert f"Index Only Scan using {SORTS[order]} " in plan or (
        f"Index Only Scan Backward using {SORTS[order]} " in plan
    ), plan
    # A full Sort node would order every matching subscriber of the provider.
    assert re.search(r"(^|->  )Sort  \(", plan, re.M) is None, plan


def test_0008_downgrades_and_upgrades(pg, app_settings):
    def sort_indexes():
        with pg.connect() as conn:
            return conn.execute(
                text(
                    "SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'ix_%_subscriber_live_%'"
                )
            ).scalar()

    assert sort_indexes() == 12
    cfg = alembic_config(app_settings)
    command.downgrade(cfg, "0007")
    try:
        assert sort_indexes() == 0
    finally:
        command.upgrade(cfg, "heads")
    assert sort_indexes() == 12
