"""Catalog: products, SKUs, categories, brands, images, reviews. Other contexts use only what is exported here.

- `SkuSnapshot`, `sku_snapshots`: what cart, inventory and checkout may know of a SKU.
- `ProductFilters`, `listed_products`, `listed_where`, `filter_clauses`, `SortKey`, `SortOrder`, `ProductSort`,
  `PRODUCT_ORDERS`, `price_window_valid`, `product_views`, `ProductView`, `ProductList`: the composable
  product list, for search to add its text match, facets and relevance order to the same
  `GET /v1/products` (which search serves) without copying the catalog's rules.
- `categories_by_path`, `CategoryRef`: category labels, for search's category facet.
"""

from mercato.catalog.domain import price_window_valid
from mercato.catalog.listing import ProductFilters, filter_clauses, listed_products, listed_where
from mercato.catalog.product_view import product_views
from mercato.catalog.references import categories_by_path
from mercato.catalog.sku_lookup import SkuSnapshot, sku_snapshots
from mercato.catalog.sorting import PRODUCT_ORDERS, ProductSort, SortKey, SortOrder
from mercato.catalog.views import CategoryRef, ProductList, ProductView

__all__ = [
    "PRODUCT_ORDERS",
    "CategoryRef",
    "ProductFilters",
    "ProductList",
    "ProductSort",
    "ProductView",
    "SkuSnapshot",
    "SortKey",
    "SortOrder",
    "categories_by_path",
    "filter_clauses",
    "listed_products",
    "listed_where",
    "price_window_valid",
    "product_views",
    "sku_snapshots",
]
