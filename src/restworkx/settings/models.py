from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base
from ..declarations.fields import JSONType


class StoredSettings(Base):
    """An application's changes over its defaults; '' is the application-wide row,
    a service provider name holds that provider's overrides (ICR __override__)."""

    __tablename__ = "app_settings"
    __table_args__ = (UniqueConstraint("app", "service_provider_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app: Mapped[str] = mapped_column(String(16))
    service_provider_name: Mapped[str] = mapped_column(String(64), default="")
    data: Mapped[dict] = mapped_column(JSONType)
    modified: Mapped[dt.datetime] = mapped_column(DateTime)
    modified_by: Mapped[str] = mapped_column(String(64))
