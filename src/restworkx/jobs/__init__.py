"""Import and export jobs (seed 003): a durable queue in the database, run by
``restworkx worker``; the views submit, list and show them, upload the CSV an
import reads and download the CSV a job writes."""


def includeme(config):
    config.scan(".views")
