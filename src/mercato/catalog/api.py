"""HTTP routes of the catalog context: public browsing and reviews, merchant product management,
and the administrators' brand and category creation. Each route parses, calls one service, answers."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile, status

from mercato.catalog.domain import ProductStatus
from mercato.catalog.schemas import (
    BrandBody,
    CategoryBody,
    ProductCreateBody,
    ProductPatchBody,
    ReviewBody,
    SkuBody,
    SkuPatchBody,
)
from mercato.catalog.services.add_image import add_product_image
from mercato.catalog.services.add_sku import add_sku
from mercato.catalog.services.archive_product import archive_product
from mercato.catalog.services.brands import create_brand, list_brands
from mercato.catalog.services.categories import create_category, list_categories
from mercato.catalog.services.create_product import create_product
from mercato.catalog.services.edit_product import ProductChanges, edit_product
from mercato.catalog.services.edit_sku import SkuChanges, edit_sku
from mercato.catalog.services.list_reviews import list_reviews
from mercato.catalog.services.merchant_products import get_own_product, list_own_products
from mercato.catalog.services.post_review import post_review
from mercato.catalog.services.show_product import show_product
from mercato.catalog.views import (
    BrandList,
    BrandView,
    CategoryList,
    CategoryView,
    ProductDetailView,
    ProductList,
    ProductView,
    ReviewList,
    ReviewView,
    SkuView,
)
from mercato.http.deps import Admin, ContainerDep, Customer, MerchantStaff, ReadConn, WriteTx
from mercato.kernel.errors import ValidationFailed
from mercato.kernel.paging import DEFAULT_LIMIT

_PROBLEM_DESCRIPTIONS = {
    401: "unauthenticated: no, bad or expired token",
    403: "forbidden: the caller's role may not use this route",
    404: "not-found: unknown or malformed id, or another merchant's",
    409: "already-exists, conflict or invalid-transition",
    413: "payload-too-large",
    422: "validation-error (field names in `errors`) or invalid-cursor",
}


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem+json answers a route may give (see docs/errors.md)."""
    return {
        status: {"description": _PROBLEM_DESCRIPTIONS[status], "content": {"application/problem+json": {}}}
        for status in statuses
    }


router = APIRouter(prefix="/v1", tags=["catalog"], responses=_problems(422))
merchant_router = APIRouter(prefix="/v1/merchant", tags=["merchant catalog"], responses=_problems(401, 403, 404, 422))

# The image upload route takes bodies larger than the API's general limit (see app.py's middleware).
IMAGE_UPLOAD_PATH = re.compile(r"^/v1/merchant/products/[^/]+/images$")

Limit = Annotated[int, Query(description="Page size, 1 to 100.")]
Cursor = Annotated[str | None, Query(max_length=2000, description="The `next_cursor` of the previous page.")]


def _clean_text(field: str, value: str) -> str:
    """Refuse NUL characters (PostgreSQL cannot store or compare them) and overlong values: a 422, not a 500."""
    if "\x00" in value or len(value) > 300:
        raise ValidationFailed("not a valid value", field=field)
    return value


@router.get(
    "/products/{product_id}",
    response_model=ProductDetailView,
    summary="A product with its reviews",
    responses=_problems(404),
)
async def get_product(*, product_id: str, conn: ReadConn, container: ContainerDep) -> ProductDetailView:
    """An active product and the first page of its reviews; drafts and archived products are 404."""
    return await show_product(conn, cursors=container.cursors, product_id=product_id)


@router.get(
    "/products/{product_id}/reviews",
    response_model=ReviewList,
    summary="A product's reviews",
    responses=_problems(404),
)
async def get_reviews(
    *, product_id: str, conn: ReadConn, container: ContainerDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> ReviewList:
    """The product's reviews, newest first."""
    return await list_reviews(conn, cursors=container.cursors, product_id=product_id, limit=limit, cursor=cursor)


@router.post(
    "/products/{product_id}/reviews",
    status_code=status.HTTP_201_CREATED,
    response_model=ReviewView,
    summary="Review a product",
    responses=_problems(401, 403, 404, 409),
)
async def create_review(*, product_id: str, body: ReviewBody, customer: Customer, tx: WriteTx) -> ReviewView:
    """A customer's one review of a product (a second is 409 already-exists)."""
    return await post_review(
        tx, user_id=customer.user_id, product_id=product_id, rating=body.rating, title=body.title, body=body.body
    )


@router.get("/brands", response_model=BrandList, summary="Brands")
async def get_brands(
    *, conn: ReadConn, container: ContainerDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> BrandList:
    """Every brand, by slug."""
    return await list_brands(conn, cursors=container.cursors, limit=limit, cursor=cursor)


@router.get("/categories", response_model=CategoryList, summary="Categories (the tree, flattened)")
async def get_categories(
    *, conn: ReadConn, container: ContainerDep, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> CategoryList:
    """Every category in path order (each parent right before its children), with its `path` and `parent`."""
    return await list_categories(conn, cursors=container.cursors, limit=limit, cursor=cursor)


@router.post(
    "/admin/brands",
    status_code=status.HTTP_201_CREATED,
    response_model=BrandView,
    tags=["admin"],
    summary="Create a brand",
    responses=_problems(401, 403, 409),
)
async def post_brand(*, body: BrandBody, _: Admin, tx: WriteTx) -> BrandView:
    """Administrators add a brand."""
    return await create_brand(tx, slug=body.slug, name=body.name)


@router.post(
    "/admin/categories",
    status_code=status.HTTP_201_CREATED,
    response_model=CategoryView,
    tags=["admin"],
    summary="Create a category",
    responses=_problems(401, 403, 409),
)
async def post_category(*, body: CategoryBody, _: Admin, tx: WriteTx) -> CategoryView:
    """Administrators add a category, under `parent` (a slug) or as a root."""
    return await create_category(tx, slug=body.slug, name=body.name, parent=body.parent)


@merchant_router.post(
    "/products",
    status_code=status.HTTP_201_CREATED,
    response_model=ProductView,
    summary="Create a product",
    responses=_problems(409),
)
async def post_product(*, body: ProductCreateBody, staff: MerchantStaff, tx: WriteTx) -> ProductView:
    """A product with its SKUs, in the caller's merchant; active at once unless `status: "draft"`."""
    return await create_product(
        tx,
        merchant_id=_merchant(staff.merchant_id),
        name=body.name,
        description=body.description,
        brand=body.brand,
        category=body.category,
        status=body.product_status,
        skus=[sku.draft() for sku in body.skus],
    )


@merchant_router.get("/products", response_model=ProductList, summary="The merchant's products")
async def get_own_products(
    *,
    staff: MerchantStaff,
    conn: ReadConn,
    container: ContainerDep,
    only: Annotated[ProductStatus | None, Query(alias="status", description="Only products in this status.")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> ProductList:
    """The caller's merchant's products in every status (or one), newest first."""
    return await list_own_products(
        conn,
        cursors=container.cursors,
        merchant_id=_merchant(staff.merchant_id),
        status=only,
        limit=limit,
        cursor=cursor,
    )


@merchant_router.get("/products/{product_id}", response_model=ProductView, summary="One of the merchant's products")
async def get_own(*, product_id: str, staff: MerchantStaff, conn: ReadConn) -> ProductView:
    """One product of the caller's merchant, whatever its status; another merchant's is 404."""
    return await get_own_product(conn, merchant_id=_merchant(staff.merchant_id), product_id=product_id)


@merchant_router.patch(
    "/products/{product_id}", response_model=ProductView, summary="Edit a product", responses=_problems(409)
)
async def patch_product(*, product_id: str, body: ProductPatchBody, staff: MerchantStaff, tx: WriteTx) -> ProductView:
    """Change name, description, brand, category or status (active/draft)."""
    changes = ProductChanges(
        name=body.name,
        description=body.description,
        brand=body.brand,
        category=body.category,
        status=ProductStatus(body.status) if body.status is not None else None,
    )
    return await edit_product(tx, merchant_id=_merchant(staff.merchant_id), product_id=product_id, changes=changes)


@merchant_router.post("/products/{product_id}/archive", response_model=ProductView, summary="Archive a product")
async def post_archive(*, product_id: str, staff: MerchantStaff, tx: WriteTx) -> ProductView:
    """Take the product out of the catalog for good (idempotent)."""
    return await archive_product(tx, merchant_id=_merchant(staff.merchant_id), product_id=product_id)


@merchant_router.post(
    "/products/{product_id}/skus",
    status_code=status.HTTP_201_CREATED,
    response_model=SkuView,
    summary="Add a SKU",
    responses=_problems(409),
)
async def post_sku(*, product_id: str, body: SkuBody, staff: MerchantStaff, tx: WriteTx) -> SkuView:
    """A new SKU in the product's currency, holding no stock."""
    return await add_sku(tx, merchant_id=_merchant(staff.merchant_id), product_id=product_id, draft=body.draft())


@merchant_router.patch(
    "/skus/{sku_id}", response_model=SkuView, summary="Edit a SKU or its price", responses=_problems(409)
)
async def patch_sku(*, sku_id: str, body: SkuPatchBody, staff: MerchantStaff, tx: WriteTx) -> SkuView:
    """Change price, attributes, weight, digital or status (active/archived)."""
    changes = SkuChanges(
        price=body.price,
        attributes=dict(body.attributes) if body.attributes is not None else None,
        weight_grams=body.weight_grams,
        digital=body.digital,
        status=body.sku_status,
    )
    return await edit_sku(tx, merchant_id=_merchant(staff.merchant_id), sku_id=sku_id, changes=changes)


@merchant_router.post(
    "/products/{product_id}/images",
    status_code=status.HTTP_201_CREATED,
    response_model=ProductView,
    summary="Upload a product image",
    responses=_problems(409, 413),
)
async def post_image(
    *,
    product_id: str,
    staff: MerchantStaff,
    tx: WriteTx,
    container: ContainerDep,
    file: Annotated[UploadFile, File(description="A JPEG, PNG, GIF or WebP image.")],
    alt: Annotated[str, Form(max_length=300)] = "",
) -> ProductView:
    """Store the image (checked by its bytes and size) and answer the product with it."""
    limit = container.settings.max_image_bytes
    data = await file.read(limit + 1)
    return await add_product_image(
        tx,
        storage=container.storage,
        max_bytes=limit,
        merchant_id=_merchant(staff.merchant_id),
        product_id=product_id,
        data=data,
        alt=_clean_text("body.alt", alt),
    )


def _merchant(merchant_id: str | None) -> str:
    # require_merchant_staff guarantees a merchant; this narrows the type for the services.
    assert merchant_id is not None
    return merchant_id
