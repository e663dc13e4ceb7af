"""Confining the processes under test to some of the machine's cores (Linux `sched_setaffinity`), so a
benchmark can measure how a throughput scales with cores instead of assuming it.

Every thread of every process in the given trees is confined, and restored on exit. A process forked
while confined (a PostgreSQL backend for a new connection) inherits its parent's cores, so confining the
postmaster's tree confines the backends that start later too.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from bench.cpu import descendants

_PROC = Path("/proc")


def can_confine() -> bool:
    """Whether this platform lets a benchmark pick its processes' cores (Linux, with more than one)."""
    return hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) > 1


def _threads(pid: int) -> list[int]:
    try:
        return [int(entry.name) for entry in (_PROC / str(pid) / "task").iterdir()]
    except OSError:
        return []


def _tasks(roots: Iterable[int]) -> list[int]:
    pids = set(roots)
    for root in list(pids):
        pids |= descendants(root)
    return [tid for pid in sorted(pids) for tid in _threads(pid)]


class Confined:
    """`with Confined(roots, cores):` the trees of `roots` run on `cores` only; as before afterwards."""

    def __init__(self, roots: Iterable[int], cores: set[int]) -> None:
        self.roots, self.cores = list(roots), cores
        self._before: dict[int, set[int]] = {}

    def __enter__(self) -> Confined:
        for tid in _tasks(self.roots):
            try:
                self._before[tid] = os.sched_getaffinity(tid)
                os.sched_setaffinity(tid, self.cores)
            except OSError:  # the thread ended meanwhile
                continue
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        everything = os.sched_getaffinity(0)
        for tid in _tasks(self.roots):  # those forked while confined too
            try:
                os.sched_setaffinity(tid, self._before.get(tid, everything))
            except OSError:
                continue
