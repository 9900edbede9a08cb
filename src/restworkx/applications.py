"""Every application the appliance knows; the ini file says which are installed."""

from __future__ import annotations

from .cin import application as cin
from .declarations.application import Application
from .ecf import application as ecf
from .icr import application as icr
from .isna import application as isna

ALL: dict[str, Application] = {app.short_name: app for app in (ecf, icr, cin, isna)}


def installed(settings: dict) -> dict[str, Application]:
    names = (settings.get("restworkx.apps") or " ".join(ALL)).replace(",", " ").split()
    unknown = [n for n in names if n not in ALL]
    if unknown:
        raise ValueError(f"restworkx.apps names unknown applications: {', '.join(unknown)}")
    return {n: ALL[n] for n in names}
