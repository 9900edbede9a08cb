"""Activation and recovery mail, sent when email_settings.use_email is on."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from .errors import APIError


def send_token_mail(settings: dict, kind: str, to: str, username: str, app, token: str) -> None:
    """kind is 'activate' or 'recover'. Raises APIError(502) if the server refuses."""
    email = settings["email_settings"]
    text = email["messages"][kind]
    msg = EmailMessage()
    msg["Subject"] = text["subject"]
    msg["From"] = email["user"] or f"{app.short_name}@localhost"
    msg["To"] = to
    msg.set_content(
        f"{text['headline']}\n\n{text['message']}\n\n"
        f"Application: {app.name}\nUsername: {username}\nToken: {token}\n\n"
        f"POST /{app.short_name}/api/activate with "
        '{"username": ..., "token": ..., "password": ...} to set your password.\n'
    )
    port = int(email["port"]) if email["port"] not in ("", None) else 25
    try:
        with smtplib.SMTP(email["host"] or "localhost", port, timeout=15) as smtp:
            if email["use_tls"]:
                smtp.starttls()
            if email["user"] and email["password"]:
                smtp.login(email["user"], email["password"])
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise APIError(f"The mail server did not accept the message: {exc}.", 502) from None
