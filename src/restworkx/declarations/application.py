"""An application: its identity, objects, permission groups and settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .objects import PERMISSIONS, ObjectSpec

ROLE_KINDS = ("platform_owner", "service_provider", "subscriber")


@dataclass(frozen=True)
class PermissionGroup:
    """A named set of rights: object -> permissions, for the roles it fits."""

    name: str
    roles: tuple[str, ...]
    rights: dict[str, tuple[str, ...]]
    doc: str = ""


@dataclass
class SettingsSpec:
    defaults: dict
    shape: Any  # a shapes.Obj checking the whole document
    installer_keys: tuple[str, ...] = ()  # top-level keys written by the installer
    secrets: tuple[tuple[str, ...], ...] = ()  # paths never shown in clear
    # Paths a platform owner may let service providers override (ICR __override__).
    overridable: tuple[tuple[str, ...], ...] = ()


@dataclass
class Application:
    short_name: str
    name: str
    version: str
    author: str
    objects: dict[str, ObjectSpec]
    settings: SettingsSpec
    groups: dict[str, PermissionGroup] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        # The tables the applications share are declared with theirs, so Alembic
        # (migrations/env.py imports the applications) sees every table.
        from .. import audit  # noqa: F401  (audit_log)
        from ..db import Base
        from ..jobs import files  # noqa: F401  (stored_file, stored_file_chunk)

        for spec in self.objects.values():
            spec.build_model(Base, self.short_name)
        for role in ROLE_KINDS:
            name = f"default:{role}"
            if name not in self.groups:
                raise ValueError(f"{self.short_name}: permission group {name} is not declared")

    @property
    def jsonapi(self) -> dict:
        return {
            "version": self.version,
            "name": self.name,
            "short_name": self.short_name,
            "author": self.author,
        }

    def object(self, name: str) -> ObjectSpec | None:
        return self.objects.get(self.aliases.get(name, name))

    def rights(self, role_kind: str, groups: list[str] | None) -> dict[str, set[str]]:
        """object -> permissions for a role kind and its permission groups."""
        names = list(groups or []) or [f"default:{role_kind}"]
        out: dict[str, set[str]] = {}
        for name in names:
            group = self.groups.get(name)
            if group is None or role_kind not in group.roles:
                continue
            for obj, perms in group.rights.items():
                out.setdefault(obj, set()).update(perms)
        return out


def all_rights(objects) -> dict[str, tuple[str, ...]]:
    return dict.fromkeys(objects, PERMISSIONS)


def default_groups(objects, cdr: str, *, provisioned: tuple[str, ...] = ()) -> dict:
    """The three default groups most applications share: a platform owner does
    everything; a provider's administrator manages its subscribers, what
    hangs under them (``provisioned``) and its administrators; a subscriber's
    administrator edits its subscriber and manages what hangs under it."""
    under = dict.fromkeys(provisioned, PERMISSIONS)
    common = {
        "administrator": PERMISSIONS,
        "settings": ("view",),
        "job": ("view", "create"),
        cdr: ("view",),
    }
    what = ", ".join(("subscribers", *provisioned, "administrators")).replace("_", " ")
    groups = (
        PermissionGroup(
            "default:platform_owner",
            ("platform_owner",),
            all_rights([*objects, "settings"]),
            "Everything in the application.",
        ),
        PermissionGroup(
            "default:service_provider",
            ("service_provider",),
            {"service_provider": ("view", "edit"), "subscriber": PERMISSIONS, **under, **common},
            f"Manage the {what} of one service provider.",
        ),
        PermissionGroup(
            "default:subscriber",
            ("subscriber",),
            {"service_provider": ("view",), "subscriber": ("view", "edit"), **under, **common},
            "Manage one subscriber, what hangs under it and its administrators.",
        ),
    )
    return {g.name: g for g in groups}
