"""A customer reviews a product, and the product's rating summary moves with it."""

from __future__ import annotations

from sqlalchemy import Numeric, cast, func, update
from sqlalchemy.dialects.postgresql import insert

from mercato.catalog.domain import ProductStatus, rating_valid
from mercato.catalog.services.list_reviews import review_view
from mercato.catalog.tables import products, reviews
from mercato.catalog.views import ReviewView
from mercato.db.unit_of_work import Tx
from mercato.identity import get_user
from mercato.kernel.errors import AlreadyExists, NotFound, ValidationFailed
from mercato.kernel.ids import is_id_of, new_id


async def post_review(tx: Tx, *, user_id: str, product_id: str, rating: int, title: str, body: str) -> ReviewView:
    """Add the customer's one review of an active product and update its rating summary atomically.

    The summary moves by one conditional UPDATE computed from the row's current values, so
    concurrent reviews queue on the product row and none is lost; a second review by the same
    customer is refused (409 already-exists) and rolls the summary change back with it.
    """
    if not is_id_of("product", product_id):
        raise NotFound("no such product")
    if not rating_valid(rating):
        raise ValidationFailed("a rating is from 1 to 5", field="body.rating")
    counted = (
        await tx.conn.execute(
            update(products)
            .where(products.c.id == product_id, products.c.status == ProductStatus.ACTIVE.value)
            .values(
                rating_count=products.c.rating_count + 1,
                rating_total=products.c.rating_total + rating,
                rating_avg=func.round(
                    cast(products.c.rating_total + rating, Numeric) / (products.c.rating_count + 1), 2
                ),
            )
            .returning(products.c.id, products.c.merchant_id)
        )
    ).one_or_none()
    if counted is None:
        raise NotFound("no such product")
    author = await get_user(tx.conn, user_id=user_id)
    review_id = new_id("review")
    row = (
        await tx.conn.execute(
            insert(reviews)
            .values(
                id=review_id,
                product_id=product_id,
                user_id=user_id,
                author_name=author.name,
                rating=rating,
                title=title,
                body=body,
            )
            .on_conflict_do_nothing(index_elements=["product_id", "user_id"])
            .returning(reviews)
        )
    ).one_or_none()
    if row is None:
        raise AlreadyExists("you have already reviewed this product")
    tx.emit(
        aggregate="review",
        aggregate_id=review_id,
        event_type="review.created",
        payload={
            "review_id": review_id,
            "product_id": product_id,
            "merchant_id": counted.merchant_id,
            "user_id": user_id,
            "rating": rating,
        },
    )
    return review_view(row)
