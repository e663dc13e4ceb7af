"""The demo marketplace seed (`mercato seed`)."""

from __future__ import annotations


def seed_marketplace(database_url: str, *, products: int, force: bool) -> str:
    """Seed the demo marketplace; returns a one-line summary."""
    raise NotImplementedError("the demo seed is being written")
