"""The demo marketplace's sellers and makers: merchants with their warehouses, and brands by product family."""

from __future__ import annotations

from dataclasses import dataclass

from mercato.seed.vocabulary.shapes import words


@dataclass(frozen=True, slots=True)
class WarehouseSpec:
    """A merchant's warehouse: where it is (ISO 3166 country and subdivision) and its shipping priority."""

    name: str
    country: str
    region: str
    priority: int  # lower ships first


@dataclass(frozen=True, slots=True)
class MerchantSpec:
    """A merchant, the root categories it sells in, its share of the catalog and its two warehouses."""

    name: str
    slug: str
    sells: tuple[str, ...]  # root category slugs
    share: int  # relative weight when products are handed out
    warehouses: tuple[WarehouseSpec, WarehouseSpec]


# The first merchant is the one the demo merchant login (merchant@example.com) works for.
MERCHANTS: tuple[MerchantSpec, ...] = (
    MerchantSpec(
        "Maple Street Market",
        "maple-street-market",
        ("electronics", "home-kitchen", "fashion", "sports-outdoors", "books-media"),
        30,
        (
            WarehouseSpec("Reno Fulfillment Center", "US", "US-NV", 10),
            WarehouseSpec("Columbus Fulfillment Center", "US", "US-OH", 20),
        ),
    ),
    MerchantSpec(
        "Bluebird Electronics",
        "bluebird-electronics",
        ("electronics",),
        20,
        (
            WarehouseSpec("Austin Warehouse", "US", "US-TX", 10),
            WarehouseSpec("Newark Warehouse", "US", "US-NJ", 20),
        ),
    ),
    MerchantSpec(
        "Harbor & Pine Home",
        "harbor-and-pine-home",
        ("home-kitchen",),
        15,
        (
            WarehouseSpec("Savannah Distribution", "US", "US-GA", 10),
            WarehouseSpec("Portland Distribution", "US", "US-OR", 20),
        ),
    ),
    MerchantSpec(
        "Summit Outfitters",
        "summit-outfitters",
        ("sports-outdoors", "fashion"),
        15,
        (
            WarehouseSpec("Denver Depot", "US", "US-CO", 10),
            WarehouseSpec("Burlington Depot", "US", "US-VT", 20),
        ),
    ),
    MerchantSpec(
        "Lindqvist & Berg",
        "lindqvist-and-berg",
        ("fashion", "home-kitchen"),
        10,
        (
            WarehouseSpec("Berlin Lager", "DE", "DE-BE", 10),
            WarehouseSpec("Rotterdam Hub", "NL", "NL-ZH", 20),
        ),
    ),
    MerchantSpec(
        "Pageturner Books & Software",
        "pageturner-books-and-software",
        ("books-media",),
        10,
        (
            WarehouseSpec("Chicago Book Depot", "US", "US-IL", 10),
            WarehouseSpec("Los Angeles Book Depot", "US", "US-CA", 20),
        ),
    ),
)

# Brand names by product family (a leaf category's `brand_group`); a brand may serve several families.
BRANDS: dict[str, tuple[str, ...]] = {
    "audio": words("Sonora|Aurial|Bassline|Echo & Vale"),
    "computing": words("Voltline|Keystone Labs|Nimbus Computing|Arclight"),
    "mobile": words("Nimbus Computing|Orbit Mobile|Pulsewave|Voltline"),
    "kitchen": words("Copper Hearth|Brightwell|Ember & Oak|Saltbox Kitchen"),
    "furniture": words("Northform|Oakridge Studio|Postura"),
    "home": words("Linen Lane|Driftwood Home|Cloudnest"),
    "apparel": words("Fieldstone|Harbor Thread|Northpeak|Wren & Co."),
    "footwear": words("Stridewell|Trailhead|Kinetic Run"),
    "outdoor": words("Northpeak|Ridgeline|Basecamp Supply|Alder Gear"),
    "fitness": words("Corewell|IronLeaf|Flowform|Pulsewave"),
    "publishing": words("Lanternfish Press|Harborlight Books|Copperline Publishing|Quill & Ink"),
    "software": words("Codeforge|Brightpixel|Ledgerline|Stackwise"),
}
