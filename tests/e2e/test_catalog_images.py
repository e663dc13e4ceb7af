"""Product images over HTTP: checked by their bytes and size, stored, and served at their URL."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import httpx
import psycopg
import pytest

from mercato.config import Settings
from tests.catalog_factories import make_brand, make_category, make_product
from tests.factories import Account, merchant_staff

Db = psycopg.Connection[tuple[Any, ...]]


def tiny_png() -> bytes:
    """A valid 1x1 red PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@pytest.fixture
def staff(api: httpx.Client, database_url: str) -> Account:
    return merchant_staff(api, database_url)


@pytest.fixture
def product(api: httpx.Client, database_url: str, staff: Account) -> dict[str, Any]:
    return make_product(api, staff, brand=make_brand(database_url), category=make_category(database_url))


def _upload(
    api: httpx.Client, product_id: str, staff: Account, data: bytes, *, name: str = "photo.png", **form: str
) -> httpx.Response:
    return api.post(
        f"/v1/merchant/products/{product_id}/images",
        files={"file": (name, data, "image/png")},
        data=form,
        headers=staff.headers,
    )


def _image_rows(db: Db) -> int:
    row = db.execute("SELECT count(*) FROM product_images").fetchone()
    assert row is not None
    return int(row[0])


def test_png_is_stored_and_served_at_its_url(
    api: httpx.Client, product: dict[str, Any], staff: Account, db: Db
) -> None:
    png = tiny_png()
    response = _upload(api, product["id"], staff, png, alt="A red dot")
    assert response.status_code == 201, response.text
    answered = response.json()
    assert answered["id"] == product["id"] and answered["object"] == "product"
    (image,) = answered["images"]
    assert image["alt"] == "A red dot"
    assert image["url"].startswith(str(api.base_url) + "/media/products/") and image["url"].endswith(".png")
    served = api.get(image["url"])
    assert served.status_code == 200 and served.content == png
    assert served.headers["content-type"] == "image/png"
    assert api.get(f"/v1/products/{product['id']}").json()["images"] == [image]
    events = db.execute("SELECT payload FROM outbox WHERE event_type = 'product.updated'").fetchall()
    assert [row[0]["fields"] for row in events] == [["images"]]


def test_images_keep_their_upload_order(api: httpx.Client, product: dict[str, Any], staff: Account) -> None:
    for alt in ("front", "back", "side"):
        assert _upload(api, product["id"], staff, tiny_png(), alt=alt).status_code == 201
    images = api.get(f"/v1/products/{product['id']}").json()["images"]
    assert [image["alt"] for image in images] == ["front", "back", "side"]
    assert len({image["url"] for image in images}) == 3


@pytest.mark.parametrize(
    ("data", "extension"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64, ".jpg"),
        (b"GIF89a\x01\x00\x01\x00" + b"\x00" * 64, ".gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64, ".webp"),
    ],
)
def test_jpeg_gif_and_webp_are_accepted_whatever_their_name(
    api: httpx.Client, product: dict[str, Any], staff: Account, data: bytes, extension: str
) -> None:
    response = _upload(api, product["id"], staff, data, name="upload.bin")
    assert response.status_code == 201, response.text
    assert response.json()["images"][0]["url"].endswith(extension)


@pytest.mark.parametrize(
    "data",
    [
        b"I am plain text, renamed to photo.png",
        b"%PDF-1.7 not an image",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"",
    ],
)
def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(
    api: httpx.Client, product: dict[str, Any], staff: Account, db: Db, data: bytes
) -> None:
    response = _upload(api, product["id"], staff, data, name="photo.png")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation-error" and body["errors"][0]["field"] == "body.file"
    assert _image_rows(db) == 0


def test_image_over_the_size_limit_is_payload_too_large(
    api: httpx.Client, product: dict[str, Any], staff: Account, db: Db, settings: Settings
) -> None:
    just_over = tiny_png() + b"\x00" * (settings.max_image_bytes + 1 - len(tiny_png()))
    response = _upload(api, product["id"], staff, just_over)
    assert response.status_code == 413
    assert response.json()["code"] == "payload-too-large"
    far_over = b"\x00" * (settings.max_image_bytes * 2)
    response = _upload(api, product["id"], staff, far_over)
    assert response.status_code == 413
    assert response.json()["code"] == "payload-too-large"
    assert _image_rows(db) == 0


def test_image_of_exactly_the_size_limit_is_accepted(
    api: httpx.Client, product: dict[str, Any], staff: Account, settings: Settings
) -> None:
    """Larger than the API's general 1 MiB body limit: the upload route has its own."""
    exact = tiny_png() + b"\x00" * (settings.max_image_bytes - len(tiny_png()))
    assert len(exact) > settings.max_body_bytes
    response = _upload(api, product["id"], staff, exact)
    assert response.status_code == 201, response.text


def test_upload_without_a_file_or_with_a_bad_alt_is_a_validation_error(
    api: httpx.Client, product: dict[str, Any], staff: Account, db: Db
) -> None:
    path = f"/v1/merchant/products/{product['id']}/images"
    missing = api.post(path, data={"alt": "nothing attached"}, headers=staff.headers)
    assert missing.status_code == 422 and missing.json()["code"] == "validation-error"
    as_json = api.post(path, json={"file": "aGVsbG8="}, headers=staff.headers)
    assert as_json.status_code == 422
    long_alt = _upload(api, product["id"], staff, tiny_png(), alt="x" * 301)
    assert long_alt.status_code == 422 and long_alt.json()["errors"][0]["field"] == "body.alt"
    assert _image_rows(db) == 0


def test_archived_product_takes_no_images(api: httpx.Client, product: dict[str, Any], staff: Account) -> None:
    api.post(f"/v1/merchant/products/{product['id']}/archive", headers=staff.headers)
    response = _upload(api, product["id"], staff, tiny_png())
    assert response.status_code == 409 and response.json()["code"] == "conflict"
