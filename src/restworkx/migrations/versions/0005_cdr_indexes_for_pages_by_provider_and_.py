"""CDR indexes for pages by provider and subscriber

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 20:19:27.484803
"""

from alembic import op
import sqlalchemy as sa


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cin_cdr", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cin_cdr_service_provider_name_start_time",
            ["service_provider_name", "start_time"],
            unique=False,
        )
        batch_op.create_index(
            "ix_cin_cdr_service_provider_name_subscriber_name_start_time",
            ["service_provider_name", "subscriber_name", "start_time"],
            unique=False,
        )

    with op.batch_alter_table("ecf_cdr", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ecf_cdr_service_provider_name_start_time",
            ["service_provider_name", "start_time"],
            unique=False,
        )
        batch_op.create_index(
            "ix_ecf_cdr_service_provider_name_subscriber_name_start_time",
            ["service_provider_name", "subscriber_name", "start_time"],
            unique=False,
        )

    with op.batch_alter_table("icr_cdr", schema=None) as batch_op:
        batch_op.create_index(
            "ix_icr_cdr_service_provider_name_start_time",
            ["service_provider_name", "start_time"],
            unique=False,
        )
        batch_op.create_index(
            "ix_icr_cdr_service_provider_name_subscriber_name_start_time",
            ["service_provider_name", "subscriber_name", "start_time"],
            unique=False,
        )

    with op.batch_alter_table("isna_cdr", schema=None) as batch_op:
        batch_op.create_index(
            "ix_isna_cdr_service_provider_name_start_time",
            ["service_provider_name", "start_time"],
            unique=False,
        )
        batch_op.create_index(
            "ix_isna_cdr_service_provider_name_subscriber_name_start_time",
            ["service_provider_name", "subscriber_name", "start_time"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("isna_cdr", schema=None) as batch_op:
        batch_op.drop_index("ix_isna_cdr_service_provider_name_subscriber_name_start_time")
        batch_op.drop_index("ix_isna_cdr_service_provider_name_start_time")

    with op.batch_alter_table("icr_cdr", schema=None) as batch_op:
        batch_op.drop_index("ix_icr_cdr_service_provider_name_subscriber_name_start_time")
        batch_op.drop_index("ix_icr_cdr_service_provider_name_start_time")

    with op.batch_alter_table("ecf_cdr", schema=None) as batch_op:
        batch_op.drop_index("ix_ecf_cdr_service_provider_name_subscriber_name_start_time")
        batch_op.drop_index("ix_ecf_cdr_service_provider_name_start_time")

    with op.batch_alter_table("cin_cdr", schema=None) as batch_op:
        batch_op.drop_index("ix_cin_cdr_service_provider_name_subscriber_name_start_time")
        batch_op.drop_index("ix_cin_cdr_service_provider_name_start_time")
