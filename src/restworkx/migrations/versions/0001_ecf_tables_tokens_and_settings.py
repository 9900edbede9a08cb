"""ECF tables, tokens and settings

Revision ID: 0001
Revises:
Create Date: 2026-11-23 19:39:32.219163
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "app_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app", sa.String(length=16), nullable=False),
        sa.Column("service_provider_name", sa.String(length=64), nullable=False),
        sa.Column(
            "data",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=False,
        ),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.Column("modified_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_settings")),
        sa.UniqueConstraint(
            "app", "service_provider_name", name=op.f("uq_app_settings_app")
        ),
    )
    op.create_table(
        "auth_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app", sa.String(length=16), nullable=False),
        sa.Column("admin_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_auth_token_token_hash")),
    )
    with op.batch_alter_table("auth_token", schema=None) as batch_op:
        batch_op.create_index("ix_auth_token_admin", ["app", "admin_id"], unique=False)

    op.create_table(
        "ecf_administrator",
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
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=True,
        ),
        sa.Column("scope_sp", sa.String(length=64), nullable=True),
        sa.Column("scope_sub", sa.String(length=64), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("password_changed", sa.DateTime(), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=True),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ecf_administrator")),
    )
    with op.batch_alter_table("ecf_administrator", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ecf_administrator_archive_batch", ["archive_batch"], unique=False
        )
        batch_op.create_index(
            "ix_ecf_administrator_path", ["role_id", "username"], unique=False
        )
        batch_op.create_index(
            "ix_ecf_administrator_scope", ["scope_sp", "scope_sub"], unique=False
        )
        batch_op.create_index(
            "uq_ecf_administrator_archive",
            ["username"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_ecf_administrator_live",
            ["username"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )

    op.create_table(
        "ecf_service_provider",
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ecf_service_provider")),
    )
    with op.batch_alter_table("ecf_service_provider", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ecf_service_provider_archive_batch", ["archive_batch"], unique=False
        )
        batch_op.create_index(
            "uq_ecf_service_provider_archive",
            ["name"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_ecf_service_provider_live",
            ["name"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )

    op.create_table(
        "ecf_subscriber",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("archived_at", sa.DateTime(), nullable=True),
        sa.Column("archive_batch", sa.String(length=36), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("modified", sa.DateTime(), nullable=False),
        sa.Column("modified_by", sa.String(length=64), nullable=False),
        sa.Column("service_provider_name", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("pin", sa.String(length=32), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("call_manager", sa.Boolean(), nullable=True),
        sa.Column(
            "screening",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=True,
        ),
        sa.Column("account_lock", sa.Boolean(), nullable=True),
        sa.Column("first_name", sa.String(length=250), nullable=True),
        sa.Column("last_name", sa.String(length=250), nullable=True),
        sa.Column("email", sa.String(length=250), nullable=True),
        sa.Column("display_name", sa.String(length=250), nullable=True),
        sa.Column("phone", sa.String(length=250), nullable=True),
        sa.Column("address", sa.String(length=250), nullable=True),
        sa.Column(
            "speed_call_numbers",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=True,
        ),
        sa.Column(
            "acceptance_lists",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=True,
        ),
        sa.Column(
            "schedules",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=True,
        ),
        sa.Column(
            "forward_plan",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=True,
        ),
        sa.Column("default_number", sa.String(length=32), nullable=True),
        sa.Column(
            "params",
            sa.JSON().with_variant(
                postgresql.JSONB(astext_type=sa.Text()), "postgresql"
            ),
            nullable=True,
        ),
        sa.Column("notes", sa.String(length=2048), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ecf_subscriber")),
    )
    with op.batch_alter_table("ecf_subscriber", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ecf_subscriber_archive_batch", ["archive_batch"], unique=False
        )
        batch_op.create_index(
            "uq_ecf_subscriber_archive",
            ["service_provider_name", "name"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_ecf_subscriber_live",
            ["service_provider_name", "name"],
            unique=True,
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )


def downgrade():
    with op.batch_alter_table("ecf_subscriber", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_ecf_subscriber_live",
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_ecf_subscriber_archive",
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_ecf_subscriber_archive_batch")

    op.drop_table("ecf_subscriber")
    with op.batch_alter_table("ecf_service_provider", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_ecf_service_provider_live",
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_ecf_service_provider_archive",
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_ecf_service_provider_archive_batch")

    op.drop_table("ecf_service_provider")
    with op.batch_alter_table("ecf_administrator", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_ecf_administrator_live",
            sqlite_where=sa.text("archived_at IS NULL"),
            postgresql_where=sa.text("archived_at IS NULL"),
        )
        batch_op.drop_index(
            "uq_ecf_administrator_archive",
            sqlite_where=sa.text("archived_at IS NOT NULL"),
            postgresql_where=sa.text("archived_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_ecf_administrator_scope")
        batch_op.drop_index("ix_ecf_administrator_path")
        batch_op.drop_index("ix_ecf_administrator_archive_batch")

    op.drop_table("ecf_administrator")
    with op.batch_alter_table("auth_token", schema=None) as batch_op:
        batch_op.drop_index("ix_auth_token_admin")

    op.drop_table("auth_token")
    op.drop_table("app_settings")
