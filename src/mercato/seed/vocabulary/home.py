"""Home & Kitchen: kitchen, furniture, bedding and bath."""

from __future__ import annotations

from mercato.seed.vocabulary.shapes import COLORS, Node, axis, leaf

HOME = Node(
    "home-kitchen",
    "Home & Kitchen",
    (
        Node(
            "kitchen",
            "Kitchen",
            (
                leaf(
                    "cookware",
                    "Cookware",
                    nouns="Frying Pan|Skillet|Dutch Oven|Saucepan|Cookware Set|Wok",
                    features="Nonstick|Cast Iron|Stainless Steel|Ceramic|Tri-Ply|Enameled",
                    highlights="even heat distribution|an oven-safe build up to 500°F|a PFAS-free coating"
                    "|stay-cool riveted handles|induction compatibility",
                    axes=(axis("size", "8-inch|10-inch|12-inch", deltas=(0, 1000, 2500)), COLORS),
                    price=(19, 349),
                    grams=(700, 6000),
                    brands="kitchen",
                ),
                leaf(
                    "coffee-makers",
                    "Coffee Makers",
                    nouns="Coffee Maker|Espresso Machine|Pour-Over Set|French Press|Burr Grinder|Cold Brew Maker",
                    features="Programmable|Single-Serve|Compact|Stainless Steel|Thermal",
                    highlights="a 12-cup thermal carafe|15-bar pressure|a built-in milk frother|40 grind settings"
                    "|an auto-off safety timer",
                    axes=(COLORS,),
                    price=(24, 899),
                    grams=(600, 9000),
                    brands="kitchen",
                ),
                leaf(
                    "kitchen-knives",
                    "Knives",
                    nouns="Chef's Knife|Santoku Knife|Bread Knife|Paring Knife|Knife Block Set",
                    features="Damascus|Forged|Japanese|German Steel|Ultra-Sharp",
                    highlights="a full-tang blade|a 15-degree edge|an ergonomic pakkawood handle"
                    "|high-carbon stainless steel",
                    axes=(axis("blade", "6-inch|8-inch|10-inch", deltas=(0, 1500, 3000)),),
                    price=(19, 299),
                    grams=(150, 2500),
                    brands="kitchen",
                ),
            ),
        ),
        Node(
            "furniture",
            "Furniture",
            (
                leaf(
                    "office-chairs",
                    "Office Chairs",
                    nouns="Office Chair|Desk Chair|Gaming Chair|Task Chair|Kneeling Chair",
                    features="Ergonomic|Mesh|High-Back|Adjustable|Swivel",
                    highlights="adjustable lumbar support|4D armrests|a breathable mesh back"
                    "|a weight capacity of 300 lb|a synchro-tilt mechanism",
                    axes=(COLORS,),
                    price=(89, 1199),
                    grams=(9000, 22000),
                    brands="furniture",
                ),
                leaf(
                    "desks",
                    "Desks",
                    nouns="Standing Desk|Writing Desk|Computer Desk|Corner Desk",
                    features="Electric|Height-Adjustable|Solid Wood|Minimalist|Compact",
                    highlights="dual motors|four memory presets|a scratch-resistant top|built-in cable management",
                    axes=(
                        axis("size", "48 x 24 in|60 x 30 in|72 x 30 in", deltas=(0, 5000, 10000)),
                        axis("finish", "Walnut|Oak|White|Black"),
                    ),
                    price=(149, 1299),
                    grams=(18000, 45000),
                    brands="furniture",
                ),
            ),
        ),
        Node(
            "bedding-bath",
            "Bedding & Bath",
            (
                leaf(
                    "bed-sheets",
                    "Sheets & Bedding",
                    nouns="Sheet Set|Duvet Cover|Comforter|Pillowcase Set|Quilt",
                    features="Organic Cotton|Linen|Percale|Sateen|Bamboo|Cooling",
                    highlights="400 thread count|deep 16-inch pockets|OEKO-TEX certified fabric"
                    "|a soft, breathable weave",
                    axes=(axis("size", "Twin|Full|Queen|King", deltas=(0, 1000, 2000, 3000)), COLORS),
                    price=(29, 299),
                    grams=(800, 3000),
                    brands="home",
                ),
                leaf(
                    "towels",
                    "Towels",
                    nouns="Bath Towel Set|Bath Sheet|Hand Towels|Beach Towel",
                    features="Turkish Cotton|Quick-Dry|Plush|Waffle|Organic",
                    highlights="600 GSM weight|double-stitched hems|fade-resistant colours|a quick-dry loop pile",
                    axes=(COLORS,),
                    price=(15, 129),
                    grams=(400, 2500),
                    brands="home",
                ),
            ),
        ),
    ),
)
