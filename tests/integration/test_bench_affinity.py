"""The search benchmark's per-core phase confines whole process trees to some cores and gives them back."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from bench.affinity import Confined, can_confine
from bench.cpu import descendants

pytestmark = pytest.mark.skipif(not can_confine(), reason="needs Linux core affinity and at least 2 cores")

# A parent that starts a child with a second thread, then a late child once told to (stdin), and waits.
_TREE = """
import subprocess, sys, threading, time
threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
early = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print("ready", flush=True)
sys.stdin.readline()
late = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print(late.pid, flush=True)
time.sleep(60)
"""


def _threads(pid: int) -> list[int]:
    return [int(name) for name in os.listdir(f"/proc/{pid}/task")]


@pytest.fixture
def tree() -> Iterator[subprocess.Popen[str]]:
    parent = subprocess.Popen([sys.executable, "-c", _TREE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    assert parent.stdout.readline().strip() == "ready"
    try:
        yield parent
    finally:
        for pid in descendants(parent.pid):
            os.kill(pid, 9)
        parent.kill()
        parent.wait()


def test_a_tree_runs_on_the_given_cores_then_on_all_again(tree: subprocess.Popen[str]) -> None:
    everything = os.sched_getaffinity(0)
    early = descendants(tree.pid)
    assert len(early) == 1
    assert len(_threads(tree.pid)) >= 2  # the parent's extra thread is confined too

    with Confined([tree.pid], {0}):
        for pid in {tree.pid, *early}:
            assert all(os.sched_getaffinity(tid) == {0} for tid in _threads(pid))
        # A process forked while confined inherits the cores (a PostgreSQL backend for a new connection).
        assert tree.stdin is not None and tree.stdout is not None
        tree.stdin.write("go\n")
        tree.stdin.flush()
        late = int(tree.stdout.readline())
        time.sleep(0.05)
        assert os.sched_getaffinity(late) == {0}

    for pid in {tree.pid, *early, late}:
        assert all(os.sched_getaffinity(tid) == everything for tid in _threads(pid))
