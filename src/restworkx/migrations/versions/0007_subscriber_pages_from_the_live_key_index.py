"""Subscriber pages from the live key index

The live key index of every subscriber table (uq_<app>_subscriber_live) also
carries id, first_name, last_name and modified (PostgreSQL INCLUDE), so a
provider's page of subscribers and its records_total come from an index-only
scan. The index is rebuilt beside the old one, which is dropped only then:
uniqueness holds throughout. SQLite has no INCLUDE: nothing changes there.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 12:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = ("cin_subscriber", "ecf_subscriber", "icr_subscriber", "isna_subscriber")
INCLUDE = ["id", "first_name", "last_name", "modified"]
LIVE = sa.text("archived_at IS NULL")


def _rebuild(table: str, include: list[str]) -> None:
    name = f"uq_{table}_live"
    op.create_index(
        f"{name}_new",
        table,
        ["service_provider_name", "name"],
        unique=True,
        postgresql_where=LIVE,
        postgresql_include=include,
    )
    op.drop_index(name, table_name=table)
    op.execute(f'ALTER INDEX "{name}_new" RENAME TO "{name}"')


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        _rebuild(table, INCLUDE)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        _rebuild(table, [])
