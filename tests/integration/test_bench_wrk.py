"""The wrk load generators of the benchmarks send what they were given and report what they got: the search
benchmark's list of paths, the checkout benchmark's checkouts (each once, never a key twice)."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from bench.checkout_wrk import checkout_lines, drive_checkouts
from bench.wrk import parse, run_wrk, wrk_path

pytestmark = pytest.mark.skipif(wrk_path() is None, reason="wrk is not installed (apt-get install wrk)")


class _Counting(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the API server answers
    hits: Counter[str] = Counter()
    posted: ClassVar[list[tuple[str, str, dict[str, Any]]]] = []  # (authorization, idempotency key, body)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Counting.posted.append((self.headers["Authorization"], self.headers["Idempotency-Key"], json.loads(body)))
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def do_GET(self) -> None:
        _Counting.hits[self.path] += 1
        status = 404 if self.path.startswith("/missing") else 200
        body = b"{}"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[str]:
    _Counting.hits = Counter()
    _Counting.posted = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_wrk_cycles_through_every_path_and_counts_requests(server: str) -> None:
    paths = [f"/v1/products?q=w{i}&limit=24" for i in range(5)]

    result = run_wrk(server, paths, connections=2, seconds=1)

    assert result.requests > 20
    assert result.errors == 0
    assert set(_Counting.hits) == set(paths)
    # Each path about as often as the others: wrk walks the list in turn on every connection.
    assert max(_Counting.hits.values()) - min(_Counting.hits.values()) <= 2 * 2
    assert sum(_Counting.hits.values()) >= result.requests
    assert 0 < result.p50_ms <= result.p95_ms <= result.p99_ms


def test_answers_that_are_not_2xx_count_as_errors(server: str) -> None:
    result = run_wrk(server, ["/ok", "/missing"], connections=1, seconds=1)

    assert result.errors > 0
    assert abs(result.errors - _Counting.hits["/missing"]) <= 1


def test_output_without_figures_is_refused() -> None:
    with pytest.raises(RuntimeError, match="no figures"):
        parse("Running 1s test @ http://127.0.0.1:1\n")


def test_each_prepared_checkout_is_posted_once_with_its_token_key_and_body(server: str) -> None:
    carts = [(f"token{i}", f"cart_{i}") for i in range(100_000)]
    lines = checkout_lines(carts, {"country": "US"})

    result = drive_checkouts(server, lines, connections=2, seconds=1)

    posted = _Counting.posted
    assert result.errors == 0
    assert result.requests <= len(posted) <= result.requests + 2  # the last may be answered after wrk stopped
    assert len({key for _, key, _ in posted}) == len(posted)
    by_token = dict(carts)
    for authorization, _key, body in posted:
        assert body["cart_id"] == by_token[authorization.removeprefix("Bearer ")]
        assert body["shipping_address"] == {"country": "US"}


def test_a_run_longer_than_its_checkouts_is_refused_rather_than_replaying_keys(server: str) -> None:
    lines = checkout_lines([("token", "cart_1"), ("token", "cart_2")], {"country": "US"})

    with pytest.raises(RuntimeError, match="give it more carts"):
        drive_checkouts(server, lines, connections=1, seconds=1)
