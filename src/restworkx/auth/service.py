"""Logins, lock-out, and one-time tokens that set a password."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import delete, select

from ..db import utcnow
from ..errors import BadRequest, Unauthorized
from ..security import forget_identities, token_hash
from .models import ONE_TIME_HOURS, SESSION_HOURS, Token
from .passwords import hash_password, verify_password

BAD_ONE_TIME = "The activation or reset token is not valid or has expired."


class LoginRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def new_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


def issue(db, app: str, admin_id: int, kind: str) -> str:
    token = new_token()
    now = utcnow()
    hours = SESSION_HOURS if kind == "session" else ONE_TIME_HOURS
    if kind != "session":
        # One live one-time token per administrator: a new one replaces the old.
        db.execute(
            delete(Token).where(
                Token.app == app, Token.admin_id == admin_id, Token.kind != "session"
            )
        )
    db.add(
        Token(
            app=app,
            admin_id=admin_id,
            kind=kind,
            token_hash=token_hash(token),
            created=now,
            expires_at=now + dt.timedelta(hours=hours),
        )
    )
    db.flush()
    return token


def login(db, app, username, password, settings: dict) -> tuple[str, object]:
    """Return (token, admin) or raise LoginRefused; failures are counted and kept."""
    from ..errors import LOGIN_FAILED

    admin_model = app.objects["administrator"].model
    if not isinstance(username, str) or not isinstance(password, str) or not username:
        raise LoginRefused(LOGIN_FAILED)
    admin = db.execute(
        select(admin_model)
        .where(admin_model.username == username, admin_model.archived_at.is_(None))
        .with_for_update()
    ).scalar_one_or_none()
    now = utcnow()
    if admin is None:
        verify_password(None, password)
        raise LoginRefused(LOGIN_FAILED)
    web = settings["web_settings"]
    if admin.locked_until is not None and admin.locked_until > now:
        minutes = max(1, int((admin.locked_until - now).total_seconds() // 60) + 1)
        raise LoginRefused(
            f"The account '{username}' is locked after {web['login_attempts']} failed logins; "
            f"try again in {minutes} minute{'s' if minutes != 1 else ''}."
        )
    if not verify_password(admin.password_hash, password):
        admin.failed_logins = (admin.failed_logins or 0) + 1
        if admin.failed_logins >= web["login_attempts"] and web["lockout_minutes"] > 0:
            admin.locked_until = now + dt.timedelta(minutes=web["lockout_minutes"])
            admin.failed_logins = 0
        db.flush()
        raise LoginRefused(LOGIN_FAILED)
    admin.failed_logins, admin.locked_until = 0, None
    return issue(db, app.short_name, admin.id, "session"), admin


def set_password(db, app, username, token, password, settings: dict):
    admin_model = app.objects["administrator"].model
    if not all(isinstance(v, str) and v for v in (username, token)):
        raise BadRequest("Send username, token and password to set a password.")
    row = db.execute(
        select(Token, admin_model)
        .join(admin_model, admin_model.id == Token.admin_id)
        .where(
            Token.token_hash == token_hash(token),
            Token.app == app.short_name,
            Token.kind.in_(("activate", "reset")),
            admin_model.username == username,
            admin_model.archived_at.is_(None),
        )
    ).first()
    if row is None or row[0].expires_at <= utcnow():
        raise Unauthorized(BAD_ONE_TIME)
    _, admin = row
    if callable(settings):  # an ICR provider may override password_length
        settings = settings(admin.scope_sp)
    check_password(password, settings)
    admin.password_hash = hash_password(password)
    admin.password_changed = utcnow()
    admin.failed_logins, admin.locked_until = 0, None
    # A new password ends every session and uses the token up.
    db.execute(delete(Token).where(Token.app == app.short_name, Token.admin_id == admin.id))
    forget_identities()
    db.flush()
    return admin


def check_password(password, settings: dict) -> None:
    minimum = settings["web_settings"]["password_length"]
    if not isinstance(password, str):
        raise BadRequest("Administrator(): Field 'password' must be a string.")
    if len(password) < minimum:
        raise BadRequest(
            f"Administrator(): Field 'password' must be at least {minimum} characters "
            "(web_settings.password_length)."
        )


def force_password(db, admin, password: str) -> None:
    """Installer path (restworkx create-admin): set a password directly."""
    admin.password_hash = hash_password(password)
    admin.password_changed = utcnow()
