"""Search: full-text and faceted product search over the catalog, served as `GET /v1/products`.

Other code uses only what is exported here: `search_products` (the use case), `SearchRequest`,
`SearchFilters`, `SearchResults`, `SearchTuning` and its `Plan`. Search depends on the catalog's public interface,
never the reverse.
"""

from mercato.search.matching import SearchFilters
from mercato.search.ranking import Plan
from mercato.search.service import SearchRequest, SearchTuning, search_products
from mercato.search.views import SearchResults

__all__ = ["Plan", "SearchFilters", "SearchRequest", "SearchResults", "SearchTuning", "search_products"]
