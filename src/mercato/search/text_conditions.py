"""The text condition of a search, and how much of it the GIN index is asked for.

A word still being typed matches as a prefix (`'pro':*`), and GIN answers a prefix by merging the posting
list of every lexeme it begins: for a short prefix, hundreds of thousands of entries at a million
products, most of the query's time. When the query's finished words are rare, it is far cheaper to let
the index find the finished words only and test the whole query, prefix included, on the rows they give
(`ts_match_vq` is `@@` in a form no index takes). When they are common it is the other way round: every
one of their rows would be read to test the prefix. The choice follows the lexemes' frequencies from
PostgreSQL's statistics (`lexeme_stats.py`); either way the condition is the same set of products.
Measured in docs/search.md ("the typed prefix, measured").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import Boolean, ColumnElement, and_, func

from mercato.search.document import SEARCH_DOCUMENT, matches, tsquery
from mercato.search.lexeme_stats import LexemeStats

# Reading and testing a row costs about ten times merging one posting of the GIN index (measured:
# ~2 µs a row against ~0.2 µs a posting at a million products).
ROW_COST_IN_POSTINGS = 10.0

_LEXEME = re.compile(r"'((?:[^']|'')*)'(:\*)?")


@dataclass(frozen=True, slots=True)
class TextQuery:
    """A tsquery's canonical text, and the part of it to ask the index for when that is not all of it."""

    text: str
    indexed: str | None = None  # the finished words' conjunction; None: the index takes the whole query
    stats: LexemeStats | None = field(default=None, compare=False, repr=False)  # what `indexed` was chosen by

    def narrowed(self, part: str) -> TextQuery:
        """This query and `part` (another tsquery text, such as the facets' sample buckets), decided again:
        a rare `part` is a finished word that can spare the index a one-word prefix."""
        if self.stats is not None:
            return text_query(_conjunction([self.text, part]), self.stats)
        indexed = _conjunction([self.indexed, part]) if self.indexed is not None else None
        return TextQuery(_conjunction([self.text, part]), indexed)


def _conjunction(parts: list[str | None]) -> str:
    return " & ".join(f"( {part} )" for part in parts if part)


def conjuncts(text: str) -> list[str]:
    """The top-level `&` operands of a canonical tsquery text (quoted lexemes and parentheses respected)."""
    parts, depth, start, quoted, i = [], 0, 0, False, 0
    while i < len(text):
        char = text[i]
        if quoted:
            if char == "'" and text[i + 1 : i + 2] == "'":
                i += 1  # an escaped quote inside a lexeme
            elif char == "'":
                quoted = False
        elif char == "'":
            quoted = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "&" and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return [_unwrapped(part.strip()) for part in parts if part.strip()]


def _unwrapped(part: str) -> str:
    """`part` without parentheses that enclose all of it (so its own `&` operands become visible)."""
    while part.startswith("(") and part.endswith(")") and _closes_at_end(part):
        part = part[1:-1].strip()
    return part


def _closes_at_end(part: str) -> bool:
    depth, quoted = 0, False
    for i, char in enumerate(part):
        if char == "'":
            quoted = not quoted  # an escaped quote ('') toggles twice
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
            if depth == 0 and i < len(part) - 1:
                return False
    return True


def _flattened(text: str) -> list[str]:
    """Every top-level `&` operand, with operands that are conjunctions themselves opened up."""
    out: list[str] = []
    for part in conjuncts(text):
        inner = conjuncts(part)
        out.extend(inner if len(inner) > 1 else [part])
    return out


def text_query(text: str, stats: LexemeStats) -> TextQuery:
    """The query, with the index asked for its finished words alone where that reads fewer entries."""
    whole = TextQuery(text, stats=stats)
    if not stats.known or ":*" not in text:
        return whole
    parts = _flattened(text)
    typed = [part for part in parts if ":*" in part]
    finished = [part for part in parts if ":*" not in part]
    if len(typed) != 1 or not finished:
        return whole
    finished_share = min(stats.any_share(m.group(1) for m in _LEXEME.finditer(part)) for part in finished)
    prefix_share = sum(
        stats.prefix_share(m.group(1)) if m.group(2) else stats.share(m.group(1)) for m in _LEXEME.finditer(typed[0])
    )
    if finished_share * ROW_COST_IN_POSTINGS < prefix_share:
        return TextQuery(text, _conjunction(list(finished)), stats)
    return whole


def matches_query(query: TextQuery) -> ColumnElement[bool]:
    """Every word matches somewhere in the product's document (through the index as `query` says)."""
    if query.indexed is None:
        return matches(tsquery(query.text))
    whole: ColumnElement[bool] = func.ts_match_vq(SEARCH_DOCUMENT, tsquery(query.text), type_=Boolean)
    return and_(matches(tsquery(query.indexed)), whole)
