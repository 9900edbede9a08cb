from __future__ import annotations

from pyramid.httpexceptions import HTTPForbidden

from ..api import (
    NO_PERMISSION_REQUIRED,
    api_view,
    audit_after_commit,
    audit_now,
    method_not_allowed,
    read_json,
)
from ..envelope import Envelope, error_response
from ..errors import BadRequest, NotFound
from ..mail import send_token_mail
from ..resources import ApiRoot, Item
from ..settings.service import SettingsService
from . import service


@api_view(
    context=ApiRoot, name="authenticate", request_method="POST", permission=NO_PERMISSION_REQUIRED
)
def authenticate(context, request):
    try:
        body = read_json(request)
    except BadRequest:
        body = {}
    body = body if isinstance(body, dict) else {}
    username = body.get("username")
    try:
        token, admin = service.login(
            request.dbsession,
            request.application,
            username,
            body.get("password"),
            request.app_settings,
        )
    except service.LoginRefused as exc:
        # Returned, not raised: the failed-login count must commit.
        audit_now(
            request,
            f"error 401: {exc.message}",
            object="authenticate",
            username=str(username or ""),
        )
        return error_response(request, 401, exc.message)
    audit_after_commit(
        request,
        object="authenticate",
        username=admin.username,
        role_id=admin.role_id,
        outcome="login",
    )
    return Envelope(data=[{"token": token}])


@api_view(
    context=ApiRoot, name="activate", request_method="POST", permission=NO_PERMISSION_REQUIRED
)
def activate(context, request):
    body = read_json(request)
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    admin = service.set_password(
        request.dbsession,
        request.application,
        body.get("username"),
        body.get("token"),
        body.get("password"),
        lambda sp: SettingsService.for_request(request).effective(sp=sp),
    )
    audit_after_commit(
        request,
        object="administrator",
        username=admin.username,
        role_id=admin.role_id,
        identifier=f"{admin.role_id}/{admin.username}",
        outcome="password set",
    )
    return Envelope(data=[], message="Password set; authenticate with the new password.")


RECOVERY_SENT = "If the account exists, a recovery message was sent."


@api_view(context=Item, name="reset", request_method="POST", permission=NO_PERMISSION_REQUIRED)
def reset(context, request):
    if context.spec.name != "administrator":
        raise NotFound(f"No resource at '{request.path}'.")
    settings = request.app_settings
    use_email = settings["email_settings"]["use_email"]
    may_edit = request.identity is not None and request.has_permission("edit", context)
    if not may_edit and not use_email:
        raise HTTPForbidden()
    admin = request.records.find(context.spec, context.key_values)
    if admin is None:
        if may_edit:
            raise NotFound(f"Administrator '{'/'.join(context.keys)}' does not exist.")
        # Self-service recovery never tells whether the account exists.
        return Envelope(data=[], message=RECOVERY_SENT)
    if use_email and not admin.email:
        if not may_edit:
            return Envelope(data=[], message=RECOVERY_SENT)
        raise BadRequest("Administrator(): Field 'email' is empty; no mail can be sent.")
    token = service.issue(request.dbsession, request.application.short_name, admin.id, "reset")
    audit_after_commit(request, outcome="password reset")
    if use_email:
        send_token_mail(
            settings, "recover", admin.email, admin.username, request.application, token
        )
        # The same answer as for a missing account, unless the caller may see the account.
        message = "A recovery message was sent." if may_edit else RECOVERY_SENT
        return Envelope(data=[], message=message)
    return Envelope(data=[{"token": token}])


@api_view(context=Item, name="reset", permission=NO_PERMISSION_REQUIRED)
def reset_method(context, request):
    return method_not_allowed(("POST",))


@api_view(context=ApiRoot, name="authenticate", permission=NO_PERMISSION_REQUIRED)
@api_view(context=ApiRoot, name="activate", permission=NO_PERMISSION_REQUIRED)
def login_method(context, request):
    return method_not_allowed(("POST",))


def after_admin_created(request, admin) -> dict:
    """A new administrator has no password: hand out (or mail) an activation token."""
    settings = request.app_settings
    token = service.issue(request.dbsession, request.application.short_name, admin.id, "activate")
    if settings["email_settings"]["use_email"]:
        if not admin.email:
            raise BadRequest(
                "Administrator(): Field 'email' is required while email_settings.use_email is on."
            )
        send_token_mail(
            settings, "activate", admin.email, admin.username, request.application, token
        )
        return {"activation": f"mailed to {admin.email}"}
    return {"activation_token": token}
