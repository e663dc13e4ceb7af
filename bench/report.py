"""docs/benchmarks.md: one section per benchmark, each replaced when its benchmark runs again.

Sections are fenced by HTML comments, so `python -m bench --only X` rewrites X's figures and keeps the
others' as they were last measured.
"""

from __future__ import annotations

import os
import platform
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"

HEADER = """# Benchmarks

Written by `make bench` (`python -m bench [--only NAME] [--quick] [--products N]`); each section below is
replaced when its benchmark runs again and keeps the exact command that produced it. Do not edit the
sections by hand: change the benchmark in `bench/` and run it.

Benchmarks use their own PostgreSQL: an embedded server under `./var/bench-pg` (kept between runs, so a
benchmark catalog is seeded once and reused), or the server at `BENCH_DATABASE_URL` (the benchmarks create
their databases there, so it needs CREATEDB). `--quick` is a smoke run with small data and short phases;
its figures are not comparable with a full run's. HTTP load comes from `wrk` (C, `apt-get install wrk`)
where a benchmark can use it and it is installed, else from httpx in the benchmark process, whose own
CPU then competes with the server for the same cores; each section says which drove it.
"""

_SECTION = re.compile(r"<!-- bench:(?P<name>[a-z_]+):start -->\n.*?<!-- bench:(?P=name):end -->\n", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Section:
    """A benchmark's part of the document: its registry name and its Markdown."""

    name: str
    markdown: str

    def fenced(self) -> str:
        return f"<!-- bench:{self.name}:start -->\n{self.markdown.rstrip()}\n<!-- bench:{self.name}:end -->\n"


def merge_sections(existing: str, fresh: Sequence[Section], order: Sequence[str]) -> str:
    """The document with `fresh` sections replacing their old versions; others kept; sections in `order`."""
    kept = {m.group("name"): m.group(0) for m in _SECTION.finditer(existing)}
    kept.update({section.name: section.fenced() for section in fresh})
    names = [n for n in order if n in kept] + sorted(n for n in kept if n not in order)
    return HEADER + "".join("\n" + kept[name] for name in names)


def write_sections(fresh: Sequence[Section], order: Sequence[str], path: Path = DOC_PATH) -> None:
    """Rewrite docs/benchmarks.md with the fresh sections."""
    existing = path.read_text() if path.exists() else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(merge_sections(existing, fresh, order))


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def machine(load_before: float) -> str:
    """Where the figures were measured, and how busy the machine already was (1-minute load average)."""
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    return (
        f"{os.cpu_count()} CPU cores ({model}){memory}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; 1-minute load average before the run: {load_before:.1f} "
        "(above 0, other work shared the cores)"
    )


def ms_cell(value: float | None) -> str:
    """A milliseconds figure for a table cell; "?" where it could not be read."""
    return f"{value:.1f}" if value is not None else "?"
