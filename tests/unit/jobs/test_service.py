from __future__ import annotations

import datetime as dt
import os

import pytest

from restworkx.declarations.roles import parse_role
from restworkx.errors import BadRequest
from restworkx.jobs import service


def test_in_file_resolution(tmp_path):
    upload = tmp_path / "upload"
    (upload / "sp:acme").mkdir(parents=True)
    (upload / "sp:other").mkdir()
    (upload / "top.csv").write_text("x")
    (upload / "sp:acme" / "a.csv").write_text("x")
    (upload / "sp:other" / "b.csv").write_text("x")
    (tmp_path / "outside.csv").write_text("x")
    os.symlink(tmp_path / "outside.csv", upload / "link.csv")
    acme = parse_role("service_provider:acme")
    assert service.resolve_in_file("top.csv", str(upload), acme) == str(upload / "top.csv")
    assert service.resolve_in_file(str(upload / "sp:acme" / "a.csv"), str(upload), acme)
    sub = parse_role("subscriber:acme:bob")
    for bad, role in (
        ("../outside.csv", acme),
        ("link.csv", acme),
        (str(tmp_path / "outside.csv"), acme),
        ("sp:other/b.csv", acme),
        ("sp:acme/a.csv", sub),
        ("", acme),
        (None, acme),
        (".", acme),
    ):
        with pytest.raises(BadRequest):
            service.resolve_in_file(bad, str(upload), role)
    assert service.resolve_in_file("sp:other/b.csv", str(upload), parse_role("platform_owner"))


def test_out_file_names_follow_the_seed():
    name = service.out_file_name("/d", "subscriber", "import", dt.date(2022, 4, 7))
    assert name.startswith("/d/subscriber-import-2022-04-07-") and name.endswith(".csv")
    assert len(os.path.basename(name)) == len("subscriber-import-2022-04-07-23770cb05d.csv")


def test_safe_upload_names():
    assert service.safe_file_name("../../etc/pass wd") == "pass_wd.csv"
    assert service.safe_file_name("") == "upload.csv"
    assert service.safe_file_name("a.CSV") == "a.CSV"


def test_an_in_file_stored_in_the_database_need_not_be_here(tmp_path):
    upload = tmp_path / "upload"
    upload.mkdir()
    acme = parse_role("service_provider:acme")
    elsewhere = str(upload / "sp:acme" / "uploaded-on-the-other-host.csv")
    with pytest.raises(BadRequest):
        service.resolve_in_file(elsewhere, str(upload), acme)
    stored = {elsewhere}.__contains__
    assert service.resolve_in_file(elsewhere, str(upload), acme, stored) == elsewhere
    with pytest.raises(BadRequest):  # the scope rules still apply
        service.resolve_in_file("sp:other/b.csv", str(upload), acme, lambda _p: True)
