"""What a `python -m bench` run was asked for, handed to every benchmark."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RunOptions:
    """`--quick` (a smoke run: small data, short phases), `--products N`, and the command line itself."""

    quick: bool
    products: int | None
    command: str
