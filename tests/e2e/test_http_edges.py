"""The HTTP edge: operations endpoints, request ids, body limits and the problem+json shape of every error."""

from __future__ import annotations

from collections.abc import Iterator

import httpx

from tests.factories import customer

PROBLEM = "application/problem+json"


def _is_problem(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, object] = response.json()
    assert body["code"] == code
    assert body["type"] == f"/problems/{code}"
    assert body["status"] == status
    assert body["title"] and body["detail"]
    return body


def test_healthz_answers_ok(api: httpx.Client) -> None:
    response = api.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_answers_ready_when_database_reachable(api: httpx.Client) -> None:
    response = api.get("/readyz")
    assert response.status_code == 200 and response.json() == {"status": "ready"}


def test_metrics_count_requests_per_route_template(api: httpx.Client) -> None:
    api.get("/v1/me")
    api.get("/healthz")
    text = api.get("/metrics").text
    assert 'mercato_http_requests_total{method="GET",route="/v1/me",status="401"}' in text
    assert 'mercato_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/healthz",status="200"}' in text


def test_client_request_id_is_echoed_and_a_missing_one_generated(api: httpx.Client) -> None:
    echoed = api.get("/healthz", headers={"X-Request-ID": "client-abc.123"})
    assert echoed.headers["x-request-id"] == "client-abc.123"
    generated = api.get("/healthz")
    assert len(generated.headers["x-request-id"]) >= 16
    unsafe = api.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert unsafe.headers["x-request-id"] != "bad id with spaces"


def test_unknown_route_is_not_found_problem(api: httpx.Client) -> None:
    _is_problem(api.get("/v1/nowhere"), 404, "not-found")


def test_wrong_method_is_a_problem_too(api: httpx.Client) -> None:
    _is_problem(api.delete("/v1/me"), 405, "method-not-allowed")


def test_malformed_json_is_validation_error_naming_the_body(api: httpx.Client) -> None:
    response = api.post("/v1/auth/login", content=b'{"email": "a@b.c", ', headers={"content-type": "application/json"})
    body = _is_problem(response, 422, "validation-error")
    assert any("JSON" in e["message"] for e in body["errors"])  # type: ignore[attr-defined]


def test_unknown_field_is_validation_error_naming_it(api: httpx.Client) -> None:
    response = api.post(
        "/v1/auth/register",
        json={"email": "x@shop.example.com", "password": "long-enough-1", "name": "X", "admin": True},
    )
    body = _is_problem(response, 422, "validation-error")
    assert {"field": "body.admin", "message": "unknown field"} in body["errors"]  # type: ignore[operator]


def test_wrong_type_is_validation_error_naming_the_field(api: httpx.Client) -> None:
    response = api.post("/v1/auth/login", json={"email": ["a"], "password": 5})
    body = _is_problem(response, 422, "validation-error")
    fields = {e["field"] for e in body["errors"]}  # type: ignore[attr-defined]
    assert {"body.email", "body.password"} <= fields


def test_body_over_one_mebibyte_is_payload_too_large_and_writes_nothing(api: httpx.Client, db: object) -> None:
    big = "x" * (1024 * 1024 + 10)
    response = api.post(
        "/v1/auth/register", json={"email": "big@shop.example.com", "password": "long-enough-1", "name": big}
    )
    _is_problem(response, 413, "payload-too-large")
    assert db.execute("SELECT count(*) FROM users").fetchone() == (0,)  # type: ignore[attr-defined]


def test_chunked_body_over_the_limit_is_refused_too(api: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b"x" * 65536

    response = api.post("/v1/auth/login", content=chunks(), headers={"content-type": "application/json"})
    _is_problem(response, 413, "payload-too-large")


def test_problem_pages_explain_each_code(api: httpx.Client) -> None:
    for code in ("validation-error", "out-of-stock", "payment-declined", "internal-error"):
        page = api.get(f"/problems/{code}")
        assert page.status_code == 200 and code in page.text
    assert api.get("/problems/no-such-code").status_code == 404


def test_openapi_document_lists_routes(api: httpx.Client) -> None:
    spec = api.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert "/v1/auth/login" in spec["paths"] and "/v1/me" in spec["paths"]
    assert api.get("/docs").status_code == 200


def test_customer_cannot_use_merchant_routes(api: httpx.Client) -> None:
    account = customer(api)
    routes = [r for r in api.get("/openapi.json").json()["paths"] if r.startswith("/v1/merchant/")]
    assert len(routes) >= 5
    for route in routes:
        spec = api.get("/openapi.json").json()["paths"][route]
        if "get" in spec:
            path = route.replace("{", "").replace("}", "")
            response = api.get(path, headers=account.headers)
            assert response.status_code == 403, route
            assert response.json()["code"] == "forbidden"
