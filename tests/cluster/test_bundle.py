"""Checks of the deployment bundle that need no test host: syntax, lint,
Vagrantfile, and configure-ssl on files in a temporary directory."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from deployment import TOP

pytestmark = pytest.mark.cluster

CONFIGURE_SSL = TOP / "scripts" / "configure-ssl"


def sh(cmd, tools=None, **kw):
    env = dict(os.environ)
    if tools:
        env["PATH"] = f"{tools}:{env['PATH']}"
    env.update(kw.pop("env", {}))
    return subprocess.run(cmd, cwd=TOP, capture_output=True, text=True, env=env, **kw)


def test_playbook_syntax(tools):
    res = sh(
        [
            "ansible-playbook",
            "--syntax-check",
            "-i",
            "inventories/example/hosts.yml",
            "playbooks/site.yml",
        ],
        tools,
        env={"ANSIBLE_CONFIG": str(TOP / "ansible.cfg")},
    )
    assert res.returncode == 0, res.stdout + res.stderr


def test_ansible_lint_production_profile(tools, tmp_path):
    res = sh(
        ["ansible-lint", "--profile", "production", "--offline", "--nocolor"],
        tools,
        env={"ANSIBLE_HOME": str(tmp_path)},
    )
    assert res.returncode == 0, res.stdout[-5000:] + res.stderr[-5000:]


def test_vagrantfile_validates(tools, tmp_path):
    res = sh(
        ["vagrant", "validate", "--ignore-provider"],
        tools,
        env={"VAGRANT_DOTFILE_PATH": str(tmp_path / "vagrant"), "VAGRANT_HOME": str(tmp_path)},
    )
    assert res.returncode == 0, res.stdout + res.stderr


def test_python_of_the_bundle_is_lint_clean(tools):
    res = sh(
        ["ruff", "check", "--line-length", "100", "tests/cluster", "scripts/configure-ssl"], tools
    )
    assert res.returncode == 0, res.stdout + res.stderr


# -- configure-ssl without a web server or database ------------------------------------


def configure_ssl(tmp_path, *args):
    return subprocess.run(
        [
            sys.executable,
            str(CONFIGURE_SSL),
            "--dir",
            str(tmp_path / "ssl"),
            "--no-settings",
            "--no-reload",
            *args,
        ],
        capture_output=True,
        text=True,
    )


def test_configure_ssl_help():
    res = subprocess.run([str(CONFIGURE_SSL), "--help"], capture_output=True, text=True)
    assert res.returncode == 0
    assert "--generate" in res.stdout and "--ca-bundle" in res.stdout


def test_configure_ssl_generates_once_and_keeps_keys_private(tmp_path):
    first = configure_ssl(
        tmp_path, "--generate", "--name", "niu1", "--name", "ha.niu", "--ip", "10.0.0.1"
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[-1] == "changed"
    ssl = tmp_path / "ssl"
    files = {p.name: p.read_bytes() for p in ssl.iterdir()}
    for key in ("ca.key", "server.key"):
        assert (ssl / key).stat().st_mode & 0o777 == 0o600
    second = configure_ssl(
        tmp_path, "--generate", "--name", "niu1", "--name", "ha.niu", "--ip", "10.0.0.1"
    )
    assert second.stdout.splitlines()[-1] == "unchanged"
    assert {p.name: p.read_bytes() for p in ssl.iterdir()} == files
    verify = subprocess.run(
        ["openssl", "verify", "-CAfile", ssl / "ca.crt", ssl / "server.crt"],
        capture_output=True,
        text=True,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    text = subprocess.run(
        ["openssl", "x509", "-noout", "-ext", "subjectAltName", "-in", ssl / "server.crt"],
        capture_output=True,
        text=True,
    ).stdout
    assert "DNS:niu1" in text and "DNS:ha.niu" in text and "IP Address:10.0.0.1" in text
    # A new name gives a new certificate from the same CA.
    third = configure_ssl(tmp_path, "--generate", "--name", "niu1", "--name", "ha2.niu")
    assert third.stdout.splitlines()[-1] == "changed"
    assert (ssl / "ca.key").read_bytes() == files["ca.key"]
    assert (ssl / "server.crt").read_bytes() != files["server.crt"]


def test_configure_ssl_installs_given_files_and_refuses_a_foreign_key(tmp_path):
    made = configure_ssl(tmp_path / "made", "--generate", "--name", "niu1")
    assert made.returncode == 0, made.stderr
    src = tmp_path / "made" / "ssl"
    other = configure_ssl(tmp_path / "other", "--generate", "--name", "niu1")
    assert other.returncode == 0
    refused = configure_ssl(
        tmp_path,
        "--cert",
        str(src / "server.crt"),
        "--key",
        str(tmp_path / "other" / "ssl" / "server.key"),
        "--ca-bundle",
        str(src / "ca.crt"),
    )
    assert refused.returncode != 0
    assert "does not match" in refused.stderr
    assert not (tmp_path / "ssl" / "server.key").exists()
    args = (
        "--cert",
        str(src / "server.crt"),
        "--key",
        str(src / "server.key"),
        "--ca-bundle",
        str(src / "ca.crt"),
    )
    first = configure_ssl(tmp_path, *args)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[-1] == "changed"
    assert (tmp_path / "ssl" / "server.key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "ssl" / "ca.crt").read_bytes() == (src / "ca.crt").read_bytes()
    assert configure_ssl(tmp_path, *args).stdout.splitlines()[-1] == "unchanged"
    # A certificate the bundle did not sign is refused too.
    wrong_ca = configure_ssl(
        tmp_path / "x",
        "--cert",
        str(src / "server.crt"),
        "--key",
        str(src / "server.key"),
        "--ca-bundle",
        str(tmp_path / "other" / "ssl" / "ca.crt"),
    )
    assert wrong_ca.returncode != 0
