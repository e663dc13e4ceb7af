"""The search benchmark's query set, built from the seeded catalog itself so every class means what its
name says on whatever was seeded: popular words and phrases, rare (exact product) names, typos of
popular words, half-typed last words, filter-only browsing, deep pages, and text with every facet."""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

import psycopg

_WORD = re.compile(r"[A-Za-z]{3,}")
PAGE = 24


@dataclass(frozen=True, slots=True)
class QueryClass:
    """One class of the mix: its label, the query strings it draws from, how many pages deep it reads."""

    key: str
    label: str
    queries: list[str]
    depth: int = 1  # pages followed through next_cursor; only the last one is timed
    text: bool = True  # a text search (counted against the text targets)


@dataclass(frozen=True, slots=True)
class QuerySet:
    """Every class, and what the catalog looked like when they were drawn."""

    classes: list[QueryClass]
    products: int
    sample: dict[str, list[str]] = field(default_factory=dict)  # a few queries per class, for the report


def _qs(**params: object) -> str:
    pairs: list[tuple[str, object]] = []
    for key, value in params.items():
        name = key.replace("__", ".")
        if isinstance(value, list | tuple):
            pairs += [(name, v) for v in value]
        else:
            pairs.append((name, value))
    return urlencode(pairs)


def _typo(word: str, rng: random.Random, known: set[str]) -> str | None:
    """One deletion or substitution inside the word that makes it a word nobody wrote."""
    for _ in range(10):
        i = rng.randrange(1, len(word) - 1)
        candidate = (
            word[:i] + word[i + 1 :] if rng.random() < 0.5 else word[:i] + rng.choice("aeiourst") + word[i + 1 :]
        )
        if candidate.lower() not in known and candidate != word:
            return candidate
    return None


def build_query_set(url: str, *, seed: int = 11, per_class: int = 40) -> QuerySet:
    """Draw each class's queries from a random sample of the listed products."""
    rng = random.Random(seed)
    with psycopg.connect(url) as conn:
        products = int(str(conn.execute("SELECT count(*) FROM products").fetchone()[0]))  # type: ignore[index]
        names = [
            str(r[0])
            for r in conn.execute(
                "SELECT name FROM products TABLESAMPLE SYSTEM (5) REPEATABLE (7)"
                " WHERE status = 'active' AND price_min IS NOT NULL LIMIT 4000"
            )
        ]
        known = {str(r[0]) for r in conn.execute("SELECT word FROM search_words")}
        brands = [str(r[0]) for r in conn.execute("SELECT slug FROM brands ORDER BY slug")]
        categories = [str(r[0]) for r in conn.execute("SELECT slug FROM categories ORDER BY path")]
    words: Counter[str] = Counter()
    pairs: Counter[str] = Counter()
    for name in names:
        tokens = [t.lower() for t in _WORD.findall(name)]
        words.update(set(tokens))
        pairs.update({f"{a} {b}" for a, b in itertools.pairwise(tokens)})
    popular_words = [w for w, _ in words.most_common(30)]
    popular_pairs = [p for p, _ in pairs.most_common(30)]
    popular = popular_words + popular_pairs
    exact_names = rng.sample(names, min(per_class, len(names)))
    rare = exact_names[: per_class // 2] + [
        " ".join(name.split()[:3]) for name in exact_names[per_class // 2 :]
    ]  # whole names, and brand + first words
    typos = []
    for phrase in rng.sample(popular, len(popular)):
        parts = phrase.split()
        target = max(range(len(parts)), key=lambda i: len(parts[i]))
        if len(parts[target]) >= 5:
            broken = _typo(parts[target], rng, known)
            if broken:
                parts[target] = broken
                typos.append(" ".join(parts))
    prefixes = [p[: len(p) - rng.randint(2, 4)] for p in popular_pairs if len(p.split()[-1]) >= 6]
    browse = [_qs(limit=PAGE)]
    for sort in ("newest", "price", "-price", "rating", "relevance"):
        browse.append(_qs(limit=PAGE, sort=sort))
    browse += [_qs(limit=PAGE, brand=b) for b in rng.sample(brands, min(8, len(brands)))]
    browse += [_qs(limit=PAGE, category=c, sort="price") for c in rng.sample(categories, min(8, len(categories)))]
    browse += [
        _qs(limit=PAGE, min_price=2_000, max_price=10_000),
        _qs(limit=PAGE, min_rating=4, sort="rating"),
        _qs(limit=PAGE, in_stock="true"),
        _qs(limit=PAGE, brand=rng.sample(brands, 2), in_stock="true"),
        _qs(limit=PAGE, attr__color="Black"),
    ]
    classes = [
        QueryClass("popular", "popular words and phrases", [_qs(q=q, limit=PAGE) for q in popular]),
        QueryClass("rare", "rare: product names, brand + first words", [_qs(q=q, limit=PAGE) for q in rare]),
        QueryClass("typo", "typos of popular words", [_qs(q=q, limit=PAGE) for q in typos]),
        QueryClass("prefix", "search-as-you-type (last word cut)", [_qs(q=q, limit=PAGE) for q in prefixes]),
        QueryClass("filters", "filter-only browsing (no q)", browse, text=False),
        QueryClass("deep", "popular text, page 10 (via next_cursor)", [_qs(q=q, limit=PAGE) for q in popular], 10),
        QueryClass(
            "facets",
            "text + facets=all",
            [_qs(q=q, limit=PAGE, facets="all") for q in popular[:20] + rare[:10] + typos[:10]],
        ),
    ]
    return QuerySet(
        classes=[c for c in classes if c.queries],
        products=products,
        sample={c.key: c.queries[:3] for c in classes},
    )
