"""Sentences the generator fills in: product descriptions and customer reviews.

Placeholders: {name}, {brand}, {feature} and {noun} (as they read mid-sentence), {a_thing} (feature and
noun with an article unless the noun is plural), {h1}…{h3}
(the leaf's highlights), {time} (how long the reviewer has used the product).
"""

from __future__ import annotations

DESCRIPTION_OPENERS = (
    "The {name} is {a_thing} from {brand}, built around {h1} and {h2}.",
    "Meet the {name}: {brand}'s {feature} {noun} with {h1}.",
    "{brand} designed the {name} for people who want {a_thing} that simply works, with {h1}.",
    "Built to get the details right, the {name} pairs {h1} with {h2}.",
)
DESCRIPTION_MIDDLES = (
    "Reviewers single out {h2}, and everyday use shows why: it is dependable from the first day.",
    "It adds {h3}, so there is little to compromise on.",
    "Thoughtful touches such as {h3} make it a pleasure to live with.",
    "Compared with last year's model it keeps {h2} and adds {h3}.",
    "Whether it is a gift or an upgrade, {h2} makes the difference.",
)
PHYSICAL_CLOSERS = (
    "Ships within one business day from the merchant's nearest warehouse.",
    "Backed by a two-year limited warranty and free 30-day returns.",
    "Arrives in recyclable, plastic-free packaging.",
)
DIGITAL_CLOSERS = (
    "Delivered instantly: the download link arrives by e-mail as soon as payment is confirmed.",
    "Digital delivery; no shipping, and your licence is ready in your account right away.",
)

REVIEW_TITLES: dict[int, tuple[str, ...]] = {
    5: ("Absolutely love it", "Exceeded my expectations", "Best purchase this year", "Worth every penny", "Perfect"),
    4: ("Very good", "Great value", "Solid choice", "Happy with it", "Almost perfect"),
    3: ("It's okay", "Does the job", "Mixed feelings", "Average", "Decent for the price"),
    2: ("Disappointed", "Not as described", "Expected more", "Meh", "Wouldn't buy again"),
    1: ("Stopped working", "Do not buy", "Very poor quality", "Returned it", "Waste of money"),
}
REVIEW_OPENERS: dict[int, tuple[str, ...]] = {
    5: (
        "I've had it for {time} and it's flawless.",
        "Best {noun} I have owned, hands down.",
        "Bought it as a gift and ended up getting one for myself.",
    ),
    4: (
        "After {time} of daily use I'm very happy with it.",
        "Really good {noun} for the money.",
        "Does almost everything I hoped for.",
    ),
    3: (
        "Decent {noun}, nothing special.",
        "After {time} I have mixed feelings.",
        "Fine for the price, but I expected a little more.",
    ),
    2: (
        "The {noun} looked great in the photos, less so in person.",
        "After {time} it is already showing problems.",
        "Not what I hoped for from {brand}.",
    ),
    1: (
        "Mine broke after {time}.",
        "Sadly it did not work for me at all.",
        "Arrived damaged and support was slow to answer.",
    ),
}
REVIEW_DETAILS: dict[int, tuple[str, ...]] = {
    5: ("As promised: {h1}.", "Love {h2}.", "Shipping was fast and the packaging was great."),
    4: ("Happy with {h1}, though setup took a while.", "I like {h2}; my only nit is the colour.", "Good value."),
    3: ("{h1}? Fine, but not outstanding.", "Nice to have {h2}; the rest is average.", "It does the basics."),
    2: ("The listing promised {h1}; not in my experience.", "Build quality feels cheap.", "I'll probably return it."),
    1: ("Don't count on {h1}.", "The seller offered a refund, at least.", "Save your money."),
}
USAGE_TIMES = ("two weeks", "a month", "three months", "six months", "a year", "a few days")
