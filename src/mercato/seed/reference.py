"""The reference data products hang from: categories, brands and each merchant's warehouses.

Each is ensured (created when missing, found when present) by its natural key, so seeding twice, or
seeding more products later with `--force`, reuses the same tree, brands and warehouses.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.rows import TupleRow

from mercato.kernel.ids import new_id
from mercato.seed.vocabulary import BRANDS, CATEGORY_ROOTS, MERCHANTS, Leaf, MerchantSpec, Node, slug_of


@dataclass(frozen=True, slots=True)
class BrandRef:
    """A stored brand and the short code its SKU codes start with."""

    id: str
    name: str
    code: str


@dataclass(frozen=True, slots=True)
class LeafRef:
    """A stored leaf category with its vocabulary and the brands that make its products."""

    leaf: Leaf
    category_id: str
    root_slug: str
    brands: tuple[BrandRef, ...]


@dataclass(frozen=True, slots=True)
class MerchantRef:
    """A stored merchant, its warehouse ids in priority order, and the leaves it sells in."""

    id: str
    spec: MerchantSpec
    warehouse_ids: tuple[str, ...]
    leaves: tuple[LeafRef, ...]


def _ensure_category(conn: psycopg.Connection[TupleRow], node: Node | Leaf, parent: tuple[str, str] | None) -> str:
    """Insert the category unless its slug exists; return its id. `parent` is (id, path)."""
    path = f"{parent[1]}/{node.slug}" if parent else node.slug
    conn.execute(
        "INSERT INTO categories (id, parent_id, slug, name, path) VALUES (%s, %s, %s, %s, %s)"
        " ON CONFLICT (slug) DO NOTHING",
        (new_id("category"), parent[0] if parent else None, node.slug, node.name, path),
    )
    row = conn.execute("SELECT id FROM categories WHERE slug = %s", (node.slug,)).fetchone()
    assert row is not None
    return str(row[0])


def _ensure_tree(conn: psycopg.Connection[TupleRow]) -> dict[str, tuple[Leaf, str, str]]:
    """Every category of the tree, parents first; returns leaf slug → (leaf, category id, root slug)."""
    leaves: dict[str, tuple[Leaf, str, str]] = {}

    def walk(node: Node | Leaf, parent: tuple[str, str] | None, root: str) -> None:
        category_id = _ensure_category(conn, node, parent)
        path = f"{parent[1]}/{node.slug}" if parent else node.slug
        if isinstance(node, Leaf):
            leaves[node.slug] = (node, category_id, root)
            return
        for child in node.children:
            walk(child, (category_id, path), root)

    for root in CATEGORY_ROOTS:
        walk(root, None, root.slug)
    return leaves


def _ensure_brands(conn: psycopg.Connection[TupleRow]) -> dict[str, BrandRef]:
    """Every brand of the vocabulary by name."""
    names = sorted({name for group in BRANDS.values() for name in group})
    refs: dict[str, BrandRef] = {}
    for name in names:
        slug = slug_of(name)
        conn.execute(
            "INSERT INTO brands (id, slug, name) VALUES (%s, %s, %s) ON CONFLICT (slug) DO NOTHING",
            (new_id("brand"), slug, name),
        )
        row = conn.execute("SELECT id FROM brands WHERE slug = %s", (slug,)).fetchone()
        assert row is not None
        refs[name] = BrandRef(id=str(row[0]), name=name, code=slug.replace("-", "")[:3].upper())
    return refs


def _ensure_warehouses(conn: psycopg.Connection[TupleRow], merchant_id: str, spec: MerchantSpec) -> tuple[str, ...]:
    """The merchant's warehouses in priority order, created from the spec when it has none yet."""
    rows = conn.execute(
        "SELECT id FROM warehouses WHERE merchant_id = %s ORDER BY priority, id", (merchant_id,)
    ).fetchall()
    if rows:
        return tuple(str(r[0]) for r in rows)
    ids = []
    for wh in spec.warehouses:
        warehouse_id = new_id("warehouse")
        conn.execute(
            "INSERT INTO warehouses (id, merchant_id, name, country, region, priority) VALUES (%s, %s, %s, %s, %s, %s)",
            (warehouse_id, merchant_id, wh.name, wh.country, wh.region, wh.priority),
        )
        ids.append(warehouse_id)
    return tuple(ids)


def ensure_reference(conn: psycopg.Connection[TupleRow], merchant_ids: list[str]) -> list[MerchantRef]:
    """Categories, brands and warehouses for the merchants of MERCHANTS (ids in the same order)."""
    leaves = _ensure_tree(conn)
    brands = _ensure_brands(conn)
    leaf_refs = [
        LeafRef(
            leaf=leaf,
            category_id=category_id,
            root_slug=root,
            brands=tuple(brands[name] for name in BRANDS[leaf.brand_group]),
        )
        for leaf, category_id, root in leaves.values()
    ]
    return [
        MerchantRef(
            id=merchant_id,
            spec=spec,
            warehouse_ids=_ensure_warehouses(conn, merchant_id, spec),
            leaves=tuple(ref for ref in leaf_refs if ref.root_slug in spec.sells),
        )
        for merchant_id, spec in zip(merchant_ids, MERCHANTS, strict=True)
    ]
