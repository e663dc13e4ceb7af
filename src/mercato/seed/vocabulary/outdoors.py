"""Sports & Outdoors: camping and fitness."""

from __future__ import annotations

from mercato.seed.vocabulary.shapes import COLORS, Node, axis, leaf

OUTDOORS = Node(
    "sports-outdoors",
    "Sports & Outdoors",
    (
        Node(
            "camping",
            "Camping & Hiking",
            (
                leaf(
                    "tents",
                    "Tents",
                    nouns="Tent|Backpacking Tent|Dome Tent|Family Tent|Ultralight Tent",
                    features="Waterproof|Freestanding|Ultralight|Four-Season|Instant",
                    highlights="color-coded poles for a quick pitch|a full-coverage rainfly|two doors and vestibules"
                    "|aluminium stakes",
                    axes=(axis("capacity", "1-person|2-person|4-person|6-person", deltas=(0, 5000, 12000, 20000)),),
                    price=(79, 599),
                    grams=(900, 9000),
                    brands="outdoor",
                ),
                leaf(
                    "sleeping-bags",
                    "Sleeping Bags",
                    nouns="Sleeping Bag|Mummy Sleeping Bag|Quilt|Sleeping Pad",
                    features="Down|Synthetic|Lightweight|Compressible|Three-Season",
                    highlights="a draft collar|a compression sack|water-resistant down|a two-way zipper",
                    axes=(axis("rating", "20°F|30°F|40°F", deltas=(4000, 2000, 0)), axis("length", "Regular|Long")),
                    price=(49, 449),
                    grams=(500, 2200),
                    brands="outdoor",
                ),
                leaf(
                    "camp-kitchen",
                    "Camp Kitchen",
                    nouns="Camp Stove|Water Filter|Insulated Bottle|Cook Set|Headlamp",
                    features="Portable|Compact|Stainless Steel|Rechargeable|Ultralight",
                    highlights="a piezo igniter|a hollow-fibre filter|24 hours of cold|a 400-lumen beam",
                    axes=(COLORS,),
                    price=(14, 199),
                    grams=(90, 1500),
                    brands="outdoor",
                ),
            ),
        ),
        Node(
            "fitness",
            "Fitness",
            (
                leaf(
                    "yoga-mats",
                    "Yoga Mats",
                    nouns="Yoga Mat|Exercise Mat|Travel Yoga Mat|Yoga Block Set",
                    features="Non-Slip|Extra-Thick|Eco-Friendly|Cork|Foldable",
                    highlights="a natural-rubber grip|alignment lines|a carrying strap|closed-cell, sweat-proof foam",
                    axes=(axis("thickness", "4 mm|6 mm|8 mm", deltas=(0, 500, 1000)), COLORS),
                    price=(19, 129),
                    grams=(800, 2500),
                    brands="fitness",
                ),
                leaf(
                    "dumbbells",
                    "Weights",
                    nouns="Dumbbells|Adjustable Dumbbells|Kettlebell|Weight Plates|Resistance Bands",
                    features="Rubber-Coated|Hex|Adjustable|Cast Iron|Neoprene",
                    highlights="knurled chrome handles|a quick-select dial|anti-roll hex heads|a storage tray",
                    axes=(axis("weight", "5 lb|10 lb|15 lb|20 lb|25 lb", deltas=(0, 1000, 2000, 3000, 4000)),),
                    price=(15, 399),
                    grams=(2300, 23000),
                    brands="fitness",
                ),
                leaf(
                    "fitness-trackers",
                    "Fitness Trackers",
                    nouns="Fitness Tracker|Smartwatch|Heart Rate Monitor|GPS Running Watch",
                    features="Waterproof|GPS|Slim|Solar|Smart",
                    highlights="24/7 heart-rate tracking|built-in GPS|sleep tracking|a 10-day battery"
                    "|swim-proof design",
                    axes=(COLORS, axis("band size", "S/M|L/XL")),
                    price=(29, 499),
                    grams=(25, 80),
                    brands="fitness",
                ),
            ),
        ),
    ),
)
