"""Fixtures of the cluster tests: the controller's tools, the wheel, two NIU hosts
made of namespaces, and site.yml converged on them once per session."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
TOP = HERE.parents[1]
sys.path.insert(0, str(HERE))

from deployment import FIGURES, TIMINGS, VENV, Deployment, tail  # noqa: E402
from nshost import Cluster, run  # noqa: E402

# The test NIUs install the applications the wheel has, but never isna, so that
# at least one application is not installed and must answer 404.
CANDIDATE_APPS = ["ecf", "icr", "cin"]


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.cluster)


def pytest_terminal_summary(terminalreporter):
    if TIMINGS:
        terminalreporter.section("cluster timings")
        for name, seconds in TIMINGS.items():
            terminalreporter.write_line(f"{name}: {seconds:.1f} s")
    if FIGURES:
        terminalreporter.section("HA figures")
        for name, value in FIGURES.items():
            terminalreporter.write_line(
                f"{name}: {value:.1f}" if isinstance(value, float) else f"{name}: {value}"
            )


# A failed cluster test shows what each host's HA agent logged last: by the time
# anyone reads the report the hosts are gone (unless RWX_KEEP_CLUSTER_LOGS is set).
HA_LOG_LINES = 40


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    for value in getattr(item, "funcargs", {}).values():
        cluster = getattr(value, "cluster", value)
        for host in getattr(cluster, "hosts", None) or []:
            try:
                lines = host.path("/var/log/restworkx/ha-agent.log").read_text(errors="replace")
            except (OSError, ValueError):
                continue
            last = "\n".join(lines.splitlines()[-HA_LOG_LINES:])
            report.sections.append((f"HA agent log of {host.name}", last))
        if getattr(cluster, "hosts", None):
            return


@pytest.fixture(scope="session")
def tools():
    if os.geteuid() != 0:
        pytest.skip("the cluster tests build namespaces and need root")
    run([str(HERE / "bootstrap.sh")], capture_output=False)
    return VENV / "bin"


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory):
    """The wheel built from the checkout, and a wheelhouse of its dependencies
    (the test hosts have no route to the package index)."""
    if not (TOP / "setup.py").exists():
        pytest.skip("no setup.py yet: nothing to install")
    d = tmp_path_factory.mktemp("dist")
    dist, house = d / "dist", d / "wheelhouse"
    started = time.monotonic()
    # Build from a copy of the checkout's sources: no build/ or egg-info in the work tree.
    source = d / "source"
    shutil.copytree(
        TOP / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    for name in ("setup.py", "setup.cfg", "pyproject.toml", "MANIFEST.in", "README.md"):
        if (TOP / name).exists():
            shutil.copy2(TOP / name, source / name)
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(source)])
    wheel = next(dist.glob("restworkx-*.whl"))
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "-w",
            str(house),
            str(wheel),
            "supervisor==4.3.0",
        ]
    )
    (house / wheel.name).unlink()
    archive = d / "wheelhouse.tar"
    run(["tar", "-C", str(house), "-cf", str(archive), "."])
    TIMINGS["build wheel and wheelhouse"] = time.monotonic() - started
    # Ask the wheel itself which applications and subcommands it has.
    probe = d / "probe"
    run([sys.executable, "-m", "venv", str(probe)])
    run(
        [
            str(probe / "bin" / "pip"),
            "install",
            "-q",
            "--no-index",
            "--find-links",
            str(house),
            str(wheel),
        ]
    )
    known = run(
        [
            str(probe / "bin" / "python"),
            "-c",
            "from restworkx.applications import ALL; print(' '.join(ALL))",
        ]
    ).stdout.split()
    usage = run([str(probe / "bin" / "restworkx"), "--help"]).stdout
    programs = ["api"] + [p for p in ("worker", "scheduler") if p in usage]
    apps = [a for a in CANDIDATE_APPS if a in known]
    return {"wheel": wheel, "wheelhouse": archive, "programs": programs, "apps": apps}


@pytest.fixture(scope="session")
def deployment(tools, artifacts):
    with Cluster() as cluster:
        yield Deployment(cluster, tools, artifacts)


@pytest.fixture(scope="session")
def converged(deployment):
    rc, out, rec = deployment.playbook("playbooks/site.yml", name="first converge (2 hosts)")
    assert rc == 0, tail(out, 150)
    assert set(rec) == {"niu1", "niu2"}, rec
    deployment.first_recap = rec
    return deployment
