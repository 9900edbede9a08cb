"""Application settings: defaults from the seeds, installer values, stored changes."""


def includeme(config):
    config.scan(".views")
