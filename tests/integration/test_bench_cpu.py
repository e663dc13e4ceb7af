"""The benchmark's CPU meter counts the CPU a process tree spends, children included."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.cpu import CpuMeter, postmaster_pid, tree_seconds

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads Linux's /proc")

_BURN_THEN_WAIT = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\ntime.sleep(30)"


def test_a_busy_child_counts_for_its_parent_tree_and_per_request() -> None:
    child = subprocess.Popen([sys.executable, "-c", _BURN_THEN_WAIT])
    try:
        meter = CpuMeter(api_pid=os.getpid(), postgres_pid=None)
        meter.start()
        deadline = time.monotonic() + 20
        while (tree_seconds(child.pid) or 0.0) < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
        split = meter.per_request(10)
    finally:
        child.kill()
        child.wait()
    assert split.api_ms is not None and split.api_ms >= 0.25 * 1000 / 10
    assert split.postgres_ms is None
    assert split.client_ms is not None and split.client_ms >= 0


def test_a_child_that_exits_keeps_its_cpu_in_the_tree() -> None:
    before = tree_seconds(os.getpid(), include_root=False)
    burn = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    subprocess.run([sys.executable, "-c", burn], check=True)  # exits, and is reaped by this process

    after = tree_seconds(os.getpid(), include_root=False)

    assert before is not None and after is not None
    assert after - before >= 0.25


def test_a_missing_process_has_no_postmaster(tmp_path: Path) -> None:
    assert postmaster_pid(tmp_path) is None
    (tmp_path / "postmaster.pid").write_text("4242\n/data\n")
    assert postmaster_pid(tmp_path) == 4242
