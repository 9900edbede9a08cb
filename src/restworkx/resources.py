"""Traversal: /<app>/api[/<version>]/<object>/<key>/<key>/...

Containers only accumulate keys; no segment costs a query. The one query a
request needs runs in the view, for the whole path at once. ACLs derive from
the keys alone: the scopes (platform, service provider, subscriber) the path
names.
"""

from __future__ import annotations

import re
from functools import cached_property

from pyramid.authorization import ALL_PERMISSIONS, DENY_ALL, Allow

from .declarations.objects import PERMISSIONS, ObjectSpec
from .declarations.roles import scope_chain, scope_name

VERSION_SEGMENT = re.compile(r"v?\d+(?:\.\d+)*(?:-\d+)?")


class Root:
    __name__ = ""
    __parent__ = None
    __acl__ = [DENY_ALL]

    def __init__(self, request):
        self.request = request

    def __getitem__(self, name):
        app = self.request.registry["applications"].get(name)
        if app is None:
            raise KeyError(name)
        return AppRoot(app, self)


class AppRoot:
    def __init__(self, app, parent):
        self.app, self.__parent__, self.__name__ = app, parent, app.short_name
        self.request = parent.request

    def __getitem__(self, name):
        if name != "api":
            raise KeyError(name)
        request = self.request
        request.application = self.app
        request.is_api = True
        return ApiRoot(self.app, self, "api")


class ApiRoot:
    """The application's API root; unknown names become view names (404 JSON)."""

    is_api_root = True

    def __init__(self, app, parent, name, versioned=False):
        self.app, self.__parent__, self.__name__ = app, parent, name
        self.versioned = versioned
        self.request = parent.request

    @property
    def __acl__(self):
        return [(Allow, "authenticated", "authenticated")]

    def __getitem__(self, name):
        spec = self.app.object(name)
        if spec is not None:
            return Collection(spec, (), self, name)
        if name == "settings":
            return SettingsResource(self, name)
        if not self.versioned and VERSION_SEGMENT.fullmatch(name):
            return ApiRoot(self.app, self, name, versioned=True)
        raise KeyError(name)


def object_acl(obj: str, chain: list[str], *, item: bool) -> list:
    acl = [(Allow, f"{s}/{obj}/{perm}", perm) for s in chain for perm in PERMISSIONS]
    acl += [(Allow, f"{s}/{obj}/list", "list") for s in chain]
    if item:
        # Callers below a record (a subscriber's administrator) may read it.
        acl.append((Allow, f"up:{chain[-1]}/{obj}/view", "view"))
    acl.append((Allow, "platform_owner", ALL_PERMISSIONS))
    return acl


# The permissions object_acl grants per scope; allows() answers them without the ACL.
_SCOPED_PERMISSIONS = frozenset((*PERMISSIONS, "list"))


class _Keyed:
    spec: ObjectSpec
    keys: tuple[str, ...]
    is_item: bool

    @property
    def key_values(self) -> dict:
        return dict(zip(self.spec.path, self.keys, strict=False))

    @property
    def scope(self) -> tuple[str | None, str | None]:
        return self.spec.scope_of(self.key_values)

    @cached_property
    def chain(self) -> list[str]:
        return scope_chain(*self.scope)

    def allows(self, principals, permission: str) -> bool:
        """True when this resource's own ACL (object_acl) grants permission to one of
        principals, without building the ACL. Every ACE there is an Allow, so the ACL
        walk would stop at it too; False means "ask the ACL" (the lineage may still
        decide), never "denied"."""
        if "platform_owner" in principals:
            return True
        if permission not in _SCOPED_PERMISSIONS:
            return False
        obj = self.spec.name
        chain = self.chain
        for s in chain:
            if f"{s}/{obj}/{permission}" in principals:
                return True
        return self.is_item and permission == "view" and f"up:{chain[-1]}/{obj}/view" in principals

    @property
    def uri(self) -> str:
        return "/".join([self.request.api_base, self.spec.name, *self.keys])


class Collection(_Keyed):
    """A partial path: lists its subtree, creates under it."""

    is_item = False

    def __init__(self, spec: ObjectSpec, keys: tuple[str, ...], parent, name: str):
        self.spec, self.keys, self.__parent__, self.__name__ = spec, keys, parent, name
        self.request = parent.request

    @property
    def __acl__(self):
        return object_acl(self.spec.name, self.chain, item=False)

    def __getitem__(self, key):
        if "\x00" in key:  # no record's key holds NUL (PostgreSQL cannot even compare it)
            raise KeyError(key)
        keys = (*self.keys, key)
        if len(keys) < len(self.spec.path):
            return Collection(self.spec, keys, self, key)
        if len(keys) == len(self.spec.path):
            return Item(self.spec, keys, self, key)
        raise KeyError(key)


class Item(_Keyed):
    """A full path: one record, loaded by the view in one query."""

    is_item = True

    def __init__(self, spec: ObjectSpec, keys: tuple[str, ...], parent, name: str):
        self.spec, self.keys, self.__parent__, self.__name__ = spec, keys, parent, name
        self.request = parent.request

    @property
    def __acl__(self):
        return object_acl(self.spec.name, self.chain, item=True)

    def __getitem__(self, key):
        raise KeyError(key)


class SettingsResource:
    """The settings as the caller sees them (their scope's effective values)."""

    def __init__(self, parent, name):
        self.__parent__, self.__name__ = parent, name
        self.request = parent.request

    @property
    def __acl__(self):
        identity = self.request.identity
        chain = scope_chain(*(identity.role.sp, identity.role.sub)) if identity else []
        acl = [(Allow, f"{s}/settings/view", "view") for s in chain]
        acl.append((Allow, "platform/settings/edit", "edit"))
        if (
            identity is not None
            and identity.role.sp
            and self.request.application.settings.overridable
        ):
            acl.append((Allow, f"{scope_name(identity.role.sp, None)}/settings/edit", "edit"))
        acl.append((Allow, "platform_owner", ALL_PERMISSIONS))
        return acl

    def __getitem__(self, key):
        raise KeyError(key)
