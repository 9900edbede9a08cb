"""Alembic owns the schema: the migrations must build exactly the declared models."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from restworkx import applications  # noqa: F401  (declares every table)
from restworkx.cli import alembic_config
from restworkx.db import Base


def test_migrations_match_the_models(tmp_path):
    url = f"sqlite:///{tmp_path}/m.sqlite"
    command.upgrade(alembic_config({"sqlalchemy.url": url}), "heads")
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_downgrade_to_base_and_up_again(tmp_path):
    cfg = alembic_config({"sqlalchemy.url": f"sqlite:///{tmp_path}/m.sqlite"})
    command.upgrade(cfg, "heads")
    command.downgrade(cfg, "base")
    command.upgrade(cfg, "heads")
