"""Shared by the job, CDR and maintenance tests."""

from __future__ import annotations

import csv
import io
import os

from restworkx.jobs.worker import Worker
from restworkx.settings.service import installer_values


def dirs(app_settings, app="ecf"):
    values = installer_values(app, app_settings)
    os.makedirs(values["upload_directory"], exist_ok=True)
    return values["upload_directory"], values["download_directory"]


def put_upload(app_settings, name, text, app="ecf", encoding="utf-8"):
    upload, _ = dirs(app_settings, app)
    path = os.path.join(upload, name)
    with open(path, "wb") as fh:
        fh.write(text.encode(encoding) if isinstance(text, str) else text)
    return path


def run_worker(app_settings, engine):
    return Worker(app_settings, engine=engine).run_once()


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def csv_text(rows):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()
