"""The words the demo marketplace is made of: the category tree, merchants, brands and prose."""

from mercato.seed.vocabulary.electronics import ELECTRONICS
from mercato.seed.vocabulary.fashion import FASHION
from mercato.seed.vocabulary.home import HOME
from mercato.seed.vocabulary.market import BRANDS, MERCHANTS, MerchantSpec, WarehouseSpec
from mercato.seed.vocabulary.media import MEDIA
from mercato.seed.vocabulary.outdoors import OUTDOORS
from mercato.seed.vocabulary.shapes import Axis, Leaf, Node, slug_of

CATEGORY_ROOTS: tuple[Node, ...] = (ELECTRONICS, HOME, FASHION, OUTDOORS, MEDIA)

__all__ = [
    "BRANDS",
    "CATEGORY_ROOTS",
    "MERCHANTS",
    "Axis",
    "Leaf",
    "MerchantSpec",
    "Node",
    "WarehouseSpec",
    "slug_of",
]
