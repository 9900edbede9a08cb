"""site.yml on two NIU hosts made of namespaces, then what an installer and an
operator would check on them.  The tests run in file order on one converged
pair of hosts (see conftest.py)."""

from __future__ import annotations

import json
import os
import re
import shutil
import time

import pytest
from deployment import HA_ADDRESS, HERE, tail, wait_for

pytestmark = pytest.mark.cluster

SUPERVISORCTL = ["/opt/restworkx/venv/bin/supervisorctl", "-c", "/etc/restworkx/supervisord.conf"]
AUDIT_DIR = "/var/opt/xpressworkx/app-manager/ecf/logs/audit-logs"
RECEIVER = str(HERE / "syslog_receiver.py")

SP_BODY = {
    "name": "IMSWorkX",
    "display_name": "IMSWorkX",
    "first_name": "Jane",
    "last_name": "Doe",
    "email": "example@example.com",
    "address": "1 Main St. Rochester, NY",
    "phone": "5858675309",
    "notes": "more notes",
}


def curl(dep, url, *args, check=True):
    """curl from the installer's side, trusting only the CA configure-ssl made on niu1."""
    cmd = [
        "curl",
        "-sS",
        "--max-time",
        "20",
        "--cacert",
        str(dep.ca_file("niu1")),
        "-w",
        "\n%{http_code}",
        *args,
        url,
    ]
    res = dep.cluster.ctl(cmd, check=check)
    body, _, code = res.stdout.rpartition("\n")
    return int(code or 0), body


def api(dep, method, path, body=None, token=None, host="niu1"):
    h = dep.cluster[host]
    args = ["-X", method, "-H", "Content-Type: application/json"]
    if token:
        args += ["-H", f"Authorization: Basic {token}"]
    if body is not None:
        args += ["--data-binary", json.dumps(body)]
    code, text = curl(dep, f"https://{h.address}{path}", *args)
    assert code == 200, (code, text)
    return json.loads(text)


def login(dep, app="ecf", password=None):
    doc = api(
        dep,
        "POST",
        f"/{app}/api/authenticate",
        {"username": "admin", "password": password or dep.admin_password},
    )
    assert doc["meta"]["code"] == 200, doc
    return doc["data"][0]["token"]


def owner(host, path):
    """Owner of a file by the host's own user database."""
    return host.exec(["stat", "-c", "%U", path]).stdout.strip()


def programs(host):
    out = host.exec([*SUPERVISORCTL, "status"], check=False).stdout
    return {
        m.group(1): (m.group(2), m.group(3))
        for m in re.finditer(r"^(\S+)\s+(\w+)\s+(?:pid (\d+))?", out, re.M)
    }


# -- converge -----------------------------------------------------------------


def test_site_converges_on_primary_and_secondary(converged):
    for host, counts in converged.first_recap.items():
        assert counts["failed"] == 0 and counts["unreachable"] == 0, (host, counts)
        assert counts["changed"] > 0, (host, counts)
    for host in ("niu1", "niu2"):
        ini = converged.cluster[host].path("/etc/restworkx/restworkx.ini")
        assert f"restworkx.apps = {' '.join(converged.apps)}" in ini.read_text()
        assert ini.stat().st_mode & 0o777 == 0o640
        for app in converged.apps:
            for sub in ("media/upload", "media/download", "logs/audit-logs", "static"):
                d = f"/var/opt/xpressworkx/app-manager/{app}/{sub}"
                assert converged.cluster[host].path(d).is_dir(), d
                assert owner(converged.cluster[host], d) == "restworkx", d


def _pg_setting(host, name: str) -> str:
    res = host.exec(
        ["runuser", "-u", "postgres", "--", "psql", "-XAtq", "-c", f"SHOW {name}"], check=True
    )
    return res.stdout.strip()


def test_postgresql_memory_and_planner_follow_the_host(converged):
    """roles/postgresql sizes the database from the host's RAM (here the inventory's
    postgresql_memory_mb: the two test hosts share this machine's)."""
    mem_mb = converged.vars["postgresql_memory_mb"]
    buffers_mb = min(max(mem_mb // 4, 128), 8192)
    for name in ("niu1", "niu2"):
        host = converged.cluster[name]
        buffers = _pg_setting(host, "shared_buffers")
        assert buffers in (f"{buffers_mb}MB", f"{buffers_mb // 1024}GB"), buffers
        assert _pg_setting(host, "random_page_cost") == "1.1"
        assert _pg_setting(host, "autovacuum_vacuum_scale_factor") == "0.05"
        assert _pg_setting(host, "work_mem") == "16MB"
        assert _pg_setting(host, "effective_cache_size") == f"{mem_mb * 3 // 4 // 1024}GB"
        parallel = "0" if (os.cpu_count() or 1) <= 2 else "2"
        assert _pg_setting(host, "max_parallel_workers_per_gather") == parallel


def test_supervisor_runs_every_program(converged):
    for name in ("niu1", "niu2"):
        status = programs(converged.cluster[name])
        names = [*converged.artifacts["programs"], "ha-agent"]
        expected = {f"restworkx:restworkx-{p}" for p in names}
        assert set(status) == expected, status
        assert all(state == "RUNNING" for state, _ in status.values()), status


def test_supervisor_restarts_a_program_killed_with_sigkill(converged):
    h = converged.cluster["niu1"]
    name = "restworkx:restworkx-api"
    _, pid = programs(h)[name]
    h.exec(["kill", "-KILL", pid])
    wait_for(
        lambda: (lambda s: s[0] == "RUNNING" and s[1] != pid)(programs(h)[name]),
        60,
        "supervisor to restart the API server",
    )
    wait_for(
        lambda: curl(converged, f"https://{h.address}/healthz", check=False)[0] == 200,
        60,
        "the API to answer again",
    )


def test_api_workers_hand_over_their_waiting_connections(converged):
    # Each API worker listens on its own socket; a worker that stops hands the
    # connections waiting on it to the others (tests/functional/test_serve.py shows
    # both ways), now and after a reboot.
    for name in ("niu1", "niu2"):
        h = converged.cluster[name]
        now = h.exec(["sysctl", "-n", "net.ipv4.tcp_migrate_req"]).stdout.strip()
        assert now == "1", (name, now)
        saved = h.path("/etc/sysctl.d/60-restworkx.conf").read_text()
        assert "net.ipv4.tcp_migrate_req=1" in saved.replace(" ", ""), saved
        logs = h.path("/var/log/restworkx")
        plain = [f for f in sorted(logs.glob("api.log*")) if f.suffix != ".gz"]
        log = "".join(f.read_text(errors="replace") for f in plain)
        assert "(each worker on its own socket)" in log
        assert "tcp_migrate_req is not 1" not in log


def test_systemd_unit_verifies(converged):
    res = converged.cluster["niu1"].exec(
        ["systemd-analyze", "verify", "--man=no", "/etc/systemd/system/restworkx.service"],
        check=False,
    )
    assert res.returncode == 0, res.stdout + res.stderr


# -- HTTPS --------------------------------------------------------------------


def test_https_answers_the_ecf_seed_examples(converged):
    token = login(converged)
    created = api(converged, "POST", "/ecf/api/service_provider", SP_BODY, token)
    assert created["meta"]["code"] == 200, created
    read = api(converged, "GET", "/ecf/api/service_provider/IMSWorkX", token=token)
    assert read["meta"]["code"] == 200, read
    attributes = read["data"][0]["attributes"]
    assert attributes["name"] == "IMSWorkX"
    assert attributes["email"] == "example@example.com"
    wrong = api(
        converged,
        "POST",
        "/ecf/api/authenticate",
        {"username": "admin", "password": "not-the-password"},
    )
    assert wrong["meta"]["code"] != 200


def test_https_health_on_both_hosts(converged):
    for name in ("niu1", "niu2"):
        h = converged.cluster[name]
        code, body = curl(
            converged, f"https://{h.address}/healthz", "--cacert", str(converged.ca_file(name))
        )
        assert code == 200
        doc = json.loads(body)
        assert doc["status"] == "ok" and doc["database"] == "ok", doc


def test_http_redirects_to_https(converged):
    h = converged.cluster["niu1"]
    code, _ = curl(converged, f"http://{h.address}/ecf/api/service_provider", "-o", "/dev/null")
    assert code == 301
    res = converged.cluster.ctl(["curl", "-sS", "-I", f"http://{h.address}/ecf/api/x"])
    assert f"Location: https://{h.address}/ecf/api/x" in res.stdout


def test_applications_not_installed_answer_the_plain_404(converged):
    h = converged.cluster["niu1"]
    absent = [a for a in ("ecf", "icr", "cin", "isna") if a not in converged.apps]
    assert "isna" in absent
    for app in absent:
        code, body = curl(converged, f"https://{h.address}/{app}/api/service_provider", check=False)
        assert code == 404
        assert "<center>nginx</center>" in body  # the web server's page, not the app's
    for app in converged.apps:
        doc = api(
            converged,
            "POST",
            f"/{app}/api/authenticate",
            {"username": "admin", "password": converged.admin_password},
        )
        assert doc["meta"]["code"] == 200, (app, doc)


def test_tls_chain_verifies_with_the_ca_configure_ssl_made(converged):
    h = converged.cluster["niu1"]
    res = converged.cluster.ctl(
        [
            "openssl",
            "s_client",
            "-connect",
            f"{h.address}:443",
            "-servername",
            "niu1",
            "-verify_return_error",
            "-verify_ip",
            h.address,
            "-CAfile",
            str(converged.ca_file("niu1")),
        ],
        check=False,
        input="",
    )
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr
    assert "Verify return code: 0 (ok)" in res.stdout
    # An HA pair: the secondary's certificate comes from the same CA (clients of
    # the HA address trust either host), and both certify the HA address.
    assert converged.ca_file("niu2").read_bytes() == converged.ca_file("niu1").read_bytes()
    for name in ("niu1", "niu2"):
        res = converged.cluster[name].exec(
            [
                "openssl",
                "x509",
                "-noout",
                "-ext",
                "subjectAltName",
                "-in",
                "/etc/restworkx/ssl/server.crt",
            ]
        )
        assert f"IP Address:{HA_ADDRESS.split('/')[0]}" in res.stdout, res.stdout


def test_configure_ssl_wrote_the_ca_bundle_setting_and_key_modes(converged):
    h = converged.cluster["niu1"]
    for app in converged.apps:
        res = h.exec(
            [
                "/opt/restworkx/venv/bin/restworkx",
                "-c",
                "/etc/restworkx/restworkx.ini",
                "settings",
                "get",
                "--app",
                app,
                "security.ca_bundle",
            ]
        )
        assert "/etc/restworkx/ssl/ca.crt" in res.stdout, res.stdout
    for key in ("server.key", "ca.key"):
        assert h.path(f"/etc/restworkx/ssl/{key}").stat().st_mode & 0o777 == 0o600
    again = h.exec(
        [
            "/opt/restworkx/sbin/configure-ssl",
            "--generate",
            "--name",
            "niu1",
            "--ip",
            h.address,
            "--ip",
            HA_ADDRESS.split("/")[0],
        ]
    )
    assert again.stdout.strip().splitlines()[-1] == "unchanged", again.stdout


# -- audit-log rotation -------------------------------------------------------


def test_forced_logrotate_rotates_the_audit_log_and_the_app_writes_a_new_one(converged):
    h = converged.cluster["niu1"]
    audit = h.path(AUDIT_DIR)
    login(converged)
    current = wait_for(lambda: sorted(audit.glob("audit-*.log")), 10, "an audit log")[-1]
    assert current.stat().st_size > 0
    h.exec(["logrotate", "-f", "/etc/logrotate.d/restworkx"])
    assert not current.exists()
    assert current.with_name(current.name + ".1.gz").exists()
    login(converged)
    wait_for(current.exists, 10, "a new audit log")
    lines = current.read_text().splitlines()
    assert len(lines) >= 1, lines
    assert owner(h, f"{AUDIT_DIR}/{current.name}") == "restworkx"


def test_no_install_without_the_vaulted_secrets(converged):
    for missing in ({"restworkx_admins": {}}, {"restworkx_db_password": ""}):
        rc, out, _ = converged.playbook(
            "playbooks/site.yml", "--limit", "niu2", "-e", json.dumps(missing)
        )
        assert rc != 0
        assert "No default password ships" in out
        assert converged.admin_password not in out and converged.db_password not in out


# -- idempotence ----------------------------------------------------------------


def test_second_converge_changes_nothing(converged):
    rc, out, rec = converged.playbook("playbooks/site.yml", name="second converge (2 hosts)")
    assert rc == 0, tail(out, 150)
    changed = {h: r["changed"] for h, r in rec.items()}
    assert changed == {"niu1": 0, "niu2": 0}, "\n".join(
        line for line in out.splitlines() if line.startswith(("changed:", "TASK"))
    )


def test_check_diff_on_a_converged_host_runs_clean(converged):
    rc, out, rec = converged.playbook(
        "playbooks/site.yml", "--check", "--diff", name="--check --diff (2 hosts)"
    )
    assert rc == 0, tail(out, 150)
    assert {h: r["changed"] for h, r in rec.items()} == {"niu1": 0, "niu2": 0}, tail(out, 150)
    assert all(r["failed"] == 0 for r in rec.values())


# -- rsyslog forwarding ---------------------------------------------------------


class Receiver:
    """The syslog receiver on niu2 (the other test host)."""

    def __init__(self, dep, out):
        self.host = dep.cluster["niu2"]
        self.out = out
        self.log = open(dep.dir / "receiver.log", "a")  # noqa: SIM115
        self.proc = None

    def start(self):
        # The checkout may live under /tmp, which is private to each host: copy the script in.
        shutil.copy(RECEIVER, self.host.path("/srv/syslog_receiver.py"))
        self.host.exec(["rm", "-f", "/run/rwx-receiver.pid"])
        self.proc = self.host.spawn(
            ["python3", "/srv/syslog_receiver.py", self.out, "/run/rwx-receiver.pid"], self.log
        )
        wait_for(
            lambda: (
                self.host.exec(["test", "-s", "/run/rwx-receiver.pid"], check=False).returncode == 0
            ),
            10,
            "the receiver",
        )

    def stop(self):
        self.host.sh("kill $(cat /run/rwx-receiver.pid)", check=False)
        if self.proc:
            self.proc.wait(timeout=10)
        self.proc = None

    def lines(self):
        path = self.host.path(self.out)
        return path.read_text().splitlines() if path.exists() else []


@pytest.fixture
def receiver(converged):
    made = []

    def make(out):
        r = Receiver(converged, out)
        r.start()
        made.append(r)
        return r

    yield make
    for r in made:
        r.stop()


def app_log_lines(lines, proto):
    """Lines the application itself logged at start ("restworkx ... serving ...")."""
    return [
        line
        for line in lines
        if line.startswith(proto + " ") and "restworkx" in line and "serving" in line
    ]


def restart_api(dep):
    dep.cluster["niu1"].exec([*SUPERVISORCTL, "restart", "restworkx:restworkx-api"])


def test_rsyslog_forwards_app_logs_over_tcp_and_queues_through_an_outage(converged, receiver):
    r = receiver("/srv/tcp-1.log")
    restart_api(converged)
    wait_for(lambda: app_log_lines(r.lines(), "tcp"), 30, "application lines over TCP")
    r.stop()
    time.sleep(1)
    restart_api(converged)  # logged while the receiver is down
    time.sleep(3)
    r2 = receiver("/srv/tcp-2.log")
    delivered = wait_for(
        lambda: app_log_lines(r2.lines(), "tcp"), 60, "queued lines after the receiver came back"
    )
    # Each API worker logs once at start: all of them arrive.
    workers = converged.vars["restworkx_api_workers"]
    wait_for(
        lambda: len(app_log_lines(r2.lines(), "tcp")) >= workers,
        30,
        f"{workers} queued lines (got {len(delivered)})",
    )


def test_rsyslog_forwards_app_logs_over_udp(converged, receiver):
    settings = dict(converged.vars["rsyslog_ecf_logging"], rsyslog_protocol="UDP")
    rc, out, rec = converged.playbook(
        "playbooks/site.yml",
        "--tags",
        "rsyslog",
        "--limit",
        "niu1",
        "-e",
        json.dumps({"rsyslog_ecf_logging": settings}),
        name="switch rsyslog to UDP",
    )
    assert rc == 0, tail(out, 80)
    assert rec["niu1"]["changed"] >= 1
    conf = converged.cluster["niu1"].path("/etc/rsyslog.d/60-restworkx.conf").read_text()
    assert 'protocol="udp"' in conf
    r = receiver("/srv/udp.log")
    restart_api(converged)
    wait_for(lambda: app_log_lines(r.lines(), "udp"), 30, "application lines over UDP")
