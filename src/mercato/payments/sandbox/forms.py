"""Decoding request parameters the way Stripe reads them.

The official SDKs send `application/x-www-form-urlencoded` bodies with bracketed keys
(`metadata[order]=1`, `expand[0]=latest_charge`, `card[number]=...`); Stripe also accepts JSON. Both
end up as one nested dict of strings, lists and dicts.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

import orjson

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")


class MalformedParams(ValueError):
    """The body could not be decoded into parameters."""


def _insert(target: dict[str, Any], parts: list[str], value: str) -> None:
    node: Any = target
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        following = None if last else parts[index + 1]
        make_list = following is not None and (following == "" or following.isdigit())
        if isinstance(node, list):
            if last:
                node.append(value)
                return
            # `a[0][b]=…`: the numeric part picks (or creates) an element
            position = int(part) if part.isdigit() else len(node)
            while len(node) <= position:
                node.append([] if make_list else {})
            node = node[position]
            continue
        if last:
            node[part] = value
            return
        if part not in node:
            node[part] = [] if make_list else {}
        node = node[part]


def decode_form(body: str) -> dict[str, Any]:
    """Nested parameters from a form-encoded body (or query string) with bracketed keys."""
    params: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        match = _KEY.match(key)
        if not match:
            raise MalformedParams(f"invalid parameter name: {key}")
        parts = [match.group(1), *_PART.findall(match.group(2))]
        try:
            _insert(params, parts, value)
        except (TypeError, AttributeError) as exc:
            raise MalformedParams(f"conflicting parameter: {key}") from exc
    return params


def decode_body(body: bytes, content_type: str) -> dict[str, Any]:
    """Parameters from a request body, JSON or form-encoded."""
    if not body.strip():
        return {}
    if content_type.startswith("application/json"):
        try:
            decoded = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise MalformedParams("invalid JSON body") from exc
        if not isinstance(decoded, dict):
            raise MalformedParams("the JSON body must be an object")
        return decoded
    try:
        return decode_form(body.decode())
    except UnicodeDecodeError as exc:
        raise MalformedParams("the body is not UTF-8") from exc


def as_bool(value: Any, *, default: bool) -> bool:
    """Stripe's boolean parameters arrive as "true"/"false" in forms and as booleans in JSON."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).lower() == "true"


def as_int(value: Any) -> int | None:
    """An integer parameter, or None if it is absent or not an integer."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value)
    return int(text) if text.lstrip("-").isdigit() else None
