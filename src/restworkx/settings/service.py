"""Effective settings = seed defaults <- installer values <- stored changes."""

from __future__ import annotations

import os

from sqlalchemy import select

from ..db import utcnow
from ..declarations.fields import FieldError
from ..errors import BadRequest
from .models import StoredSettings
from .schema import MASK, deep_merge, get_path, has_path, mask, set_path

DEFAULT_DATA_ROOT = "/var/opt/xpressworkx/app-manager"


def data_root(registry_settings: dict) -> str:
    return os.path.abspath(registry_settings.get("restworkx.data_root") or DEFAULT_DATA_ROOT)


def installer_values(app: str, registry_settings: dict) -> dict:
    """The keys the installer owns, from the ini file (never from the API)."""
    base = os.path.join(data_root(registry_settings), app)
    return {
        "download_directory": os.path.join(base, "media", "download"),
        "upload_directory": os.path.join(base, "media", "upload"),
        "job_log_directory": os.path.join(base, "media", "download"),
        "application_password": registry_settings.get(f"restworkx.{app}.application_password", ""),
        "restworkx": {"audit_log_directory": os.path.join(base, "logs", "audit-logs")},
    }


class SettingsService:
    def __init__(self, dbsession, app, registry_settings: dict):
        self.db, self.app, self.registry_settings = dbsession, app, registry_settings

    @classmethod
    def for_request(cls, request) -> SettingsService:
        return cls(request.dbsession, request.application, request.registry.settings)

    def _row(self, sp: str = "") -> StoredSettings | None:
        return self.db.execute(
            select(StoredSettings).where(
                StoredSettings.app == self.app.short_name,
                StoredSettings.service_provider_name == sp,
            )
        ).scalar_one_or_none()

    def base(self) -> dict:
        spec = self.app.settings
        return deep_merge(
            spec.defaults, installer_values(self.app.short_name, self.registry_settings)
        )

    def effective(self, identity=None) -> dict:
        row = self._row()
        doc = deep_merge(self.base(), row.data if row else {})
        return doc

    def visible(self, identity=None) -> dict:
        return mask(self.effective(identity), self.app.settings.secrets)

    def update(self, change, username: str) -> tuple[dict, dict]:
        """Deep-merge a change; returns (new effective doc, the accepted change)."""
        spec = self.app.settings
        if not isinstance(change, dict):
            raise BadRequest("Settings(): the request body must be a JSON object.")
        current = self.effective()
        change = _drop_masked(change, spec.secrets)
        for path in spec.installer_keys:
            if has_path(change, path) and get_path(change, path) != get_path(current, path):
                raise BadRequest(
                    f"Settings(): Field '{'.'.join(path)}' is set by the installer "
                    "and cannot be changed through the API."
                )
        row = self._row()
        stored = deep_merge(row.data if row else {}, change)
        try:
            doc = spec.shape(deep_merge(self.base(), stored))
        except FieldError as exc:
            raise BadRequest(_settings_error(exc)) from None
        # Store what the caller set, in its checked (coerced) form.
        stored = _pick(doc, stored)
        if row is None:
            row = StoredSettings(
                app=self.app.short_name,
                service_provider_name="",
                data=stored,
                modified=utcnow(),
                modified_by=username,
            )
            self.db.add(row)
        else:
            row.data, row.modified, row.modified_by = stored, utcnow(), username
        self.db.flush()
        return doc, change


def _drop_masked(change: dict, secrets) -> dict:
    out = deep_merge({}, change)
    for path in secrets:
        if get_path(out, path) == MASK:
            parent = get_path(out, path[:-1]) if len(path) > 1 else out
            parent.pop(path[-1], None)
    return out


def _pick(doc: dict, shape: dict) -> dict:
    """The parts of doc that shape names, keeping doc's checked values."""
    out = {}
    for key, value in shape.items():
        if isinstance(value, dict) and isinstance(doc.get(key), dict):
            out[key] = _pick(doc[key], value)
        elif key in doc:
            out[key] = doc[key]
    return out


def _settings_error(exc: FieldError) -> str:
    msg = str(exc)
    if msg.startswith("."):
        path, _, rest = msg[1:].partition(" ")
        return f"Settings(): Field '{path}' {rest}"
    if msg.startswith("has an unknown key"):
        key = msg.split("'")[1]
        return f"Settings(): Field '{key}' is not a setting."
    return f"Settings(): {msg}"


__all__ = ["SettingsService", "installer_values", "set_path"]
