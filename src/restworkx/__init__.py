"""restworkx: the provisioning API of the ECF, ICR, CIN and ISNA call services."""

from __future__ import annotations

import logging

from pyramid.config import Configurator

from .logs import configure_logging

__version__ = "1.0.0"


def main(global_config, **settings):
    """Build the WSGI application; reading this tells what the app is made of."""
    from . import applications
    from .auth import passwords
    from .records import service as records_service
    from .resources import Root

    configure_logging(settings)
    passwords.configure(
        int(settings.get("restworkx.argon2_time_cost", 0) or 0) or None,
        int(settings.get("restworkx.argon2_memory_cost", 0) or 0) or None,
    )
    records_service.COUNT_CACHE_SECONDS = float(
        settings.get("restworkx.count_cache_seconds", records_service.COUNT_CACHE_SECONDS)
    )
    with Configurator(settings=settings, root_factory=Root) as config:
        config.registry["applications"] = applications.installed(settings)
        config.include(".db")
        config.include(".security")
        config.include(".envelope")
        config.include(".api")
        config.include(".auth")
        config.include(".records")
        config.include(".jobs")
        config.include(".settings")
        config.include(".health")
        config.include(".ha.views")
        config.include(".openapi")
        app = config.make_wsgi_app()
    logging.getLogger(__name__).info(
        "restworkx %s serving %s", __version__, ", ".join(config.registry["applications"])
    )
    return app
