"""CIN and ISNA tables

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 19:51:07.999981
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cin_administrator",
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cin_administrator")),
    )
    with op.batch_alter_table("cin_administrator", schema=None) as batch_op:
        batch_op.create_index("ix_cin_administrator_archive_batch", ["archive_batch"], unique=False)
        batch_op.create_index("ix_cin_administrator_path", ["role_id", "username"], unique=False)
        batch_op.create_index("ix_cin_administrator_scope", ["scope_sp", "scope_sub"], unique=False)
        batch_op.create_index(
            "uq_cin_administrator_archive",
            ["username"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_cin_administrator_live",
            ["username"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )

    op.create_table(
        "cin_cdr",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("archive_batch", sa.String(length=36), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.Column("modified_by", sa.String(length=64), nullable=False),
        sa.Column("cdr_id", sa.String(length=64), nullable=True),
        sa.Column("start_time", sa.DateTime(), nullable=True),
        sa.Column("end_time", sa.DateTime(), nullable=True),
        sa.Column(
            "additional_data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("service_provider_name", sa.String(length=64), nullable=True),
        sa.Column("subscriber_name", sa.String(length=64), nullable=True),
        sa.Column("called_party", sa.String(length=64), nullable=True),
        sa.Column("calling_party", sa.String(length=64), nullable=True),
        sa.Column("events", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cin_cdr")),
    )
    with op.batch_alter_table("cin_cdr", schema=None) as batch_op:
        batch_op.create_index("ix_cin_cdr_cdr_id", ["cdr_id"], unique=False)
        batch_op.create_index(
            "ix_cin_cdr_path", ["service_provider_name", "subscriber_name"], unique=False
        )
        batch_op.create_index("ix_cin_cdr_start_time", ["start_time"], unique=False)

    op.create_table(
        "cin_job",
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cin_job")),
    )
    with op.batch_alter_table("cin_job", schema=None) as batch_op:
        batch_op.create_index("ix_cin_job_path", ["role_id", "job_id"], unique=False)
        batch_op.create_index("ix_cin_job_scope", ["scope_sp", "scope_sub"], unique=False)
        batch_op.create_index("ix_cin_job_status", ["status"], unique=False)
        batch_op.create_index(
            "uq_cin_job_archive",
            ["job_id"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_cin_job_live",
            ["job_id"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )

    op.create_table(
        "cin_number",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("archive_batch", sa.String(length=36), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.Column("modified_by", sa.String(length=64), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("subscriber_name", sa.String(length=64), nullable=False),
        sa.Column("service_provider_name", sa.String(length=64), nullable=False),
        sa.Column("nickname", sa.String(length=250), nullable=True),
        sa.Column("ivr_pin", sa.String(length=32), nullable=True),
        sa.Column("override_pin", sa.String(length=32), nullable=True),
        sa.Column(
            "vip",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "blocked",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cin_number")),
    )
    with op.batch_alter_table("cin_number", schema=None) as batch_op:
        batch_op.create_index("ix_cin_number_archive_batch", ["archive_batch"], unique=False)
        batch_op.create_index(
            "ix_cin_number_path",
            ["service_provider_name", "subscriber_name", "number"],
            unique=False,
        )
        batch_op.create_index(
            "ix_cin_number_scope", ["service_provider_name", "subscriber_name"], unique=False
        )
        batch_op.create_index(
            "uq_cin_number_archive",
            ["number"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_cin_number_live",
            ["number"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )

    op.create_table(
        "cin_service_provider",
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cin_service_provider")),
    )
    with op.batch_alter_table("cin_service_provider", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cin_service_provider_archive_batch", ["archive_batch"], unique=False
        )
        batch_op.create_index(
            "uq_cin_service_provider_archive",
            ["name"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_cin_service_provider_live",
            ["name"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )

    op.create_table(
        "cin_subscriber",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("archive_batch", sa.String(length=36), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.Column("modified_by", sa.String(length=64), nullable=False),
        sa.Column("service_provider_name", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=250), nullable=True),
        sa.Column("first_name", sa.String(length=250), nullable=True),
        sa.Column("last_name", sa.String(length=250), nullable=True),
        sa.Column("email", sa.String(length=250), nullable=True),
        sa.Column("address", sa.String(length=250), nullable=True),
        sa.Column("phone", sa.String(length=250), nullable=True),
        sa.Column("notes", sa.String(length=2048), nullable=True),
        sa.Column(
            "voicemail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("service_enabled", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cin_subscriber")),
    )
    with op.batch_alter_table("cin_subscriber", schema=None) as batch_op:
        batch_op.create_index("ix_cin_subscriber_archive_batch", ["archive_batch"], unique=False)
        batch_op.create_index(
            "uq_cin_subscriber_archive",
            ["service_provider_name", "name"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_cin_subscriber_live",
            ["service_provider_name", "name"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )

    op.create_table(
        "isna_administrator",
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_isna_administrator")),
    )
    with op.batch_alter_table("isna_administrator", schema=None) as batch_op:
        batch_op.create_index(
            "ix_isna_administrator_archive_batch", ["archive_batch"], unique=False
        )
        batch_op.create_index("ix_isna_administrator_path", ["role_id", "username"], unique=False)
        batch_op.create_index(
            "ix_isna_administrator_scope", ["scope_sp", "scope_sub"], unique=False
        )
        batch_op.create_index(
            "uq_isna_administrator_archive",
            ["username"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_isna_administrator_live",
            ["username"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )

    op.create_table(
        "isna_cdr",
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_isna_cdr")),
    )
    with op.batch_alter_table("isna_cdr", schema=None) as batch_op:
        batch_op.create_index(
            "ix_isna_cdr_path",
            ["service_provider_name", "subscriber_name", "original_called_number"],
            unique=False,
        )
        batch_op.create_index("ix_isna_cdr_start_time", ["start_time"], unique=False)

    op.create_table(
        "isna_job",
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_isna_job")),
    )
    with op.batch_alter_table("isna_job", schema=None) as batch_op:
        batch_op.create_index("ix_isna_job_path", ["role_id", "job_id"], unique=False)
        batch_op.create_index("ix_isna_job_scope", ["scope_sp", "scope_sub"], unique=False)
        batch_op.create_index("ix_isna_job_status", ["status"], unique=False)
        batch_op.create_index(
            "uq_isna_job_archive",
            ["job_id"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_isna_job_live",
            ["job_id"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )

    op.create_table(
        "isna_number",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("archive_batch", sa.String(length=36), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.Column("modified_by", sa.String(length=64), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column(
            "rules",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("service_provider_name", sa.String(length=64), nullable=False),
        sa.Column("subscriber_name", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_isna_number")),
    )
    with op.batch_alter_table("isna_number", schema=None) as batch_op:
        batch_op.create_index("ix_isna_number_archive_batch", ["archive_batch"], unique=False)
        batch_op.create_index(
            "ix_isna_number_path",
            ["service_provider_name", "subscriber_name", "number"],
            unique=False,
        )
        batch_op.create_index(
            "ix_isna_number_scope", ["service_provider_name", "subscriber_name"], unique=False
        )
        batch_op.create_index(
            "uq_isna_number_archive",
            ["number"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_isna_number_live",
            ["number"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )

    op.create_table(
        "isna_service_provider",
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_isna_service_provider")),
    )
    with op.batch_alter_table("isna_service_provider", schema=None) as batch_op:
        batch_op.create_index(
            "ix_isna_service_provider_archive_batch", ["archive_batch"], unique=False
        )
        batch_op.create_index(
            "uq_isna_service_provider_archive",
            ["name"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_isna_service_provider_live",
            ["name"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )

    op.create_table(
        "isna_subscriber",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("archive_batch", sa.String(length=36), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.Column("modified_by", sa.String(length=64), nullable=False),
        sa.Column("service_provider_name", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=250), nullable=True),
        sa.Column("first_name", sa.String(length=250), nullable=True),
        sa.Column("last_name", sa.String(length=250), nullable=True),
        sa.Column("email", sa.String(length=250), nullable=True),
        sa.Column("address", sa.String(length=250), nullable=True),
        sa.Column("phone", sa.String(length=250), nullable=True),
        sa.Column("notes", sa.String(length=2048), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_isna_subscriber")),
    )
    with op.batch_alter_table("isna_subscriber", schema=None) as batch_op:
        batch_op.create_index("ix_isna_subscriber_archive_batch", ["archive_batch"], unique=False)
        batch_op.create_index(
            "uq_isna_subscriber_archive",
            ["service_provider_name", "name"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_isna_subscriber_live",
            ["service_provider_name", "name"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )


def downgrade():
    with op.batch_alter_table("isna_subscriber", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_isna_subscriber_live",
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_isna_subscriber_archive",
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_isna_subscriber_archive_batch")

    op.drop_table("isna_subscriber")
    with op.batch_alter_table("isna_service_provider", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_isna_service_provider_live",
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_isna_service_provider_archive",
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_isna_service_provider_archive_batch")

    op.drop_table("isna_service_provider")
    with op.batch_alter_table("isna_number", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_isna_number_live",
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_isna_number_archive",
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_isna_number_scope")
        batch_op.drop_index("ix_isna_number_path")
        batch_op.drop_index("ix_isna_number_archive_batch")

    op.drop_table("isna_number")
    with op.batch_alter_table("isna_job", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_isna_job_live",
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_isna_job_archive",
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_isna_job_status")
        batch_op.drop_index("ix_isna_job_scope")
        batch_op.drop_index("ix_isna_job_path")

    op.drop_table("isna_job")
    with op.batch_alter_table("isna_cdr", schema=None) as batch_op:
        batch_op.drop_index("ix_isna_cdr_start_time")
        batch_op.drop_index("ix_isna_cdr_path")

    op.drop_table("isna_cdr")
    with op.batch_alter_table("isna_administrator", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_isna_administrator_live",
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_isna_administrator_archive",
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_isna_administrator_scope")
        batch_op.drop_index("ix_isna_administrator_path")
        batch_op.drop_index("ix_isna_administrator_archive_batch")

    op.drop_table("isna_administrator")
    with op.batch_alter_table("cin_subscriber", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_cin_subscriber_live",
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_cin_subscriber_archive",
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_cin_subscriber_archive_batch")

    op.drop_table("cin_subscriber")
    with op.batch_alter_table("cin_service_provider", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_cin_service_provider_live",
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_cin_service_provider_archive",
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_cin_service_provider_archive_batch")

    op.drop_table("cin_service_provider")
    with op.batch_alter_table("cin_number", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_cin_number_live",
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_cin_number_archive",
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_cin_number_scope")
        batch_op.drop_index("ix_cin_number_path")
        batch_op.drop_index("ix_cin_number_archive_batch")

    op.drop_table("cin_number")
    with op.batch_alter_table("cin_job", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_cin_job_live",
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_cin_job_archive",
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_cin_job_status")
        batch_op.drop_index("ix_cin_job_scope")
        batch_op.drop_index("ix_cin_job_path")

    op.drop_table("cin_job")
    with op.batch_alter_table("cin_cdr", schema=None) as batch_op:
        batch_op.drop_index("ix_cin_cdr_start_time")
        batch_op.drop_index("ix_cin_cdr_path")
        batch_op.drop_index("ix_cin_cdr_cdr_id")

    op.drop_table("cin_cdr")
    with op.batch_alter_table("cin_administrator", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_cin_administrator_live",
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_cin_administrator_archive",
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_cin_administrator_scope")
        batch_op.drop_index("ix_cin_administrator_path")
        batch_op.drop_index("ix_cin_administrator_archive_batch")

    op.drop_table("cin_administrator")
