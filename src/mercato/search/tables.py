"""Tables of the search context: each product's SKU facets, and the lexicon typos are corrected from.

Both are written only by the database triggers of migration 0700_search, in the transaction that
changes the catalog; search code only reads them. The search columns search keeps on the catalog's
`products` table are described in `document.py`.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, Table, Text, text
from sqlalchemy.dialects.postgresql import ARRAY

from mercato.db.metadata import metadata

# One row per product that has ever had a SKU: its active SKUs' attribute tokens and distinct prices.
search_product_facets = Table(
    "search_product_facets",
    metadata,
    Column("product_id", Text, primary_key=True),  # the catalog's product id; no FK across contexts
    Column("attributes", ARRAY(Text), nullable=False, server_default=text("'{}'")),  # key \x1f value
    Column("prices", ARRAY(Integer), nullable=False, server_default=text("'{}'")),  # ascending
    Index("ix_search_product_facets_attributes", "attributes", postgresql_using="gin"),
)

# Every word (3 to 40 characters) of a product, brand or category name, normalised by search_key().
search_words = Table(
    "search_words",
    metadata,
    Column("word", Text, primary_key=True),
    Index("ix_search_words_trigram", "word", postgresql_using="gin", postgresql_ops={"word": "gin_trgm_ops"}),
)
