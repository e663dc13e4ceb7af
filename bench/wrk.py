"""A lighter HTTP load generator for the search benchmark: `wrk` (a C program, one event loop per thread)
cycling through a list of request paths, when it is installed (`apt-get install wrk`).

The httpx generator of `load.py` spends about as much CPU per request as a cheap endpoint of the server
itself, and on a 2-core machine that CPU is taken from the server it measures. wrk spends a small
fraction of that, so its figures are closer to what the server alone does. It reports latency over all
the requests of a run (not per query class), so the benchmark measures each class alone with it and
the mix for throughput; `load.py` remains the fallback when wrk is absent.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.load import PhaseResult

# The end of every script: one line of figures (latencies in microseconds) that `parse` reads.
DONE = """
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK-RESULT %d %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""

# GET a list of paths: each thread starts at its own place in the list and sends the paths in turn.
_SCRIPT = (
    """
local paths = {}
local next_index = 1
local offset = 0
local thread_count = 0

function setup(thread)
  thread:set("offset", thread_count * 7919)
  thread_count = thread_count + 1
end

function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  offset = tonumber(wrk.thread:get("offset")) or 0
  next_index = (offset % #paths) + 1
end

function request()
  local path = paths[next_index]
  next_index = (next_index % #paths) + 1
  return wrk.format("GET", path)
end

"""
    + DONE
)


_RESULT = re.compile(r"WRK-RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)")


def wrk_path() -> str | None:
    """The wrk executable, or None when it is not installed."""
    return shutil.which("wrk")


def run_wrk(
    base_url: str,
    paths: Sequence[str],
    *,
    connections: int,
    seconds: float,
    threads: int = 1,
    cores: set[int] | None = None,
) -> PhaseResult:
    """GET the paths in turn on `connections` keep-alive connections for `seconds`; wrk's own figures.

    With `cores`, wrk runs on those cores only (Linux), e.g. apart from a server confined to the others."""
    return run_script(base_url, _SCRIPT, paths, connections=connections, seconds=seconds, threads=threads, cores=cores)


def run_script(
    base_url: str,
    script: str,
    lines: Sequence[str],
    *,
    connections: int,
    seconds: float,
    threads: int = 1,
    cores: set[int] | None = None,
) -> PhaseResult:
    """Run wrk with a Lua `script` whose `init` reads the file of `lines` (its first argument) and which
    ends with `DONE`."""
    executable = wrk_path()
    if executable is None:
        raise RuntimeError("wrk is not installed")
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as folder:
        script_path, listing = Path(folder) / "script.lua", Path(folder) / "lines.txt"
        script_path.write_text(script)
        listing.write_text("\n".join(lines) + "\n")
        command = [
            executable,
            f"--threads={max(1, min(threads, connections))}",
            f"--connections={connections}",
            f"--duration={max(1, round(seconds))}s",
            "--timeout=30s",
            f"--script={script_path}",
            base_url,
            "--",
            str(listing),
        ]
        if cores is not None:  # util-linux's taskset: wrk and its threads start on those cores
            command = ["taskset", "--cpu-list", ",".join(str(core) for core in sorted(cores)), *command]
        finished = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60)
    return parse(finished.stdout)


def parse(output: str) -> PhaseResult:
    """The PhaseResult of wrk's output (the line the script's `done` writes)."""
    found = _RESULT.search(output)
    if found is None:
        raise RuntimeError(f"wrk gave no figures: {output[-500:]}")
    requests, micros, p50, p95, p99, bad_status, socket_errors = (int(v) for v in found.groups())
    errors = bad_status + socket_errors
    return PhaseResult(
        requests=requests,
        seconds=micros / 1_000_000,
        p50_ms=p50 / 1000,
        p95_ms=p95 / 1000,
        p99_ms=p99 / 1000,
        errors=errors,
        statuses={200: requests - bad_status} if requests else {},
    )
