"""ICR tables

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 19:49:32.947924
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "icr_administrator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("archive_batch", sa.String(length=36), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.Column("modified_by", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role_id", sa.String(length=250), nullable=False),
        sa.Column("first_name", sa.String(length=250), nullable=True),
        sa.Column("last_name", sa.String(length=250), nullable=True),
        sa.Column("email", sa.String(length=250), nullable=True),
        sa.Column(
            "permissions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("scope_sp", sa.String(length=64), nullable=True),
        sa.Column("scope_sub", sa.String(length=64), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("password_changed", sa.DateTime(), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=True),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_icr_administrator")),
    )
    with op.batch_alter_table("icr_administrator", schema=None) as batch_op:
        batch_op.create_index("ix_icr_administrator_archive_batch", ["archive_batch"], unique=False)
        batch_op.create_index("ix_icr_administrator_path", ["role_id", "username"], unique=False)
        batch_op.create_index("ix_icr_administrator_scope", ["scope_sp", "scope_sub"], unique=False)
        batch_op.create_index(
            "uq_icr_administrator_archive",
            ["username"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_icr_administrator_live",
            ["username"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )

    op.create_table(
        "icr_audio",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("archive_batch", sa.String(length=36), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.Column("modified_by", sa.String(length=64), nullable=False),
        sa.Column("service_provider_name", sa.String(length=64), nullable=False),
        sa.Column("file", sa.String(length=250), nullable=False),
        sa.Column("server", sa.String(length=250), nullable=True),
        sa.Column("location", sa.String(length=1024), nullable=True),
        sa.Column("label", sa.String(length=250), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_icr_audio")),
    )
    with op.batch_alter_table("icr_audio", schema=None) as batch_op:
        batch_op.create_index("ix_icr_audio_archive_batch", ["archive_batch"], unique=False)
        batch_op.create_index(
            "uq_icr_audio_archive",
            ["service_provider_name", "file"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_icr_audio_live",
            ["service_provider_name", "file"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )

    op.create_table(
        "icr_call_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("archive_batch", sa.String(length=36), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.Column("modified_by", sa.String(length=64), nullable=False),
        sa.Column("service_provider_name", sa.String(length=64), nullable=False),
        sa.Column("subscriber_name", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.Column("display_name", sa.String(length=250), nullable=True),
        sa.Column(
            "rules",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("timeout", sa.Integer(), nullable=True),
        sa.Column("far_end_pickup_destination_type", sa.String(length=14), nullable=True),
        sa.Column(
            "far_end_pickup_destination_values",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_icr_call_plan")),
    )
    with op.batch_alter_table("icr_call_plan", schema=None) as batch_op:
        batch_op.create_index("ix_icr_call_plan_archive_batch", ["archive_batch"], unique=False)
        batch_op.create_index(
            "uq_icr_call_plan_archive",
            ["service_provider_name", "subscriber_name", "name"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_icr_call_plan_live",
            ["service_provider_name", "subscriber_name", "name"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )

    op.create_table(
        "icr_cdr",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("archive_batch", sa.String(length=36), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.Column("modified_by", sa.String(length=64), nullable=False),
        sa.Column("original_called_number", sa.String(length=64), nullable=True),
        sa.Column("called_number", sa.String(length=64), nullable=True),
        sa.Column("calling_number", sa.String(length=64), nullable=True),
        sa.Column("start_time", sa.DateTime(), nullable=True),
        sa.Column("end_time", sa.DateTime(), nullable=True),
        sa.Column(
            "route",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("service_provider_name", sa.String(length=64), nullable=True),
        sa.Column("subscriber_name", sa.String(length=64), nullable=True),
        sa.Column(
            "cdrs",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_icr_cdr")),
    )
    with op.batch_alter_table("icr_cdr", schema=None) as batch_op:
        batch_op.create_index(
            "ix_icr_cdr_path",
            ["service_provider_name", "subscriber_name", "original_called_number"],
            unique=False,
        )
        batch_op.create_index("ix_icr_cdr_start_time", ["start_time"], unique=False)

    op.create_table(
        "icr_constraint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("archive_batch", sa.String(length=36), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.Column("modified_by", sa.String(length=64), nullable=False),
        sa.Column("service_provider_name", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=250), nullable=False),
        sa.Column("type", sa.String(length=7), nullable=True),
        sa.Column("description", sa.String(length=250), nullable=True),
        sa.Column("value", sa.String(length=2048), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_icr_constraint")),
    )
    with op.batch_alter_table("icr_constraint", schema=None) as batch_op:
        batch_op.create_index("ix_icr_constraint_archive_batch", ["archive_batch"], unique=False)
        batch_op.create_index(
            "uq_icr_constraint_archive",
            ["service_provider_name", "label"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_icr_constraint_live",
            ["service_provider_name", "label"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )

    op.create_table(
        "icr_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("archive_batch", sa.String(length=36), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.Column("modified_by", sa.String(length=64), nullable=False),
        sa.Column("role_id", sa.String(length=250), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("job_type", sa.String(length=16), nullable=True),
        sa.Column("object", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("in_file", sa.String(length=1024), nullable=True),
        sa.Column("out_file", sa.String(length=1024), nullable=True),
        sa.Column("progress", sa.Integer(), nullable=True),
        sa.Column("elapsed", sa.String(length=32), nullable=True),
        sa.Column("pid", sa.Integer(), nullable=True),
        sa.Column(
            "kwargs",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("output_hash", sa.String(length=64), nullable=True),
        sa.Column("message", sa.String(length=2048), nullable=True),
        sa.Column("scope_sp", sa.String(length=64), nullable=True),
        sa.Column("scope_sub", sa.String(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("heartbeat", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_icr_job")),
    )
    with op.batch_alter_table("icr_job", schema=None) as batch_op:
        batch_op.create_index("ix_icr_job_path", ["role_id", "job_id"], unique=False)
        batch_op.create_index("ix_icr_job_scope", ["scope_sp", "scope_sub"], unique=False)
        batch_op.create_index("ix_icr_job_status", ["status"], unique=False)
        batch_op.create_index(
            "uq_icr_job_archive",
            ["job_id"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_icr_job_live",
            ["job_id"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )

    op.create_table(
        "icr_number",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("archive_batch", sa.String(length=36), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.Column("modified_by", sa.String(length=64), nullable=False),
        sa.Column("service_provider_name", sa.String(length=64), nullable=False),
        sa.Column("subscriber_name", sa.String(length=64), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column(
            "params",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_icr_number")),
    )
    with op.batch_alter_table("icr_number", schema=None) as batch_op:
        batch_op.create_index("ix_icr_number_archive_batch", ["archive_batch"], unique=False)
        batch_op.create_index(
            "ix_icr_number_path",
            ["service_provider_name", "subscriber_name", "number"],
            unique=False,
        )
        batch_op.create_index(
            "ix_icr_number_scope", ["service_provider_name", "subscriber_name"], unique=False
        )
        batch_op.create_index(
            "uq_icr_number_archive",
            ["number"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_icr_number_live",
            ["number"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )

    op.create_table(
        "icr_routing_table",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("archive_batch", sa.String(length=36), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.Column("modified_by", sa.String(length=64), nullable=False),
        sa.Column("call_plan_service_provider_name", sa.String(length=64), nullable=False),
        sa.Column("call_plan_subscriber_name", sa.String(length=64), nullable=False),
        sa.Column("call_plan_name", sa.String(length=250), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=True),
        sa.Column("call_plan_display_name", sa.String(length=250), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_icr_routing_table")),
    )
    with op.batch_alter_table("icr_routing_table", schema=None) as batch_op:
        batch_op.create_index("ix_icr_routing_table_archive_batch", ["archive_batch"], unique=False)
        batch_op.create_index(
            "uq_icr_routing_table_archive",
            [
                "call_plan_service_provider_name",
                "call_plan_subscriber_name",
                "call_plan_name",
                "number",
            ],
            unique=True,
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_icr_routing_table_live",
            [
                "call_plan_service_provider_name",
                "call_plan_subscriber_name",
                "call_plan_name",
                "number",
            ],
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )

    op.create_table(
        "icr_service_provider",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("archive_batch", sa.String(length=36), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.Column("modified_by", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=250), nullable=True),
        sa.Column("first_name", sa.String(length=250), nullable=True),
        sa.Column("last_name", sa.String(length=250), nullable=True),
        sa.Column("email", sa.String(length=250), nullable=True),
        sa.Column("address", sa.String(length=250), nullable=True),
        sa.Column("phone", sa.String(length=250), nullable=True),
        sa.Column("notes", sa.String(length=2048), nullable=True),
        sa.Column("legacy_service_provider_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_icr_service_provider")),
    )
    with op.batch_alter_table("icr_service_provider", schema=None) as batch_op:
        batch_op.create_index(
            "ix_icr_service_provider_archive_batch", ["archive_batch"], unique=False
        )
        batch_op.create_index(
            "uq_icr_service_provider_archive",
            ["name"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_icr_service_provider_live",
            ["name"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )

    op.create_table(
        "icr_subscriber",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("archive_batch", sa.String(length=36), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.Column("modified_by", sa.String(length=64), nullable=False),
        sa.Column("service_provider_name", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("first_name", sa.String(length=250), nullable=True),
        sa.Column("last_name", sa.String(length=250), nullable=True),
        sa.Column("email", sa.String(length=250), nullable=True),
        sa.Column("display_name", sa.String(length=250), nullable=True),
        sa.Column("phone", sa.String(length=250), nullable=True),
        sa.Column("address", sa.String(length=250), nullable=True),
        sa.Column("notes", sa.String(length=2048), nullable=True),
        sa.Column("legacy_subscriber_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_icr_subscriber")),
    )
    with op.batch_alter_table("icr_subscriber", schema=None) as batch_op:
        batch_op.create_index("ix_icr_subscriber_archive_batch", ["archive_batch"], unique=False)
        batch_op.create_index(
            "uq_icr_subscriber_archive",
            ["service_provider_name", "name"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_icr_subscriber_live",
            ["service_provider_name", "name"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )


def downgrade():
    with op.batch_alter_table("icr_subscriber", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_icr_subscriber_live",
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_icr_subscriber_archive",
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_icr_subscriber_archive_batch")

    op.drop_table("icr_subscriber")
    with op.batch_alter_table("icr_service_provider", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_icr_service_provider_live",
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_icr_service_provider_archive",
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_icr_service_provider_archive_batch")

    op.drop_table("icr_service_provider")
    with op.batch_alter_table("icr_routing_table", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_icr_routing_table_live",
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_icr_routing_table_archive",
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_icr_routing_table_archive_batch")

    op.drop_table("icr_routing_table")
    with op.batch_alter_table("icr_number", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_icr_number_live",
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_icr_number_archive",
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_icr_number_scope")
        batch_op.drop_index("ix_icr_number_path")
        batch_op.drop_index("ix_icr_number_archive_batch")

    op.drop_table("icr_number")
    with op.batch_alter_table("icr_job", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_icr_job_live",
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_icr_job_archive",
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_icr_job_status")
        batch_op.drop_index("ix_icr_job_scope")
        batch_op.drop_index("ix_icr_job_path")

    op.drop_table("icr_job")
    with op.batch_alter_table("icr_constraint", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_icr_constraint_live",
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_icr_constraint_archive",
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_icr_constraint_archive_batch")

    op.drop_table("icr_constraint")
    with op.batch_alter_table("icr_cdr", schema=None) as batch_op:
        batch_op.drop_index("ix_icr_cdr_start_time")
        batch_op.drop_index("ix_icr_cdr_path")

    op.drop_table("icr_cdr")
    with op.batch_alter_table("icr_call_plan", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_icr_call_plan_live",
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_icr_call_plan_archive",
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_icr_call_plan_archive_batch")

    op.drop_table("icr_call_plan")
    with op.batch_alter_table("icr_audio", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_icr_audio_live",
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_icr_audio_archive",
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_icr_audio_archive_batch")

    op.drop_table("icr_audio")
    with op.batch_alter_table("icr_administrator", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_icr_administrator_live",
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_icr_administrator_archive",
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_icr_administrator_scope")
        batch_op.drop_index("ix_icr_administrator_path")
        batch_op.drop_index("ix_icr_administrator_archive_batch")

    op.drop_table("icr_administrator")
