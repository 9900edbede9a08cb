"""Tokens: only their SHA-256 is stored. Session tokens live 24 hours;
activation and reset tokens are single-use."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base

SESSION_HOURS = 24
ONE_TIME_HOURS = 72


class Token(Base):
    __tablename__ = "auth_token"
    __table_args__ = (Index("ix_auth_token_admin", "app", "admin_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app: Mapped[str] = mapped_column(String(16))
    # Administrators live in one table per application, so no foreign key here;
    # archiving or purging an administrator deletes its tokens explicitly.
    admin_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # session | activate | reset
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
