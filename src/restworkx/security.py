"""One security policy: a token names an administrator; its role and
permission groups become principals that the resources' ACLs grant.

A principal reads "<scope>/<object>/<permission>", e.g.
"sp:acme/subscriber/edit"; ACLs list the scopes a path names, so rights
never leak outside the caller's service provider or subscriber.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

from pyramid.authorization import ACLHelper, Authenticated, Everyone
from pyramid.security import Allowed
from sqlalchemy import bindparam, select

from .db import ReadStatement, read_one, reads_for, utcnow
from .declarations.roles import PLATFORM, Role, parse_role, scope_chain


@dataclass
class Identity:
    admin_id: int
    username: str
    role: Role
    groups: list[str]
    principals: set[str] = field(default_factory=set)

    @property
    def role_id(self) -> str:
        return self.role.role_id


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def principals_for(app, role: Role, groups: list[str]) -> set[str]:
    if role.kind == "platform_owner" and not groups:
        return {"platform_owner", Authenticated, Everyone, "authenticated"}
    scope = role.scope
    ancestors = scope_chain(role.sp, role.sub)[:-1]
    out = {Authenticated, Everyone, "authenticated"}
    for obj, perms in app.rights(role.kind, groups).items():
        for perm in perms:
            out.add(f"{scope}/{obj}/{perm}")
        if "view" in perms:
            out.update(f"{a}/{obj}/list" for a in (*ancestors, scope))
            # Only the records that are the caller's own ancestors (its service
            # provider) may be read from below, not what else lives up there
            # (that provider's or the platform's administrators, jobs, ...).
            spec = app.objects.get(obj)
            if spec is not None and spec.container:
                out.update(f"up:{a}/{obj}/view" for a in ancestors)
    return out


def parse_authorization(header: str) -> str | None:
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() in ("basic", "bearer") and value.strip():
        return value.strip()
    return None


class SecurityPolicy:
    def identity(self, request) -> Identity | None:
        return request.identity_cached

    def authenticated_userid(self, request):
        identity = request.identity
        return identity.username if identity else None

    def permits(self, request, context, permission):
        identity = request.identity
        principals = identity.principals if identity else {Everyone}
        # Records' resources answer their own ACL directly (resources._Keyed.allows);
        # what they do not grant, the ACL walk decides as before.
        allows = getattr(context, "allows", None)
        if allows is not None and allows(principals, permission):
            return Allowed("%r grants %r", context, permission)
        return ACLHelper().permits(context, principals, permission)

    def remember(self, request, userid, **kw):
        return []

    def forget(self, request, **kw):
        return []


# A validated token's identity is kept this long per process, sparing the token
# query on most requests. A token revoked by another process (logout, archive,
# new password) is honoured here for at most this long; in this process the
# cache is dropped at once (forget_identities). Set by restworkx.identity_cache_seconds.
IDENTITY_TTL = 5.0
_IDENTITIES: dict[tuple[str, str], tuple[float, Identity]] = {}
_IDENTITY_MAX = 10_000
_TOKEN_STATEMENTS: dict[str, object] = {}


def forget_identities() -> None:
    _IDENTITIES.clear()


def _token_statement(app):
    from .auth.models import Token

    stmt = _TOKEN_STATEMENTS.get(app.short_name)
    if stmt is None:
        admin = app.objects["administrator"].model
        stmt = ReadStatement(
            select(
                Token.expires_at,
                admin.id,
                admin.username,
                admin.role_id,
                admin.permissions,
                admin.archived_at,
            )
            .join(admin, admin.id == Token.admin_id)
            .where(Token.token_hash == bindparam("token_hash"), Token.app == app.short_name)
            .where(Token.kind == "session")
        )
        _TOKEN_STATEMENTS[app.short_name] = stmt
    return stmt


def load_identity(request) -> Identity | None:
    """Look the bearer token up once per request; say why when it fails."""
    request.auth_failure = None
    app = getattr(request, "application", None)
    header = request.headers.get("Authorization")
    if app is None:
        return None
    if not header:
        request.auth_failure = (
            "Authentication required: send the header 'Authorization: Basic <token>' "
            "with a token from POST /authenticate."
        )
        return None
    token = parse_authorization(header)
    if token is None:
        request.auth_failure = (
            "The Authorization header must be 'Basic <token>' or 'Bearer <token>'."
        )
        return None
    key = (app.short_name, token_hash(token))
    now = time.monotonic()
    cached = _IDENTITIES.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    row = read_one(reads_for(request), _token_statement(app), {"token_hash": key[1]})
    if row is None or row["archived_at"] is not None:
        request.auth_failure = "The token is not valid; authenticate again."
        return None
    if row["expires_at"] <= utcnow():
        request.auth_failure = "The token has expired; authenticate again."
        return None
    role = parse_role(row["role_id"])
    groups = list(row["permissions"] or [])
    identity = Identity(
        admin_id=row["id"],
        username=row["username"],
        role=role,
        groups=groups,
        principals=principals_for(app, role, groups),
    )
    ttl = request.registry.settings.get("restworkx.identity_cache_seconds", IDENTITY_TTL)
    if float(ttl) > 0:
        if len(_IDENTITIES) >= _IDENTITY_MAX:
            _IDENTITIES.clear()
        # Kept until the TTL ends or the token expires, whichever comes first.
        left = (row["expires_at"] - utcnow()).total_seconds()
        _IDENTITIES[key] = (now + min(float(ttl), left), identity)
    return identity


def caller_scope(request) -> tuple[str | None, str | None]:
    identity = request.identity
    if identity is None:
        return (None, None)
    return (identity.role.sp, identity.role.sub)


def includeme(config):
    config.set_security_policy(SecurityPolicy())
    config.add_request_method(load_identity, "identity_cached", reify=True)


__all__ = ["PLATFORM", "Identity", "SecurityPolicy", "caller_scope", "principals_for"]
