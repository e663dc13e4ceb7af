"""Books & Media: books (print, e-book and audiobook formats) and software (always digital)."""

from __future__ import annotations

from mercato.seed.vocabulary.shapes import Node, axis, leaf

BOOK_FORMATS = axis(
    "format",
    "Paperback|Hardcover|E-book|Audiobook",
    deltas=(0, 800, -400, 600),
    digital="E-book|Audiobook",
)
LICENSES = axis("license", "1 user|3 users|Family (6 users)", deltas=(0, 2000, 4000))
PLATFORMS = axis("platform", "Windows|macOS|Windows & macOS", deltas=(0, 0, 1000))

# Book names are titles: "{title}" is drawn from TITLE_OPENERS + TITLE_NOUNS below.
TITLE_OPENERS = (
    "The Silent",
    "The Last",
    "A Quiet",
    "The Hidden",
    "Beyond the",
    "The Glass",
    "Under the",
    "The Winter",
    "The Lost",
    "Salt and",
    "The Long",
    "Of Iron and",
)
TITLE_NOUNS = (
    "Harbor",
    "Lighthouse",
    "Orchard",
    "Garden",
    "River",
    "Station",
    "Archive",
    "Meridian",
    "Frontier",
    "Tide",
    "Kingdom",
    "Library",
)

MEDIA = Node(
    "books-media",
    "Books & Media",
    (
        Node(
            "books",
            "Books",
            (
                leaf(
                    "fiction",
                    "Fiction",
                    nouns="Novel|Mystery Novel|Thriller|Fantasy Novel|Science Fiction Novel|Historical Novel",
                    features="Bestselling|Award-Winning|Debut|Gripping|Haunting",
                    highlights="a twist you will not see coming|richly drawn characters|short, propulsive chapters"
                    "|an unforgettable setting",
                    axes=(BOOK_FORMATS,),
                    price=(12, 32),
                    grams=(250, 900),
                    brands="publishing",
                    pattern="{title}: A {noun}",
                ),
                leaf(
                    "cookbooks",
                    "Cookbooks",
                    nouns="Cookbook|Baking Book|Vegetarian Cookbook|Weeknight Cookbook|Bread Book",
                    features="Illustrated|Everyday|Seasonal|Essential|Complete",
                    highlights="over 120 tested recipes|step-by-step photographs|a pantry guide"
                    "|make-ahead tips for busy weeknights",
                    axes=(BOOK_FORMATS,),
                    price=(18, 45),
                    grams=(600, 1600),
                    brands="publishing",
                    pattern="The {feature} {noun}",
                ),
            ),
        ),
        Node(
            "software",
            "Software",
            (
                leaf(
                    "productivity-software",
                    "Productivity Software",
                    nouns="Office Suite|Note-Taking App|PDF Editor|Project Planner|Password Manager",
                    features="Professional|Home|Business|Cloud|Lifetime",
                    highlights="instant download|cloud sync across devices|free updates for a year"
                    "|end-to-end encryption",
                    axes=(LICENSES, PLATFORMS),
                    price=(19, 249),
                    grams=(0, 0),
                    brands="software",
                    digital=True,
                ),
                leaf(
                    "creative-software",
                    "Photo & Video Software",
                    nouns="Photo Editor|Video Editor|Audio Workstation|3D Modeler|Illustration App",
                    features="Professional|Studio|Creative|Express|Ultimate",
                    highlights="instant download|GPU-accelerated rendering|RAW photo support|4K export presets",
                    axes=(LICENSES, PLATFORMS),
                    price=(29, 399),
                    grams=(0, 0),
                    brands="software",
                    digital=True,
                ),
            ),
        ),
    ),
)
