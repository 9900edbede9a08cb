"""Application logs: stderr, and syslog (local0) for rsyslog to forward."""

from __future__ import annotations

import logging
import logging.handlers
import os

_configured = False


def configure_logging(settings: dict) -> None:
    global _configured
    if _configured:
        return
    _configured = True
    level = getattr(logging, str(settings.get("restworkx.log_level", "INFO")).upper(), logging.INFO)
    root = logging.getLogger()
    root.setLevel(level)
    fmt = logging.Formatter("%(asctime)s %(levelname)s [%(name)s] %(message)s")
    if not any(isinstance(h, logging.StreamHandler) for h in root.handlers):
        stream = logging.StreamHandler()
        stream.setFormatter(fmt)
        root.addHandler(stream)
    address = settings.get("restworkx.syslog", "/dev/log")
    if address and address != "off" and (not address.startswith("/") or os.path.exists(address)):
        target = address if address.startswith("/") else _hostport(address)
        handler = logging.handlers.SysLogHandler(
            address=target, facility=logging.handlers.SysLogHandler.LOG_LOCAL0
        )
        handler.ident = "restworkx: "
        handler.setFormatter(logging.Formatter("%(levelname)s [%(name)s] %(message)s"))
        root.addHandler(handler)


def _hostport(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host, int(port)
