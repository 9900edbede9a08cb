"""role_id: platform_owner, service_provider:<sp> or subscriber:<sp>:<sub>."""

from __future__ import annotations

from dataclasses import dataclass

from .fields import FieldError

PLATFORM = "platform"


@dataclass(frozen=True)
class Role:
    kind: str  # platform_owner | service_provider | subscriber
    sp: str | None = None
    sub: str | None = None

    @property
    def role_id(self) -> str:
        if self.kind == "platform_owner":
            return "platform_owner"
        if self.kind == "service_provider":
            return f"service_provider:{self.sp}"
        return f"subscriber:{self.sp}:{self.sub}"

    @property
    def scope(self) -> str:
        return scope_name(self.sp, self.sub)


def scope_name(sp: str | None, sub: str | None) -> str:
    if sp is None:
        return PLATFORM
    if sub is None:
        return f"sp:{sp}"
    return f"sub:{sp}:{sub}"


def scope_chain(sp: str | None, sub: str | None) -> list[str]:
    """The scopes from the platform down to (sp, sub)."""
    chain = [PLATFORM]
    if sp is not None:
        chain.append(f"sp:{sp}")
        if sub is not None:
            chain.append(f"sub:{sp}:{sub}")
    return chain


RULE = (
    "must be platform_owner, service_provider:<service_provider_name> "
    "or subscriber:<service_provider_name>:<subscriber_name>"
)


def parse_role(role_id) -> Role:
    if not isinstance(role_id, str):
        raise FieldError(f"{RULE}.")
    parts = role_id.split(":")
    if parts == ["platform_owner"]:
        return Role("platform_owner")
    if len(parts) == 2 and parts[0] == "service_provider" and parts[1]:
        return Role("service_provider", parts[1])
    if len(parts) == 3 and parts[0] == "subscriber" and parts[1] and parts[2]:
        return Role("subscriber", parts[1], parts[2])
    raise FieldError(f"{RULE} (got '{role_id}').")
