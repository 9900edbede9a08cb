"""What the installer has: the inventory (with a vault), the playbooks, and
ansible-playbook run from the installer's side of the test network."""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from pathlib import Path

from nshost import Cluster, run

HERE = Path(__file__).resolve().parent
TOP = HERE.parents[1]
VENV = TOP / ".venv-deploy"
TIMINGS: dict[str, float] = {}
# The HA figures the README quotes (tests/cluster/test_pair_failover.py).
FIGURES: dict[str, float | str] = {}
# The HA address of the pair: on the test network, held by whichever host is writable.
HA_ADDRESS = "10.213.7.100/24"


class Deployment:
    """The cluster plus what the installer knows: inventory, secrets, playbooks."""

    def __init__(self, cluster: Cluster, tools: Path, artifacts: dict):
        self.cluster = cluster
        self.tools = tools
        self.artifacts = artifacts
        self.dir = cluster.base / "installer"
        self.inventory = self.dir / "inventory"
        self.apps = artifacts["apps"]
        self.admin_password = secrets.token_urlsafe(18)
        self.db_password = secrets.token_urlsafe(18)
        self.ha_password = secrets.token_urlsafe(18)
        self.vars = {
            "restworkx_apps": self.apps,
            "restworkx_wheel": str(artifacts["wheel"]),
            "restworkx_wheelhouse": str(artifacts["wheelhouse"]),
            "restworkx_api_workers": 2,
            # The two test NIUs share this machine's RAM: each is sized as a 4 GB host.
            "postgresql_memory_mb": 4096,
            "restworkx_db_password": "{{ vault_restworkx_db_password }}",
            "restworkx_admins": {
                app: {
                    "username": "admin",
                    "password": f"{{{{ vault_restworkx_{app}_admin_password }}}}",
                }
                for app in self.apps
            },
            "supervisor_programs": artifacts["programs"],
            "rsyslog_ecf_logging": {
                "rsyslog_host": cluster["niu2"].address,
                "rsyslog_port": 514,
                "rsyslog_protocol": "TCP",
                "rsyslog_facility": "LOCAL0",
                "rsyslog_level": "INFO",
            },
            "rsyslog_resume_interval": 2,
            # HA: the installer's side of the test network plays the gateway (witness).
            "restworkx_ha_address": HA_ADDRESS,
            "restworkx_ha_interface": "eth0",
            "restworkx_ha_witnesses": [cluster.controller],
            "restworkx_ha_password": "{{ vault_restworkx_ha_password }}",
            # Small, slow import batches and a short heartbeat limit, so that a
            # test can kill the primary in the middle of a job.
            "restworkx_extra_settings": {
                "restworkx.job_batch_rows": 100,
                "restworkx.job_batch_pause": 0.3,
                "restworkx.job_stale_seconds": 8,
            },
        }
        self.write_inventory()

    def write_inventory(self):
        c = self.cluster
        (self.inventory / "group_vars" / "niu").mkdir(parents=True)
        hosts = {
            "all": {
                "vars": {
                    "ansible_user": "root",
                    "ansible_ssh_private_key_file": str(c.ssh_key),
                    "ansible_ssh_common_args": "-o StrictHostKeyChecking=no "
                    "-o UserKnownHostsFile=/dev/null",
                },
                "children": {
                    "niu": {
                        "children": {
                            "primary": {"hosts": {"niu1": {"ansible_host": c["niu1"].address}}},
                            "secondary": {"hosts": {"niu2": {"ansible_host": c["niu2"].address}}},
                        }
                    }
                },
            }
        }
        (self.inventory / "hosts.yml").write_text(json.dumps(hosts, indent=1))
        (self.inventory / "group_vars" / "niu" / "main.yml").write_text(
            json.dumps(self.vars, indent=1)
        )
        vault = {
            "vault_restworkx_db_password": self.db_password,
            "vault_restworkx_ha_password": self.ha_password,
        }
        vault.update(
            {f"vault_restworkx_{app}_admin_password": self.admin_password for app in self.apps}
        )
        vault_file = self.inventory / "group_vars" / "niu" / "vault.yml"
        vault_file.write_text(json.dumps(vault))
        self.vault_pass = self.dir / "vault-pass"
        self.vault_pass.write_text(secrets.token_hex(16) + "\n")
        self.vault_pass.chmod(0o600)
        run(
            [
                str(self.tools / "ansible-vault"),
                "encrypt",
                "--vault-password-file",
                str(self.vault_pass),
                str(vault_file),
            ],
            env=self.env(),
        )
        assert vault_file.read_text().startswith("$ANSIBLE_VAULT")

    def env(self):
        env = dict(os.environ)
        for key in list(env):
            if key.startswith(("ANSIBLE_", "PIP_")):
                del env[key]
        env.update(
            {
                "PATH": f"{self.tools}:{env['PATH']}",
                "ANSIBLE_CONFIG": str(TOP / "ansible.cfg"),
                "ANSIBLE_HOME": str(self.dir / "ansible-home"),
                "ANSIBLE_LOCAL_TEMP": str(self.dir / "ansible-tmp"),
                "ANSIBLE_SSH_CONTROL_PATH_DIR": str(self.dir / "cp"),
                "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_CALLBACKS_ENABLED": "ansible.posix.profile_tasks",
                "ANSIBLE_DISPLAY_SKIPPED_HOSTS": "false",
            }
        )
        return env

    def playbook(self, *args, name=None):
        """Run ansible-playbook from the installer's side; returns (rc, output, recap)."""
        cmd = [
            str(self.tools / "ansible-playbook"),
            "-i",
            str(self.inventory),
            "--vault-password-file",
            str(self.vault_pass),
            *args,
        ]
        started = time.monotonic()
        res = self.cluster.ctl(cmd, check=False, env=self.env(), cwd=str(TOP))
        seconds = time.monotonic() - started
        if name:
            TIMINGS[name] = seconds
        out = res.stdout + res.stderr
        log = self.dir / f"{name or 'playbook'}.log"
        log.write_text(out)
        return res.returncode, out, recap(out)

    def ca_file(self, host):
        return self.cluster[host].path("/etc/restworkx/ssl/ca.crt")


def recap(output: str) -> dict[str, dict[str, int]]:
    """PLAY RECAP lines -> {host: {ok: n, changed: n, ...}}."""
    result = {}
    for m in re.finditer(r"^(\S+)\s+:\s+((?:\w+=\d+\s*)+)$", output, re.M):
        result[m.group(1)] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(2))}
    return result


def wait_for(predicate, timeout, what, interval=0.5):
    """The predicate's first true value, polling; an AssertionError at the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def tail(text: str, n=80) -> str:
    return "\n".join(text.splitlines()[-n:])
