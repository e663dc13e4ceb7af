"""Where a server's CPU goes during a benchmark phase: py-spy samples the process from outside.

py-spy attaches to the running `mercato serve` process (no code of ours is instrumented, so the profile
costs the server nothing but the sampling), writes the raw folded stacks under bench/results/, and this
module condenses them into the table a benchmark prints: the share of samples spent inside each of our
functions and libraries (inclusive), which is what "where the time goes" needs.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from bench.database import ROOT

RESULTS = ROOT / "bench" / "results"


@dataclass(frozen=True, slots=True)
class Profile:
    """Samples taken, and the inclusive share of each frame group."""

    samples: int
    shares: list[tuple[str, float]]
    raw_path: Path


class Sampler:
    """`py-spy record` on `pid` while the `with` block runs (a no-op, with `profile = None`, without py-spy)."""

    def __init__(self, pid: int, name: str, *, rate: int = 250) -> None:
        self.pid, self.rate = pid, rate
        self.raw_path = RESULTS / f"{name}.folded"
        self.profile: Profile | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Sampler:
        binary = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        if not Path(binary).exists():
            print("bench: py-spy not installed; no profile", flush=True)
            return self
        RESULTS.mkdir(parents=True, exist_ok=True)
        args = [binary, "record", "-p", str(self.pid), "-r", str(self.rate), "-f", "raw", "--nonblocking"]
        self._process = subprocess.Popen(
            [*args, "-o", str(self.raw_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._process is None:
            return
        self._process.send_signal(2)  # SIGINT: py-spy writes what it sampled and exits
        self._process.wait(timeout=30)
        if self.raw_path.exists():
            self.profile = condense(self.raw_path)


# Frame groups, first match wins: (label, substring of the frame's file path).
GROUPS: list[tuple[str, str]] = [
    ("checkout saga (all steps)", "mercato/checkout/"),
    ("idempotency keys", "mercato/http/idempotency.py"),
    ("order view (answer)", "mercato/orders/services/views.py"),
    ("payments: PSP client (stripe SDK + httpx)", "stripe/"),
    ("payments service", "mercato/payments/"),
    ("inventory service", "mercato/inventory/"),
    ("SQLAlchemy (compile, execute, rows)", "sqlalchemy/"),
    ("asyncpg driver", "asyncpg/"),
    ("FastAPI/Starlette routing, validation", "fastapi/"),
    ("pydantic", "pydantic"),
    ("uvicorn HTTP", "uvicorn/"),
    ("httpx (outgoing HTTP)", "httpx/"),
    ("structlog / logging", "structlog/"),
    ("asyncio event loop", "asyncio/"),
]


def condense(path: Path) -> Profile:
    """Inclusive shares per group from py-spy's folded output (`frame;frame;… count` per line)."""
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        hit = {label for label, marker in GROUPS if marker in stack}
        for label in hit:
            inclusive[label] += count
    shares = [(label, 100.0 * inclusive[label] / total) for label, _ in GROUPS if total and inclusive[label]]
    return Profile(samples=total, shares=shares, raw_path=path)


def profile_markdown(profile: Profile | None, what: str) -> list[str]:
    """The report's lines for a profile (a note when none was taken)."""
    if profile is None:
        return ["No profile was taken (py-spy is not installed: `pip install py-spy`)."]
    rows = "\n".join(f"| {label} | {share:.0f}% |" for label, share in profile.shares)
    return [
        f"Where the API process's time went during {what} (py-spy, {profile.samples} samples, inclusive share;"
        f" groups overlap, e.g. SQLAlchemy runs inside the saga; raw stacks in `{profile.raw_path.name}`):",
        "",
        "| code | share of samples |",
        "| --- | --- |",
        rows,
    ]
