"""PID 1 of one test host.

Started by ``unshare --mount --uts --ipc --net --pid --fork --propagation private``,
so it is already alone in new namespaces.  It gives the host its own view of
the directories a host owns (bind mounts of per-host directories), a fresh
/proc, /sys, /dev, /run and /tmp, sets the hostname, says ``ready`` on stdout and
then reaps orphans until it is killed (killing it ends every process of the host).

usage: nsinit.py HOSTDIR HOSTNAME
"""

import ctypes
import os
import signal
import socket
import subprocess
import sys

# Directories a host owns: path inside the host -> directory under HOSTDIR.
PRIVATE = {
    "/etc": "etc",
    "/opt": "opt",
    "/var/opt": "var_opt",
    "/var/log": "var_log",
    "/var/lib/postgresql": "var_lib_postgresql",
    "/var/spool/rsyslog": "var_spool_rsyslog",
    "/var/lib/logrotate": "var_lib_logrotate",
    "/var/lib/nginx": "var_lib_nginx",
    "/var/lib/restworkx-ha": "var_lib_restworkx_ha",  # the HA agent's fenced/promoted records
    "/root": "root",
    "/srv": "srv",
}

DEVICES = {
    "null": (1, 3),
    "zero": (1, 5),
    "full": (1, 7),
    "random": (1, 8),
    "urandom": (1, 9),
    "tty": (5, 0),
}


def mount(*args):
    subprocess.run(["mount", *args], check=True)


def make_dev():
    mount("-t", "tmpfs", "-o", "mode=0755,nosuid,size=16m", "tmpfs", "/dev")
    for name, (major, minor) in DEVICES.items():
        path = "/dev/" + name
        os.mknod(path, 0o666 | 0o020000, os.makedev(major, minor))
        os.chmod(path, 0o666)  # noqa: S103 - device nodes every process may use
    os.mkdir("/dev/pts")
    mount("-t", "devpts", "-o", "newinstance,ptmxmode=0666,mode=0620", "devpts", "/dev/pts")
    os.symlink("pts/ptmx", "/dev/ptmx")
    os.mkdir("/dev/shm")
    mount("-t", "tmpfs", "-o", "mode=1777,nosuid,nodev", "tmpfs", "/dev/shm")
    os.symlink("/proc/self/fd", "/dev/fd")
    for i, name in enumerate(("stdin", "stdout", "stderr")):
        os.symlink(f"/proc/self/fd/{i}", "/dev/" + name)


def reap(*_):
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def main():
    hostdir, hostname = sys.argv[1], sys.argv[2]
    # When unshare (our parent) dies, so does this host and everything in it.
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    mount("--make-rprivate", "/")
    for target, source in PRIVATE.items():
        # A directory this machine lacks (/var/lib/restworkx-ha) is made, empty, to
        # mount over: the host's own copy is what it sees.
        os.makedirs(target, exist_ok=True)
        mount("--bind", os.path.join(hostdir, source), target)
    mount("-t", "proc", "proc", "/proc")
    mount("-t", "sysfs", "sysfs", "/sys")
    mount("-t", "tmpfs", "-o", "mode=0755,nosuid,nodev,size=64m", "tmpfs", "/run")
    mount("-t", "tmpfs", "-o", "mode=1777,nosuid,nodev", "tmpfs", "/tmp")
    mount("-t", "tmpfs", "-o", "mode=1777,nosuid,nodev", "tmpfs", "/var/tmp")
    make_dev()
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    os.makedirs("/run/lock", mode=0o1777, exist_ok=True)
    socket.sethostname(hostname)
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    # Ansible reads /proc/1/comm to learn the service manager: say plainly it is not systemd.
    with open("/proc/self/comm", "w") as comm:
        comm.write("nsinit")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGCHLD, reap)
    os.chdir("/")
    print("ready", flush=True)
    sys.stdout.close()
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
