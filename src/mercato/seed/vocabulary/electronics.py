"""Electronics: audio, computers, phones and tablets."""

from __future__ import annotations

from mercato.seed.vocabulary.shapes import COLORS, Node, axis, leaf

ELECTRONICS = Node(
    "electronics",
    "Electronics",
    (
        Node(
            "audio",
            "Audio",
            (
                leaf(
                    "headphones",
                    "Headphones",
                    nouns="Headphones|Over-Ear Headphones|On-Ear Headphones|Studio Headphones",
                    features="Wireless|Noise-Cancelling|Bluetooth|Foldable|Hi-Res|Lightweight",
                    highlights="40-hour battery life|active noise cancellation|memory-foam ear cushions"
                    "|multipoint Bluetooth pairing|a built-in microphone for calls|a fold-flat travel design",
                    axes=(COLORS,),
                    price=(49, 399),
                    grams=(180, 350),
                    brands="audio",
                ),
                leaf(
                    "earbuds",
                    "Earbuds",
                    nouns="Earbuds|True Wireless Earbuds|Sport Earbuds|In-Ear Monitors",
                    features="Wireless|Noise-Cancelling|Waterproof|Compact|Bluetooth",
                    highlights="a pocketable charging case|IPX5 sweat resistance|touch controls"
                    "|a transparency mode|8 hours of playback per charge",
                    axes=(COLORS,),
                    price=(29, 249),
                    grams=(40, 80),
                    brands="audio",
                ),
                leaf(
                    "speakers",
                    "Speakers",
                    nouns="Bluetooth Speaker|Smart Speaker|Bookshelf Speakers|Soundbar|Party Speaker",
                    features="Portable|Waterproof|Wireless|Rugged|Voice-Controlled",
                    highlights="360-degree sound|a 20-hour battery|deep, punchy bass|stereo pairing"
                    "|a rugged, dust-proof shell",
                    axes=(COLORS,),
                    price=(39, 499),
                    grams=(400, 3500),
                    brands="audio",
                ),
            ),
        ),
        Node(
            "computers",
            "Computers",
            (
                leaf(
                    "laptops",
                    "Laptops",
                    nouns="Laptop|Notebook|Ultrabook|Gaming Laptop|2-in-1 Laptop",
                    features="Thin|14-inch|15-inch|Lightweight|Touchscreen|Business",
                    highlights="an all-day battery|a bright 400-nit display|a backlit keyboard|Wi-Fi 6E"
                    "|two Thunderbolt ports|a 1080p webcam",
                    axes=(
                        axis("memory", "8 GB|16 GB|32 GB", deltas=(0, 10000, 30000)),
                        axis("storage", "256 GB|512 GB|1 TB", deltas=(0, 8000, 20000)),
                    ),
                    price=(499, 2199),
                    grams=(1100, 2600),
                    brands="computing",
                ),
                leaf(
                    "monitors",
                    "Monitors",
                    nouns="Monitor|Gaming Monitor|Ultrawide Monitor|4K Monitor|Portable Monitor",
                    features="Curved|IPS|144 Hz|USB-C|Frameless|HDR",
                    highlights="a height-adjustable stand|factory colour calibration|a 1 ms response time"
                    "|USB-C power delivery|a low blue-light mode",
                    axes=(axis("screen", "24-inch|27-inch|32-inch|34-inch", deltas=(0, 6000, 15000, 25000)),),
                    price=(129, 1299),
                    grams=(3000, 9000),
                    brands="computing",
                ),
                leaf(
                    "keyboards-mice",
                    "Keyboards & Mice",
                    nouns="Mechanical Keyboard|Keyboard|Wireless Mouse|Gaming Mouse|Keyboard and Mouse Set",
                    features="Wireless|Ergonomic|RGB|Low-Profile|Quiet|Compact",
                    highlights="hot-swappable switches|a rechargeable battery|programmable keys|a padded palm rest"
                    "|multi-device switching",
                    axes=(axis("layout", "US|UK|DE"), COLORS),
                    price=(19, 249),
                    grams=(90, 1200),
                    brands="computing",
                ),
            ),
        ),
        Node(
            "phones-tablets",
            "Phones & Tablets",
            (
                leaf(
                    "smartphones",
                    "Smartphones",
                    nouns="Smartphone|5G Smartphone|Phone",
                    features="Unlocked|Dual-SIM|Compact|Flagship|Rugged",
                    highlights="a triple-lens camera|a 120 Hz OLED display|fast wireless charging"
                    "|five years of security updates|an all-day battery",
                    axes=(axis("capacity", "128 GB|256 GB|512 GB", deltas=(0, 10000, 25000)), COLORS),
                    price=(199, 1199),
                    grams=(160, 240),
                    brands="mobile",
                ),
                leaf(
                    "tablets",
                    "Tablets",
                    nouns="Tablet|Drawing Tablet|E-Reader|Kids Tablet",
                    features="10-inch|Lightweight|Wi-Fi|Slim|Stylus-Ready",
                    highlights="a laminated display|stylus support|a quad-speaker array|12 hours of video playback",
                    axes=(
                        axis("capacity", "64 GB|128 GB|256 GB", deltas=(0, 7000, 15000)),
                        axis("connectivity", "Wi-Fi|Wi-Fi + Cellular", deltas=(0, 12000)),
                    ),
                    price=(99, 999),
                    grams=(300, 700),
                    brands="mobile",
                ),
                leaf(
                    "chargers-cables",
                    "Chargers & Cables",
                    nouns="USB-C Charger|Charging Cable|Power Bank|Wireless Charging Pad|Car Charger",
                    features="Fast|65W|Braided|Compact|MagSafe-Compatible",
                    highlights="GaN fast charging|a braided nylon jacket|two USB-C ports|a 10,000 mAh cell"
                    "|foreign-object detection",
                    axes=(axis("length", "1 m|2 m|3 m", deltas=(0, 300, 600)), COLORS),
                    price=(9, 89),
                    grams=(40, 400),
                    brands="mobile",
                ),
            ),
        ),
    ),
)
