"""Test hosts made of Linux namespaces, reached by Ansible over SSH.

Each host is a process tree in its own mount, UTS, IPC, network and PID
namespaces (see nsinit.py), with private copies of the directories a host owns.
The hosts are cabled by veth pairs to a bridge that lives in a network namespace
of its own; that namespace also plays the installer's machine (the Ansible
controller and the test's HTTPS client run there).  Nothing is routed out of it.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
NSINIT = HERE / "nsinit.py"
SUBNET = "10.213.7"
PREFIX = 24
BRIDGE_MAC = "02:72:77:78:00:01"  # locally administered


_libc = ctypes.CDLL(None, use_errno=True)
PR_SET_PDEATHSIG = 1


def die_with_parent():
    """If the test run itself is killed, its hosts go with it."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def run(cmd, check=True, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    res = subprocess.run(cmd, **kw)
    if check and res.returncode != 0:
        raise RuntimeError(f"{cmd!r} failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")
    return res


class Host:
    def __init__(self, cluster: Cluster, name: str, index: int):
        self.cluster = cluster
        self.name = name
        self.address = f"{SUBNET}.{10 + index}"
        self.dir = cluster.base / name
        self.veth = f"rwx{cluster.tag}{index}"
        self.proc: subprocess.Popen | None = None
        self.pid: int | None = None

    # -- building -------------------------------------------------------------
    def prepare_tree(self):
        d = self.dir
        d.mkdir(parents=True)
        run(["cp", "-a", "/etc", str(d / "etc")])
        etc = d / "etc"
        # A fresh host: no PostgreSQL cluster yet, its own SSH host keys, its own name.
        shutil.rmtree(etc / "postgresql")
        (etc / "postgresql").mkdir()
        shutil.chown(etc / "postgresql", "postgres", "postgres")
        for key in etc.glob("ssh/ssh_host_*"):
            key.unlink()
        run(["ssh-keygen", "-q", "-A", "-f", str(d)])
        (etc / "hostname").write_text(self.name + "\n")
        hosts = "127.0.0.1 localhost\n" + "".join(
            f"{h.address} {h.name}\n" for h in self.cluster.hosts
        )
        (etc / "hosts").write_text(hosts)
        (etc / "resolv.conf").unlink(missing_ok=True)
        (etc / "resolv.conf").write_text("# no resolver on the test network\n")
        # A container has no kernel log to read.
        rsyslog_conf = etc / "rsyslog.conf"
        if rsyslog_conf.exists():
            text = rsyslog_conf.read_text().replace('module(load="imklog"', '#module(load="imklog"')
            rsyslog_conf.write_text(text)
        for sub in ("var_log", "var_lib_nginx"):
            src = "/" + sub.replace("_", "/", 2) if sub == "var_lib_nginx" else "/var/log"
            run(["rsync", "-a", "--include=*/", "--exclude=*", src + "/", str(d / sub) + "/"])
        for sub in ("opt", "var_opt", "srv", "var_spool_rsyslog", "var_lib_logrotate"):
            (d / sub).mkdir()
        (d / "var_lib_restworkx_ha").mkdir(mode=0o700)
        (d / "var_lib_postgresql").mkdir()
        shutil.chown(d / "var_lib_postgresql", "postgres", "postgres")
        root = d / "root"
        (root / ".ssh").mkdir(parents=True, mode=0o700)
        root.chmod(0o700)
        (root / ".ssh" / "authorized_keys").write_text(
            (self.cluster.ssh_key.with_suffix(".pub")).read_text()
        )

    def start(self):
        self.proc = subprocess.Popen(
            [
                "unshare",
                "--mount",
                "--uts",
                "--ipc",
                "--net",
                "--pid",
                "--fork",
                "--propagation",
                "private",
                "--",
                "/usr/bin/python3",
                str(NSINIT),
                str(self.dir),
                self.name,
            ],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        line = self.proc.stdout.readline().strip()
        if line != "ready":
            raise RuntimeError(f"{self.name}: nsinit did not start ({line!r})")
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
        self.pid = int(children.split()[0])
        br = self.cluster.netns
        # A host killed a moment ago: the kernel frees its network namespace,
        # and with it the old cable, asynchronously. Pull the old cable first.
        deadline = time.monotonic() + 10
        while run(["ip", "-n", br, "link", "show", self.veth], check=False).returncode == 0:
            run(["ip", "-n", br, "link", "del", self.veth], check=False)
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: the old {self.veth} does not go away")
            time.sleep(0.2)
        run(
            [
                "ip",
                "link",
                "add",
                self.veth,
                "netns",
                br,
                "type",
                "veth",
                "peer",
                "name",
                "eth0",
                "netns",
                str(self.pid),
            ]
        )
        run(["ip", "-n", br, "link", "set", self.veth, "master", "br0", "up"])
        self.sh(f"ip addr add {self.address}/{PREFIX} dev eth0 && ip link set eth0 up")
        self.exec(["/usr/sbin/sshd"])

    def stop(self):
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc:
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc.stdout.close()
        self.pid = None

    # -- using ----------------------------------------------------------------
    def exec(self, cmd, check=True, **kw):
        """Run a command inside the host (all its namespaces), as root."""
        return run(
            ["nsenter", "-t", str(self.pid), "-m", "-u", "-i", "-n", "-p", "--wdns=/", "--", *cmd],
            check=check,
            **kw,
        )

    def spawn(self, cmd, log):
        """Start a long-running command inside the host; stop it with kill inside."""
        return subprocess.Popen(
            ["nsenter", "-t", str(self.pid), "-m", "-u", "-i", "-n", "-p", "--wdns=/", "--", *cmd],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def sh(self, script, check=True, **kw):
        return self.exec(["/bin/sh", "-c", script], check=check, **kw)

    def path(self, inside: str) -> Path:
        """The host-side path of a file under one of the host's private directories."""
        for target, source in sorted(PRIVATE.items(), key=lambda kv: -len(kv[0])):
            if inside == target or inside.startswith(target + "/"):
                return self.dir / source / inside[len(target) :].lstrip("/")
        raise ValueError(f"{inside} is not private to the host")


def _private():
    import importlib.util

    spec = importlib.util.spec_from_file_location("nsinit", NSINIT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.PRIVATE


PRIVATE = _private()


class Cluster:
    """Hosts on one private network; use as a context manager (always torn down)."""

    def __init__(self, names=("niu1", "niu2")):
        self.tag = uuid.uuid4().hex[:6]
        self.netns = f"rwxnet-{self.tag}"
        self.controller = f"{SUBNET}.1"
        self.base = Path(tempfile.mkdtemp(prefix=f"rwx-cluster-{self.tag}-", dir="/var/tmp"))
        self.ssh_key = self.base / "id_ed25519"
        self.hosts = [Host(self, n, i + 1) for i, n in enumerate(names)]

    def __getitem__(self, name) -> Host:
        return next(h for h in self.hosts if h.name == name)

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.destroy()
            raise
        return self

    def __exit__(self, *exc):
        self.destroy()

    @staticmethod
    def sweep():
        """Remove what an earlier run left when it was killed (its hosts died with it):
        its bridge namespace and its directory, once the process that owned them is gone."""
        for base in Path("/var/tmp").glob("rwx-cluster-*"):
            try:
                owner = int((base / "owner.pid").read_text())
                os.kill(owner, 0)
                continue  # a run in progress
            except (FileNotFoundError, ValueError, ProcessLookupError):
                pass
            tag = base.name.split("-")[2]
            run(["ip", "netns", "del", f"rwxnet-{tag}"], check=False)
            shutil.rmtree(base, ignore_errors=True)

    def start(self):
        (self.base / "owner.pid").write_text(f"{os.getpid()}\n")
        self.sweep()
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.ssh_key)])
        run(["ip", "netns", "add", self.netns])
        n = self.netns
        run(["ip", "-n", n, "link", "set", "lo", "up"])
        # A bridge without an address of its own takes its lowest port's: when that
        # host is killed, the controller (the hosts' witness) changes its MAC, and
        # the other host, its old ARP entry still fresh, loses it for half a minute.
        run(["ip", "-n", n, "link", "add", "br0", "address", BRIDGE_MAC, "type", "bridge"])
        run(["ip", "-n", n, "addr", "add", f"{self.controller}/{PREFIX}", "dev", "br0"])
        run(["ip", "-n", n, "link", "set", "br0", "up"])
        for h in self.hosts:
            h.prepare_tree()
        for h in self.hosts:
            h.start()
        for h in self.hosts:
            self.wait_ssh(h)

    def wait_ssh(self, host, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            res = self.ctl(
                ["ssh", *self.ssh_options(), f"root@{host.address}", "true"], check=False
            )
            if res.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"sshd on {host.name} not reachable: {res.stderr}")
            time.sleep(0.5)

    def ssh_options(self):
        return [
            "-i",
            str(self.ssh_key),
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
            "-o",
            "BatchMode=yes",
        ]

    def kill_controller_processes(self):
        """End what was left in the controller's namespace (ssh ControlPersist masters)."""
        try:
            ns = os.stat(f"/run/netns/{self.netns}").st_ino
        except FileNotFoundError:
            return
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if os.stat(entry / "ns" / "net").st_ino == ns:
                    os.kill(int(entry.name), signal.SIGKILL)
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                pass

    def ctl(self, cmd, check=True, **kw):
        """Run a command on the installer's side of the private network."""
        return run(["ip", "netns", "exec", self.netns, *cmd], check=check, **kw)

    def destroy(self):
        for h in self.hosts:
            h.stop()
        self.kill_controller_processes()
        run(["ip", "netns", "del", self.netns], check=False)
        if os.environ.get("RWX_KEEP_CLUSTER_LOGS"):
            # Debugging a failed run: the hosts' files (logs included) stay, and the
            # next run's sweep of stale clusters removes them.
            print(f"cluster files kept in {self.base}")
            return
        shutil.rmtree(self.base, ignore_errors=True)
