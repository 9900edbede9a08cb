"""Authentication: passwords, tokens, login lock-out, activation and reset."""


def includeme(config):
    from .views import after_admin_created

    config.registry.setdefault("after_create", {})["administrator"] = after_admin_created
    config.scan(".views")
