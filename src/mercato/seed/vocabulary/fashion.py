"""Fashion: clothing, shoes, accessories."""

from __future__ import annotations

from mercato.seed.vocabulary.shapes import APPAREL_COLORS, APPAREL_SIZES, COLORS, SHOE_SIZES, Node, axis, leaf

FASHION = Node(
    "fashion",
    "Fashion",
    (
        Node(
            "clothing",
            "Clothing",
            (
                leaf(
                    "t-shirts",
                    "T-Shirts",
                    nouns="T-Shirt|Crew Neck Tee|V-Neck Tee|Long Sleeve Tee|Pocket Tee",
                    features="Organic Cotton|Slim-Fit|Relaxed|Heavyweight|Performance|Merino",
                    highlights="pre-shrunk cotton|a tagless neck label|flatlock seams|a soft garment-dyed finish",
                    axes=(APPAREL_SIZES, APPAREL_COLORS),
                    price=(12, 59),
                    grams=(140, 260),
                    brands="apparel",
                ),
                leaf(
                    "jackets",
                    "Jackets",
                    nouns="Rain Jacket|Down Jacket|Fleece Jacket|Denim Jacket|Softshell Jacket|Parka",
                    features="Waterproof|Insulated|Packable|Windproof|Lightweight|Hooded",
                    highlights="taped seams|700-fill recycled down|pit zips for ventilation|a stowaway hood"
                    "|YKK zippers",
                    axes=(APPAREL_SIZES, APPAREL_COLORS),
                    price=(49, 399),
                    grams=(300, 1400),
                    brands="apparel",
                ),
                leaf(
                    "jeans",
                    "Jeans",
                    nouns="Jeans|Slim Jeans|Straight Jeans|Tapered Jeans|Chinos",
                    features="Stretch|Selvedge|Raw Denim|Relaxed-Fit|Classic",
                    highlights="12 oz Japanese denim|a comfortable stretch blend|reinforced pockets|a mid-rise waist",
                    axes=(axis("waist", "28|30|32|34|36|38"), axis("wash", "Indigo|Black|Light Wash|Stone")),
                    price=(39, 199),
                    grams=(500, 900),
                    brands="apparel",
                ),
            ),
        ),
        Node(
            "shoes",
            "Shoes",
            (
                leaf(
                    "running-shoes",
                    "Running Shoes",
                    nouns="Running Shoes|Trail Running Shoes|Road Running Shoes|Racing Flats",
                    features="Cushioned|Lightweight|Breathable|Stability|Carbon-Plated",
                    highlights="a responsive foam midsole|a grippy rubber outsole|an engineered mesh upper"
                    "|an 8 mm heel-to-toe drop",
                    axes=(SHOE_SIZES, APPAREL_COLORS),
                    price=(59, 249),
                    grams=(450, 750),
                    brands="footwear",
                ),
                leaf(
                    "boots",
                    "Boots",
                    nouns="Hiking Boots|Chelsea Boots|Work Boots|Winter Boots|Ankle Boots",
                    features="Waterproof|Leather|Insulated|Slip-Resistant|Lightweight",
                    highlights="a waterproof membrane|a Vibram outsole|full-grain leather|a cushioned footbed",
                    axes=(SHOE_SIZES, axis("color", "Brown|Black|Tan|Olive")),
                    price=(79, 329),
                    grams=(900, 1800),
                    brands="footwear",
                ),
                leaf(
                    "sneakers",
                    "Sneakers",
                    nouns="Sneakers|Low-Top Sneakers|High-Top Sneakers|Slip-On Sneakers|Court Sneakers",
                    features="Classic|Canvas|Leather|Vegan|Retro",
                    highlights="a vulcanised sole|a padded collar|a removable insole|recycled laces",
                    axes=(SHOE_SIZES, APPAREL_COLORS),
                    price=(45, 179),
                    grams=(600, 1000),
                    brands="footwear",
                ),
            ),
        ),
        Node(
            "accessories",
            "Accessories",
            (
                leaf(
                    "backpacks",
                    "Backpacks",
                    nouns="Backpack|Laptop Backpack|Travel Backpack|Daypack|Rolltop Backpack",
                    features="Water-Resistant|Anti-Theft|Minimalist|Expandable|Recycled",
                    highlights="a padded 16-inch laptop sleeve|a luggage pass-through|hidden security pockets"
                    "|a clamshell opening",
                    axes=(axis("capacity", "20 L|28 L|35 L", deltas=(0, 1500, 3000)), COLORS),
                    price=(29, 249),
                    grams=(500, 1600),
                    brands="apparel",
                ),
                leaf(
                    "watches",
                    "Watches",
                    nouns="Watch|Automatic Watch|Dive Watch|Field Watch|Chronograph",
                    features="Minimalist|Sapphire|Solar|Titanium|Classic",
                    highlights="sapphire crystal glass|100 m water resistance|a Japanese movement"
                    "|a quick-release strap",
                    axes=(axis("band", "Leather|Steel|Silicone", deltas=(0, 4000, 0)), axis("case", "38 mm|42 mm")),
                    price=(59, 899),
                    grams=(60, 200),
                    brands="apparel",
                ),
            ),
        ),
    ),
)
