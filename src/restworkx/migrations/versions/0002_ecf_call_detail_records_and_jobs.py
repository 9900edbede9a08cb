"""ECF call detail records and jobs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 19:44:46.181860
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ecf_cdr",
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ecf_cdr")),
    )
    with op.batch_alter_table("ecf_cdr", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ecf_cdr_path",
            ["service_provider_name", "subscriber_name", "original_called_number"],
            unique=False,
        )
        batch_op.create_index("ix_ecf_cdr_start_time", ["start_time"], unique=False)

    op.create_table(
        "ecf_job",
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ecf_job")),
    )
    with op.batch_alter_table("ecf_job", schema=None) as batch_op:
        batch_op.create_index("ix_ecf_job_path", ["role_id", "job_id"], unique=False)
        batch_op.create_index("ix_ecf_job_scope", ["scope_sp", "scope_sub"], unique=False)
        batch_op.create_index("ix_ecf_job_status", ["status"], unique=False)
        batch_op.create_index(
            "uq_ecf_job_archive",
            ["job_id"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_ecf_job_live",
            ["job_id"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )


def downgrade():
    with op.batch_alter_table("ecf_job", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_ecf_job_live",
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_ecf_job_archive",
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_ecf_job_status")
        batch_op.drop_index("ix_ecf_job_scope")
        batch_op.drop_index("ix_ecf_job_path")

    op.drop_table("ecf_job")
    with op.batch_alter_table("ecf_cdr", schema=None) as batch_op:
        batch_op.drop_index("ix_ecf_cdr_start_time")
        batch_op.drop_index("ix_ecf_cdr_path")

    op.drop_table("ecf_cdr")
