"""Checkouts driven by `wrk` (C, one event loop) instead of httpx, when wrk is installed.

The httpx load generator spends 2–3 ms of CPU per checkout (measured: docs/benchmarks.md), taken from
the same two cores as the API, PostgreSQL and the PSP sandbox it measures; wrk spends a small fraction
of that. Each request is one line of a prepared file (bearer token, Idempotency-Key, JSON body), sent
once: a run that would need more lines than it was given raises instead of replaying keys, since a
replayed key answers from the store without checking out (and would flatter the rate).
"""

from __future__ import annotations

import uuid

import orjson

from bench.load import PhaseResult
from bench.wrk import DONE, run_script

_SCRIPT = (
    """
local lines = {}
local next_index = 1

function init(args)
  for line in io.lines(args[1]) do lines[#lines + 1] = line end
end

function request()
  local token, key, body = lines[next_index]:match("^([^\\t]+)\\t([^\\t]+)\\t(.+)$")
  next_index = (next_index % #lines) + 1
  local headers = {}
  headers["Authorization"] = "Bearer " .. token
  headers["Idempotency-Key"] = key
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", "/v1/checkout", headers, body)
end
"""
    + DONE
)


def checkout_lines(carts: list[tuple[str, str]], address: dict[str, str]) -> list[str]:
    """One request per cart: its buyer's token, a fresh Idempotency-Key, the checkout body."""
    lines = []
    for token, cart_id in carts:
        body = {"cart_id": cart_id, "shipping_address": address, "payment_method_token": "pm_card_visa"}
        lines.append(f"{token}\t{uuid.uuid4().hex}\t{orjson.dumps(body).decode()}")
    return lines


def drive_checkouts(base_url: str, lines: list[str], *, connections: int, seconds: float) -> PhaseResult:
    """Send the lines' checkouts on `connections` connections for `seconds`; refuse to wrap around."""
    result = run_script(base_url, _SCRIPT, lines, connections=connections, seconds=seconds)
    if result.requests > len(lines):
        raise RuntimeError(f"wrk sent {result.requests} checkouts with {len(lines)} prepared: give it more carts")
    return result
