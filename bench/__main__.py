"""`python -m bench [--only NAME] [--quick] [--products N]` (what `make bench` runs).

Runs each registered benchmark in turn and rewrites its section of docs/benchmarks.md as soon as it is
done, so a long run that is interrupted keeps what it measured.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from bench import catalog_read, checkout, events_dispatch, reservations, search, seed_scale
from bench.options import RunOptions
from bench.report import DOC_PATH, Section, write_sections

BENCHMARKS: dict[str, Callable[[RunOptions], Section]] = {
    catalog_read.NAME: catalog_read.run,
    seed_scale.NAME: seed_scale.run,
    checkout.NAME: checkout.run,
    "reservations": lambda options: Section("reservations", reservations.run(options.quick)),
    events_dispatch.NAME: lambda options: Section(events_dispatch.NAME, events_dispatch.run(options.quick)),
    search.NAME: search.section,
}


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the chosen benchmarks, write the report."""
    args_list = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run Mercato's benchmarks.")
    parser.add_argument("--only", choices=sorted(BENCHMARKS), action="append", help="run only this benchmark")
    parser.add_argument("--quick", action="store_true", help="a smoke run: small data, short phases")
    parser.add_argument("--products", type=int, help="catalog size (default: each benchmark's own)")
    args = parser.parse_args(args_list)
    options = RunOptions(
        quick=args.quick,
        products=args.products,
        command=" ".join(["python -m bench", *args_list]),
    )
    order = list(BENCHMARKS)
    for name in args.only or order:
        print(f"bench: {name}", flush=True)
        write_sections([BENCHMARKS[name](options)], order)
        print(f"bench: {name} written to {DOC_PATH}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
