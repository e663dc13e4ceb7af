"""CPU time spent by the processes of a benchmark (the API server and its workers, PostgreSQL's backends,
the benchmark itself), read from Linux's /proc.

On a machine shared with other work, latency and throughput depend on what the neighbours do; the CPU
time each part spends per request does much less, so it says what a search costs and how many cores a
target needs. Where /proc is missing every figure is None and the report leaves them out.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_PROC = Path("/proc")
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> list[str] | None:
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after its closing one.
    return text[text.rindex(")") + 2 :].split()


def _seconds(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime (fields 14 and 15 of stat)


def _waited_seconds(fields: list[str]) -> float:
    return (int(fields[13]) + int(fields[14])) / _TICKS  # cutime, cstime: children that exited and were reaped


def _children(parents: set[int]) -> set[int]:
    found = set()
    for entry in _PROC.iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and int(fields[1]) in parents:
                found.add(int(entry.name))
    return found


def descendants(root: int) -> set[int]:
    """The live processes below `root` (children, their children, …)."""
    pids: set[int] = set()
    level = {root}
    while level:
        level = _children(level) - pids - {root}
        pids |= level
    return pids


def tree_seconds(root: int, *, include_root: bool = True) -> float | None:
    """CPU seconds of `root`'s descendants, live or exited (and of `root` itself), or None without /proc.

    A child that exits during a phase (a PostgreSQL backend whose connection closed) leaves the live
    sum; its parent's reaped-children time takes it up, so the total never goes back."""
    root_fields = _stat(root) if _PROC.is_dir() else None
    if root_fields is None:
        return None
    pids = descendants(root)
    live = sum(_seconds(f) for f in (_stat(pid) for pid in pids) if f is not None)
    own = _seconds(root_fields) if include_root else 0.0
    return own + live + _waited_seconds(root_fields)


@dataclass(frozen=True, slots=True)
class CpuSplit:
    """CPU milliseconds per request of each part of one phase (None where it could not be read)."""

    api_ms: float | None
    postgres_ms: float | None
    client_ms: float | None


class CpuMeter:
    """Reads the parts' CPU seconds before and after a phase."""

    def __init__(self, *, api_pid: int | None, postgres_pid: int | None) -> None:
        self.api_pid, self.postgres_pid = api_pid, postgres_pid
        self._start: tuple[float | None, ...] = ()

    def _now(self) -> tuple[float | None, ...]:
        client = os.times()
        return (
            tree_seconds(self.api_pid) if self.api_pid is not None else None,
            # The postmaster's children: backends, and the background writers a search also makes work.
            tree_seconds(self.postgres_pid, include_root=False) if self.postgres_pid is not None else None,
            client.user + client.system,
        )

    def start(self) -> None:
        self._start = self._now()

    def per_request(self, requests: int) -> CpuSplit:
        end = self._now()
        spent = [_delta(a, b, requests) for a, b in zip(self._start, end, strict=True)]
        return CpuSplit(*spent)


def _delta(before: float | None, after: float | None, requests: int) -> float | None:
    if before is None or after is None or requests <= 0:
        return None
    return (after - before) * 1000 / requests


def postmaster_pid(data_directory: Path) -> int | None:
    """The pid of the PostgreSQL server whose data directory this is (its postmaster.pid), if running."""
    try:
        return int((data_directory / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


class ProcessTreesMeter:
    """CPU seconds each named process tree used while the `with` block ran (for benchmarks that watch
    other processes than `CpuMeter`'s API/PostgreSQL/client split, e.g. the PSP sandbox)."""

    def __init__(self, pids: dict[str, int | None], *, client: str | None = None) -> None:
        self.pids = {name: pid for name, pid in pids.items() if pid is not None}
        self.client = client  # also count this process's own CPU (not its children's) under that name
        self.used: dict[str, float] = {}
        self._start: dict[str, float | None] = {}

    def _now(self) -> dict[str, float | None]:
        now = {name: tree_seconds(pid) for name, pid in self.pids.items()}
        if self.client is not None:
            own = os.times()
            now[self.client] = own.user + own.system
        return now

    def __enter__(self) -> ProcessTreesMeter:
        self._start = self._now()
        return self

    def __exit__(self, *exc: object) -> None:
        self.used = {}
        for name, after in self._now().items():
            before = self._start[name]
            if before is not None and after is not None:
                self.used[name] = after - before
