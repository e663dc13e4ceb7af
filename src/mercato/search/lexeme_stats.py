"""How common the search document's lexemes are, from PostgreSQL's own statistics of the column.

ANALYZE keeps, for a tsvector column, its most common lexemes and the share of rows each is in
(`pg_stats.most_common_elems` / `most_common_elem_freqs`); a lexeme it does not list is rarer than the
rarest one it lists. `text_conditions.py` reads these to decide how a query with a typed prefix is best
asked of the GIN index. They are read once per process and database, and again after `REFRESH_SECONDS`:
they only change with ANALYZE, and a stale figure only shapes a plan, never an answer.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

REFRESH_SECONDS = 600.0

_READ = text(
    """
    SELECT s.most_common_elems::text::text[] AS lexemes, s.most_common_elem_freqs AS freqs,
           (SELECT c.reltuples FROM pg_class AS c WHERE c.oid = 'products'::regclass) AS rows
    FROM pg_stats AS s
    WHERE s.schemaname = current_schema() AND s.tablename = 'products' AND s.attname = 'search_document'
    """
)


@dataclass(frozen=True, slots=True)
class LexemeStats:
    """The listed lexemes' shares of the products, and the share below which an unlisted one lies."""

    rows: float = 0.0
    shares: dict[str, float] = field(default_factory=dict)
    floor: float = 0.0

    @property
    def known(self) -> bool:
        """Whether ANALYZE has described the column (a new or tiny catalog may have no statistics)."""
        return bool(self.shares) and self.rows > 0

    def share(self, lexeme: str) -> float:
        """The share of products whose document holds `lexeme` (at most `floor` when it is not listed)."""
        return self.shares.get(lexeme, self.floor)

    def prefix_share(self, prefix: str) -> float:
        """The summed shares of the listed lexemes that begin with `prefix`: the posting lists GIN merges
        for `'prefix':*` (a lower bound: unlisted lexemes add their own)."""
        return sum(share for lexeme, share in self.shares.items() if lexeme.startswith(prefix))

    def any_share(self, lexemes: Iterable[str]) -> float:
        """The share of products holding one of `lexemes` (at most; capped at every product)."""
        return min(1.0, sum(self.share(lexeme) for lexeme in lexemes))


_cache: dict[str, tuple[float, LexemeStats]] = {}


def forget_lexeme_stats() -> None:
    """Drop what this process read, so the next search reads the statistics anew (after an ANALYZE)."""
    _cache.clear()


async def lexeme_stats(conn: AsyncConnection) -> LexemeStats:
    """The statistics of this connection's database, read again when older than `REFRESH_SECONDS`."""
    key = conn.engine.url.render_as_string(hide_password=True)
    now = time.monotonic()
    cached = _cache.get(key)
    if cached is not None and now - cached[0] < REFRESH_SECONDS:
        return cached[1]
    row = (await conn.execute(_READ)).first()
    stats = LexemeStats()
    if row is not None and row.lexemes and row.freqs:
        # The frequencies array lists one share per lexeme, then the minimum, maximum and null share.
        shares = dict(zip(row.lexemes, (float(f) for f in row.freqs), strict=False))
        stats = LexemeStats(rows=float(row.rows or 0.0), shares=shares, floor=float(row.freqs[len(row.lexemes)]))
    _cache[key] = (now, stats)
    return stats
