"""Effective settings = seed defaults <- installer values <- stored changes."""

from __future__ import annotations

import os

from sqlalchemy import select

from ..db import utcnow
from ..declarations.fields import FieldError
from ..errors import BadRequest, Forbidden
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

    def effective(self, identity=None, *, sp: str | None = None) -> dict:
        """The settings as an administrator sees them: a service provider's users
        get its own values for the keys the platform owner marked overridable."""
        if identity is not None:
            sp = identity.role.sp
        row = self._row()
        stored = dict(row.data) if row else {}
        marks = stored.pop(OVERRIDE, {})
        doc = deep_merge(self.base(), stored)
        if self.app.settings.overridable:
            doc[OVERRIDE] = marks
            if sp:
                own = self._row(sp)
                for path in _marked(marks):
                    if own is not None and has_path(own.data, path):
                        set_path(doc, path, get_path(own.data, path))
        return doc

    def visible(self, identity=None) -> dict:
        return mask(self.effective(identity), self.app.settings.secrets)

    def update(self, change, username: str, *, sp: str | None = None) -> tuple[dict, dict]:
        """Deep-merge a change; returns (new effective doc, the accepted change).

        With ``sp`` the change is that service provider's override and may only
        touch keys the platform owner marked overridable.
        """
        spec = self.app.settings
        if isinstance(change, dict) and set(change) == {"settings"}:
            change = change["settings"]  # seed 001 wraps __override__ in "settings"
        if not isinstance(change, dict):
            raise BadRequest("Settings(): the request body must be a JSON object.")
        change = _drop_masked(change, spec.secrets)
        current = self.effective(sp=sp)
        for path in spec.installer_keys:
            if has_path(change, path) and get_path(change, path) != get_path(current, path):
                raise BadRequest(
                    f"Settings(): Field '{'.'.join(path)}' is set by the installer "
                    "and cannot be changed through the API."
                )
        if sp:
            return self._update_override(change, username, sp, current)
        marks = change.pop(OVERRIDE, None)
        row = self._row()
        stored = deep_merge(row.data if row else {}, change)
        if marks is not None:
            stored[OVERRIDE] = self._check_marks(marks, stored.get(OVERRIDE, {}))
        body = {k: v for k, v in stored.items() if k != OVERRIDE}
        try:
            doc = spec.shape(deep_merge(self.base(), body))
        except FieldError as exc:
            raise BadRequest(_settings_error(exc)) from None
        # Store what the caller set, in its checked (coerced) form.
        picked = _pick(doc, body)
        if OVERRIDE in stored:
            picked[OVERRIDE] = stored[OVERRIDE]
        self._save("", picked, username)
        if marks is not None:
            change[OVERRIDE] = marks
        return self.effective(), change

    def _check_marks(self, marks, old: dict) -> dict:
        allowed = self.app.settings.overridable
        if not allowed:
            raise BadRequest("Settings(): Field '__override__' is not a setting.")
        if not isinstance(marks, dict):
            raise BadRequest("Settings(): Field '__override__' must be a JSON object.")
        out = deep_merge(old, marks)
        for path in _leaves(marks):
            if path not in allowed:
                raise BadRequest(
                    f"Settings(): Field '__override__.{'.'.join(path)}' has no service "
                    f"provider override option (options: "
                    f"{', '.join('.'.join(p) for p in allowed)})."
                )
            if not isinstance(get_path(marks, path), bool):
                raise BadRequest(
                    f"Settings(): Field '__override__.{'.'.join(path)}' must be true or false."
                )
        return out

    def _update_override(self, change: dict, username: str, sp: str, current: dict):
        marked = set(_marked(current.get(OVERRIDE, {})))
        for path in _leaves(change):
            if path not in marked:
                raise Forbidden(
                    f"Settings(): Field '{'.'.join(path)}' is not open to service provider "
                    "overrides; ask the platform owner."
                )
        row = self._row(sp)
        stored = deep_merge(row.data if row else {}, change)
        probe = {k: v for k, v in deep_merge(current, stored).items() if k != OVERRIDE}
        try:
            self.app.settings.shape(probe)
        except FieldError as exc:
            raise BadRequest(_settings_error(exc)) from None
        self._save(sp, _pick(probe, stored), username)
        return self.effective(sp=sp), change

    def _save(self, sp: str, data: dict, username: str) -> None:
        row = self._row(sp)
        if row is None:
            row = StoredSettings(
                app=self.app.short_name,
                service_provider_name=sp,
                data=data,
                modified=utcnow(),
                modified_by=username,
            )
            self.db.add(row)
        else:
            row.data, row.modified, row.modified_by = data, utcnow(), username
        self.db.flush()


OVERRIDE = "__override__"


def _leaves(doc: dict, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for key, value in doc.items():
        if isinstance(value, dict) and value:
            out.extend(_leaves(value, (*prefix, key)))
        else:
            out.append((*prefix, key))
    return out


def _marked(marks: dict) -> list[tuple[str, ...]]:
    return [p for p in _leaves(marks) if get_path(marks, p) is True]


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
        if rest.startswith("has an unknown key"):
            key, allowed = rest.split("'")[1], rest.partition("(allowed: ")[2].rstrip(").")
            return f"Settings(): Field '{path}.{key}' is not a setting (allowed: {allowed})."
        return f"Settings(): Field '{path}' {rest}"
    if msg.startswith("has an unknown key"):
        key = msg.split("'")[1]
        return f"Settings(): Field '{key}' is not a setting."
    return f"Settings(): {msg}"


__all__ = ["SettingsService", "installer_values", "set_path"]
