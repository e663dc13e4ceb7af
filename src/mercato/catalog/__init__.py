"""Catalog: products, SKUs, categories, brands, images, reviews. Other contexts use only what is exported here."""

from mercato.catalog.sku_lookup import SkuSnapshot, sku_snapshots

__all__ = ["SkuSnapshot", "sku_snapshots"]
