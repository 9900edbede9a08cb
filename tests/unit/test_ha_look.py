"""A look at the peer's database ends when the network goes away in its middle
(restworkx.ha.probe.database): a primary cut off during its look at its standby must
still fence before the standby may promote."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from restworkx.ha.config import LOOK_SILENCE_MS

HERE = Path(__file__).resolve().parent


@pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("unshare"), reason="needs root for a network namespace"
)
def test_a_look_cut_off_after_its_query_ends_within_two_seconds():
    # In a namespace of its own, the server takes the only link down once the
    # query has arrived; without keepalives and a TCP user timeout the look waited
    # on TCP for many minutes (the timeout below ends the test instead).
    out = subprocess.run(
        ["unshare", "--net", sys.executable, str(HERE / "ha_cut_look.py")],
        capture_output=True,
        text=True,
        timeout=15,
        check=True,
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["reachable"] is False, seen
    # At most a keepalive after 1 s of silence, unacknowledged for LOOK_SILENCE_MS.
    assert seen["seconds"] < 1.0 + LOOK_SILENCE_MS / 1000 + 0.5, seen
