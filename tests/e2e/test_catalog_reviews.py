"""Reviews over HTTP: one per customer and product, the rating summary kept exact, even under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from threading import Barrier
from typing import Any

import httpx
import psycopg
import pytest

from mercato.catalog.domain import rating_average
from tests.catalog_factories import list_all_pages, make_brand, make_category, make_product
from tests.factories import Account, customer, merchant_staff

Db = psycopg.Connection[tuple[Any, ...]]


@pytest.fixture
def staff(api: httpx.Client, database_url: str) -> Account:
    return merchant_staff(api, database_url)


@pytest.fixture
def product(api: httpx.Client, database_url: str, staff: Account) -> dict[str, Any]:
    return make_product(api, staff, brand=make_brand(database_url), category=make_category(database_url))


def _review(api: httpx.Client, product_id: str, account: Account, rating: int = 4, **fields: Any) -> httpx.Response:
    body = {"rating": rating, "title": "Does the job", "body": "Solid and well made.", **fields}
    return api.post(f"/v1/products/{product_id}/reviews", json=body, headers=account.headers)


def _summary(db: Db, product_id: str) -> tuple[int, int, Decimal]:
    row = db.execute(
        "SELECT rating_count, rating_total, rating_avg FROM products WHERE id = %s", (product_id,)
    ).fetchone()
    assert row is not None
    return row[0], row[1], row[2]


def test_review_is_created_and_moves_the_rating(api: httpx.Client, product: dict[str, Any], db: Db) -> None:
    ada, bob, cyd = customer(api, name="Ada"), customer(api, name="Bob"), customer(api, name="Cyd")
    response = _review(api, product["id"], ada, rating=5, title="Lovely", body="Would buy again")
    assert response.status_code == 201, response.text
    review = response.json()
    assert review["object"] == "review" and review["id"].startswith("rev_")
    assert review["product_id"] == product["id"] and review["rating"] == 5
    assert (review["title"], review["body"], review["author_name"]) == ("Lovely", "Would buy again", "Ada")
    assert review["created_at"].endswith("Z")
    assert _review(api, product["id"], bob, rating=4).status_code == 201
    assert _review(api, product["id"], cyd, rating=4).status_code == 201
    detail = api.get(f"/v1/products/{product['id']}").json()
    assert detail["rating"] == {"average": 4.33, "count": 3}
    assert _summary(db, product["id"]) == (3, 13, Decimal("4.33"))
    assert [r["author_name"] for r in detail["reviews"]["items"]] == ["Cyd", "Bob", "Ada"]  # newest first
    payloads = [row[0] for row in db.execute("SELECT payload FROM outbox WHERE event_type = 'review.created'")]
    assert sorted(p["rating"] for p in payloads) == [4, 4, 5]
    assert all(p["product_id"] == product["id"] for p in payloads)


def test_reviews_are_paged_newest_first(api: httpx.Client, product: dict[str, Any]) -> None:
    ids = []
    for _ in range(5):
        response = _review(api, product["id"], customer(api))
        ids.append(response.json()["id"])
    walked = list_all_pages(api, f"/v1/products/{product['id']}/reviews", {"limit": 2})
    assert [r["id"] for r in walked] == list(reversed(ids))
    first = api.get(f"/v1/products/{product['id']}/reviews", params={"limit": 2}).json()
    assert first["object"] == "list" and len(first["items"]) == 2 and first["next_cursor"]
    over = api.get(f"/v1/products/{product['id']}/reviews", params={"limit": 101})
    assert over.status_code == 422 and over.json()["code"] == "validation-error"
    tampered = api.get(f"/v1/products/{product['id']}/reviews", params={"cursor": first["next_cursor"] + "x"})
    assert tampered.status_code == 422 and tampered.json()["code"] == "invalid-cursor"


def test_second_review_by_the_same_customer_is_already_exists(
    api: httpx.Client, product: dict[str, Any], db: Db
) -> None:
    buyer = customer(api)
    assert _review(api, product["id"], buyer, rating=5).status_code == 201
    again = _review(api, product["id"], buyer, rating=1)
    assert again.status_code == 409 and again.json()["code"] == "already-exists"
    assert _summary(db, product["id"]) == (1, 5, Decimal("5.00"))


def test_merchant_staff_may_not_review_and_anonymous_callers_must_sign_in(
    api: httpx.Client, product: dict[str, Any], staff: Account, db: Db
) -> None:
    forbidden = _review(api, product["id"], staff)
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
    anonymous = api.post(f"/v1/products/{product['id']}/reviews", json={"rating": 5, "title": "x"})
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthenticated"
    assert _summary(db, product["id"]) == (0, 0, Decimal("0.00"))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"rating": 0}, "body.rating"),
        ({"rating": 6}, "body.rating"),
        ({"rating": "5"}, "body.rating"),
        ({"rating": 4.5}, "body.rating"),
        ({"title": ""}, "body.title"),
        ({"stars": 5}, "body.stars"),
    ],
)
def test_invalid_review_is_refused_and_nothing_changes(
    api: httpx.Client, product: dict[str, Any], db: Db, fields: dict[str, Any], field: str
) -> None:
    response = _review(api, product["id"], customer(api), **fields)
    assert response.status_code == 422
    assert field in {error["field"] for error in response.json()["errors"]}
    assert _summary(db, product["id"]) == (0, 0, Decimal("0.00"))
    assert db.execute("SELECT count(*) FROM reviews").fetchone() == (0,)


def test_only_active_products_can_be_reviewed(
    api: httpx.Client, product: dict[str, Any], staff: Account, database_url: str
) -> None:
    buyer = customer(api)
    draft = make_product(
        api, staff, brand=product["brand"]["slug"], category=product["category"]["slug"], status="draft"
    )
    archived = api.post(f"/v1/merchant/products/{product['id']}/archive", headers=staff.headers).json()
    for product_id in (draft["id"], archived["id"], "prod_01m88ygp94fs7y0ndj6jzbrjpc", "garbage"):
        response = _review(api, product_id, buyer)
        assert response.status_code == 404, product_id
        assert response.json()["code"] == "not-found"


def test_concurrent_reviews_keep_the_summary_exact(api: httpx.Client, product: dict[str, Any], db: Db) -> None:
    """Many customers review at the same moment on separate connections; no increment is lost."""
    reviewers = [customer(api) for _ in range(24)]
    ratings = [1 + i % 5 for i in range(len(reviewers))]
    start = Barrier(len(reviewers))

    def post(index: int) -> int:
        with httpx.Client(base_url=str(api.base_url), timeout=60) as client:
            start.wait()
            return _review(client, product["id"], reviewers[index], rating=ratings[index]).status_code

    with ThreadPoolExecutor(max_workers=len(reviewers)) as pool:
        statuses = list(pool.map(post, range(len(reviewers))))
    assert statuses == [201] * len(reviewers)
    expected = (len(ratings), sum(ratings), rating_average(sum(ratings), len(ratings)))
    assert _summary(db, product["id"]) == expected
    assert db.execute("SELECT count(*), sum(rating) FROM reviews").fetchone() == (len(ratings), sum(ratings))


def test_concurrent_duplicate_reviews_count_once(api: httpx.Client, product: dict[str, Any], db: Db) -> None:
    """The same customer fires several reviews at once: exactly one is created and counted."""
    buyer = customer(api)
    start = Barrier(8)

    def post(_: int) -> int:
        with httpx.Client(base_url=str(api.base_url), timeout=60) as client:
            start.wait()
            return _review(client, product["id"], buyer, rating=3).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(post, range(8)))
    assert statuses == [201] + [409] * 7
    assert _summary(db, product["id"]) == (1, 3, Decimal("3.00"))
