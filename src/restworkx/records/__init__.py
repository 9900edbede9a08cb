"""Records of every declared object: validation, CRUD, archive/restore/purge."""


def includeme(config):
    config.scan(".views")
