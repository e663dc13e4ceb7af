"""Catalog: products, SKUs, categories, brands, images, reviews. Other contexts use only what is exported here.

- `SkuSnapshot`, `sku_snapshots`: what cart, inventory and checkout may know of a SKU.
- `ProductFilters`, `listed_products`, `SortKey`, `SortOrder`, `product_views`, `ProductView`,
  `ProductList`: the composable product list, for search to add its text match, facets and relevance
  order to the same `GET /v1/products` without copying the catalog's rules.
"""

from mercato.catalog.listing import ProductFilters, listed_products
from mercato.catalog.product_view import product_views
from mercato.catalog.sku_lookup import SkuSnapshot, sku_snapshots
from mercato.catalog.sorting import SortKey, SortOrder
from mercato.catalog.views import ProductList, ProductView

__all__ = [
    "ProductFilters",
    "ProductList",
    "ProductView",
    "SkuSnapshot",
    "SortKey",
    "SortOrder",
    "listed_products",
    "product_views",
    "sku_snapshots",
]
