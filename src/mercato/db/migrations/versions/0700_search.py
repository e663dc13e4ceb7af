"""Search: the product search document, its indexes, the SKU facet rows and the typo lexicon.

Everything search reads is kept by triggers in the transaction that changes the catalog, so a product
created, renamed, repriced or archived is searchable (or gone) in the next query, with no sync job:

- `products.search_head`: a weighted tsvector of the name (A), brand (B) and category with its
  ancestors (C), in the `mercato_search` configuration (english stemming, accents folded);
  `products.search_document`: the head plus the description (D); `products.search_name_key`: the name
  normalised for exact-name matches. Set by a BEFORE trigger on products, and recomputed when a brand
  or category is renamed or moved.
- `search_product_facets`: per product, its active SKUs' attribute tokens and prices, for attribute
  filters and the attribute and price facets. Refreshed by statement-level triggers on skus (so a bulk
  COPY refreshes each product once).
- `search_words`: the words of product, brand and category names, with a trigram index, from which a
  misspelt query word takes its corrections.

See docs/search.md for the design.

Revision ID: 0700_search
Revises: 0400_events
Create Date: 2026-11-25 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0700_search"
down_revision: str | None = "0400_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The text search configuration: english, with accents folded first for every token kind that can
# carry them (plain ASCII words need no folding and skip the dictionary).
CONFIGURATION = """
CREATE TEXT SEARCH CONFIGURATION mercato_search (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION mercato_search
    ALTER MAPPING FOR word, hword, hword_part WITH unaccent, english_stem;
ALTER TEXT SEARCH CONFIGURATION mercato_search
    ALTER MAPPING FOR numword, numhword, hword_numpart WITH unaccent, simple;
"""

FUNCTIONS = r"""
-- A name or a query reduced to lower-case, accent-free words separated by single spaces.
CREATE FUNCTION search_key(value text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT btrim(regexp_replace(lower(unaccent(coalesce(value, ''))), '[^[:alnum:]]+', ' ', 'g'))
$$;

-- The names of a category and of every category above it, root first.
CREATE FUNCTION search_category_text(category text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(string_agg(above.name, ' ' ORDER BY above.path), '')
    FROM categories leaf
    JOIN categories above ON above.path = leaf.path OR starts_with(leaf.path, above.path || '/')
    WHERE leaf.id = category
$$;

-- The head of a product's document: its name (weight A), brand (B) and categories (C), each cut to 200
-- characters so the vector always fits in an index entry (the walk index carries it, see INDEXES).
CREATE FUNCTION search_head(name text, brand text, category text)
RETURNS tsvector LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('mercato_search', left(coalesce(name, ''), 200)), 'A')
        || setweight(to_tsvector('mercato_search',
               left(coalesce((SELECT b.name FROM brands b WHERE b.id = brand), ''), 200)), 'B')
        || setweight(to_tsvector('mercato_search', left(search_category_text(category), 200)), 'C')
$$;

-- The whole weighted document: the head, then the description (D). Only the first 2,000 characters
-- of the description count, so a document stays small enough to live in the row (no TOAST fetch).
-- It also says which facet samples the product is in: hashtext(id) & 1023 is its bucket of 1,024, and
-- it carries 'sample K' for every power of two K above its bucket, so the first K buckets are the
-- products with that one lexeme. No query text can produce it (the parser never makes a lexeme with a
-- space), and a facet sample is one more GIN condition, intersected before any row is read.
CREATE FUNCTION search_document(head tsvector, description text, id text)
RETURNS tsvector LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT head || setweight(to_tsvector('mercato_search'::regconfig, left(coalesce(description, ''), 2000)), 'D')
        || array_to_tsvector(ARRAY(
            SELECT 'sample ' || k FROM unnest(ARRAY[1, 2, 4, 8, 16, 32, 64, 128, 256, 512]) AS k
            WHERE (hashtext(id) & 1023) < k
        ))
$$;

-- The tsquery of one typed word, matching also as a prefix: 'headphon':* (empty for a stop word).
CREATE FUNCTION search_prefix_tsquery(word text) RETURNS tsquery LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN numnode(q) = 0 THEN q ELSE (q::text || ':*')::tsquery END
    FROM plainto_tsquery('mercato_search', word) AS q
$$;

-- Words worth correcting a misspelling to: 3 to 40 characters, from a normalised key.
CREATE FUNCTION search_key_words(key text) RETURNS SETOF text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT DISTINCT w FROM regexp_split_to_table(key, ' ') AS w WHERE length(w) BETWEEN 3 AND 40
$$;

CREATE FUNCTION search_products_document() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_head := search_head(NEW.name, NEW.brand_id, NEW.category_id);
    NEW.search_document := search_document(NEW.search_head, NEW.description, NEW.id);
    NEW.search_name_key := search_key(NEW.name);
    RETURN NEW;
END
$$;

-- Recompute the search columns of the products that `scope` selects (after a brand or category edit).
CREATE FUNCTION search_reindex_products(brand text, category_path text) RETURNS void LANGUAGE sql AS $$
    UPDATE products SET search_head = search_head(name, brand_id, category_id),
                        search_document = search_document(search_head(name, brand_id, category_id), description, id)
    WHERE (brand IS NOT NULL AND brand_id = brand)
       OR (category_path IS NOT NULL AND category_id IN (
              SELECT id FROM categories WHERE path = category_path OR starts_with(path, category_path || '/')))
$$;

CREATE FUNCTION search_products_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_words (word)
    SELECT DISTINCT w FROM changed, search_key_words(changed.search_name_key) AS w
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

CREATE FUNCTION search_reference_words() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_words (word) SELECT w FROM search_key_words(search_key(NEW.name)) AS w
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

CREATE FUNCTION search_brand_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM search_reindex_products(NEW.id, NULL);
    RETURN NULL;
END
$$;

CREATE FUNCTION search_category_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM search_reindex_products(NULL, NEW.path);
    RETURN NULL;
END
$$;

-- Attribute tokens are `key || chr(31) || value`: the unit separator cannot appear in a query parameter.
CREATE FUNCTION search_refresh_sku_facets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_product_facets (product_id, attributes, prices)
    SELECT touched.product_id,
           coalesce((
               SELECT array_agg(DISTINCT a.key || chr(31) || (a.value #>> '{}') ORDER BY a.key || chr(31) || (a.value #>> '{}'))
               FROM skus s, jsonb_each(CASE WHEN jsonb_typeof(s.attributes) = 'object' THEN s.attributes ELSE '{}' END) AS a
               WHERE s.product_id = touched.product_id AND s.status = 'active'
           ), '{}'),
           coalesce((
               SELECT array_agg(DISTINCT s.price ORDER BY s.price)
               FROM skus s
               WHERE s.product_id = touched.product_id AND s.status = 'active'
           ), '{}')
    FROM (SELECT DISTINCT product_id FROM changed) AS touched
    ON CONFLICT (product_id) DO UPDATE SET attributes = EXCLUDED.attributes, prices = EXCLUDED.prices;
    RETURN NULL;
END
$$;
"""

TRIGGERS = """
CREATE TRIGGER search_document_on_insert BEFORE INSERT ON products
    FOR EACH ROW EXECUTE FUNCTION search_products_document();
CREATE TRIGGER search_document_on_update BEFORE UPDATE OF name, description, brand_id, category_id ON products
    FOR EACH ROW WHEN (
        OLD.name IS DISTINCT FROM NEW.name OR OLD.description IS DISTINCT FROM NEW.description
        OR OLD.brand_id IS DISTINCT FROM NEW.brand_id OR OLD.category_id IS DISTINCT FROM NEW.category_id
    ) EXECUTE FUNCTION search_products_document();
CREATE TRIGGER search_words_on_insert AFTER INSERT ON products
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_products_words();
CREATE TRIGGER search_words_on_update AFTER UPDATE ON products
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_products_words();

CREATE TRIGGER search_words_of_brand AFTER INSERT OR UPDATE OF name ON brands
    FOR EACH ROW EXECUTE FUNCTION search_reference_words();
CREATE TRIGGER search_words_of_category AFTER INSERT OR UPDATE OF name ON categories
    FOR EACH ROW EXECUTE FUNCTION search_reference_words();
CREATE TRIGGER search_brand_renamed AFTER UPDATE OF name ON brands
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION search_brand_renamed();
CREATE TRIGGER search_category_renamed AFTER UPDATE OF name, path ON categories
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.path IS DISTINCT FROM NEW.path)
    EXECUTE FUNCTION search_category_renamed();

CREATE TRIGGER search_facets_on_insert AFTER INSERT ON skus
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_refresh_sku_facets();
CREATE TRIGGER search_facets_on_update AFTER UPDATE ON skus
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_refresh_sku_facets();
CREATE TRIGGER search_facets_on_delete AFTER DELETE ON skus
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_refresh_sku_facets();
"""

# Rows that existed before this migration get their documents, facet rows and words once.
BACKFILL = """
UPDATE products SET
    search_head = search_head(name, brand_id, category_id),
    search_document = search_document(search_head(name, brand_id, category_id), description, id),
    search_name_key = search_key(name);
INSERT INTO search_product_facets (product_id, attributes, prices)
SELECT p.id,
       coalesce((
           SELECT array_agg(DISTINCT a.key || chr(31) || (a.value #>> '{}') ORDER BY a.key || chr(31) || (a.value #>> '{}'))
           FROM skus s, jsonb_each(CASE WHEN jsonb_typeof(s.attributes) = 'object' THEN s.attributes ELSE '{}' END) AS a WHERE s.product_id = p.id AND s.status = 'active'
       ), '{}'),
       coalesce((
           SELECT array_agg(DISTINCT s.price ORDER BY s.price) FROM skus s WHERE s.product_id = p.id AND s.status = 'active'
       ), '{}')
FROM products p WHERE EXISTS (SELECT 1 FROM skus s WHERE s.product_id = p.id);
INSERT INTO search_words (word)
SELECT DISTINCT w FROM (
    SELECT search_name_key AS key FROM products
    UNION SELECT search_key(name) FROM brands
    UNION SELECT search_key(name) FROM categories
) AS names, search_key_words(names.key) AS w
ON CONFLICT DO NOTHING;
"""

# Partial indexes over the products the public can see, like the catalog's sort indexes:
# - GIN over the whole document (which products match) and over the head's weight classes (the tiers);
# - the walk index: the relevance order (rating, popularity, id) carrying the head and the columns the
#   catalog's filters read, so a page of a large match set is found by an index-only scan that stops
#   after a page, never visiting the rows it skips;
# - the exact-name key;
# - category and brand, carrying the sort keys: a page of a category or brand that the walk of its
#   order does not reach soon (a desk category sorted by price) is gathered from the index alone.
INDEXES = """
CREATE INDEX ix_products_search_document ON products USING gin (search_document) WHERE status = 'active';
CREATE INDEX ix_products_search_name ON products USING gin (ts_filter(search_head, '{a}'))
    WHERE status = 'active';
CREATE INDEX ix_products_search_name_brand ON products USING gin (ts_filter(search_head, '{a,b}'))
    WHERE status = 'active';
CREATE INDEX ix_products_search_head ON products USING gin (search_head) WHERE status = 'active';
CREATE INDEX ix_products_search_walk ON products (rating_avg, rating_count, id)
    INCLUDE (search_head, search_name_key, price_min, price_max, brand_id, category_id, merchant_id)
    WHERE status = 'active';
CREATE INDEX ix_products_search_name_key ON products (search_name_key) WHERE status = 'active';
CREATE INDEX ix_products_search_by_category ON products (category_id)
    INCLUDE (id, price_min, price_max, created_at, rating_avg, rating_count, brand_id, merchant_id)
    WHERE status = 'active';
CREATE INDEX ix_products_search_by_brand ON products (brand_id)
    INCLUDE (id, price_min, price_max, created_at, rating_avg, rating_count, category_id, merchant_id)
    WHERE status = 'active';
CREATE INDEX ix_search_product_facets_attributes ON search_product_facets USING gin (attributes);
CREATE INDEX ix_search_words_trigram ON search_words USING gin (word gin_trgm_ops);
-- Statistics of the weight classes, so the planner knows how common each word is in names and brands
-- (statistics of a partial index's expressions are not used for estimates).
CREATE STATISTICS products_search_name ON (ts_filter(search_head, '{a}')) FROM products;
CREATE STATISTICS products_search_name_brand ON (ts_filter(search_head, '{a,b}')) FROM products;
"""


def upgrade() -> None:
    op.execute(CONFIGURATION)
    op.execute(
        "ALTER TABLE products ADD COLUMN search_head tsvector, ADD COLUMN search_document tsvector,"
        " ADD COLUMN search_name_key text"
    )
    op.execute(
        "CREATE TABLE search_product_facets ("
        " product_id text PRIMARY KEY,"
        " attributes text[] NOT NULL DEFAULT '{}',"
        " prices integer[] NOT NULL DEFAULT '{}')"
    )
    op.execute("CREATE TABLE search_words (word text PRIMARY KEY)")
    op.execute(FUNCTIONS)
    op.execute(BACKFILL)
    op.execute(TRIGGERS)
    op.execute(INDEXES)


def downgrade() -> None:
    for name, table in (
        ("search_document_on_insert", "products"),
        ("search_document_on_update", "products"),
        ("search_words_on_insert", "products"),
        ("search_words_on_update", "products"),
        ("search_words_of_brand", "brands"),
        ("search_words_of_category", "categories"),
        ("search_brand_renamed", "brands"),
        ("search_category_renamed", "categories"),
        ("search_facets_on_insert", "skus"),
        ("search_facets_on_update", "skus"),
        ("search_facets_on_delete", "skus"),
    ):
        op.execute(f"DROP TRIGGER {name} ON {table}")
    for function in (
        "search_refresh_sku_facets()",
        "search_category_renamed()",
        "search_brand_renamed()",
        "search_reference_words()",
        "search_products_words()",
        "search_products_document()",
        "search_key_words(text)",
        "search_prefix_tsquery(text)",
        "search_reindex_products(text, text)",
        "search_document(tsvector, text, text)",
        "search_head(text, text, text)",
        "search_category_text(text)",
        "search_key(text)",
    ):
        op.execute(f"DROP FUNCTION {function}")
    op.execute("DROP TABLE search_words")
    op.execute("DROP TABLE search_product_facets")
    op.execute("DROP STATISTICS products_search_name, products_search_name_brand")
    op.execute("DROP INDEX ix_products_search_by_category, ix_products_search_by_brand")
    op.execute(
        "ALTER TABLE products DROP COLUMN search_name_key, DROP COLUMN search_document, DROP COLUMN search_head"
    )
    op.execute("DROP TEXT SEARCH CONFIGURATION mercato_search")
