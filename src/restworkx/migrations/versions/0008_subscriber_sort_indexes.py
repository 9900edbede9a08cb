"""Subscriber pages sorted by first name, last name or last change, from an index

Every subscriber table gets a live index per sort column, (service provider,
column, name), carrying id and the other page columns (PostgreSQL INCLUDE): a
provider's page sorted on one of them reads its rows in order, forward or
backward, and stops at the page's end, instead of sorting all the provider's
subscribers for every page.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 02:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES = ("cin_subscriber", "ecf_subscriber", "icr_subscriber", "isna_subscriber")
PAGE_COLUMNS = ("first_name", "last_name", "modified")
LIVE = sa.text("archived_at IS NULL")


def upgrade():
    for table in TABLES:
        for column in PAGE_COLUMNS:
            op.create_index(
                f"ix_{table}_live_{column}",
                table,
                ["service_provider_name", column, "name"],
                sqlite_where=LIVE,
                postgresql_where=LIVE,
                postgresql_include=["id", *(c for c in PAGE_COLUMNS if c != column)],
            )


def downgrade():
    for table in TABLES:
        for column in PAGE_COLUMNS:
            op.drop_index(f"ix_{table}_live_{column}", table_name=table)
