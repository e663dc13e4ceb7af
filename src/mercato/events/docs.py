"""Renders docs/events.md from the catalogue, so the documented schemas are the ones the code checks.

python -m mercato.events.docs > docs/events.md
"""

from __future__ import annotations

import json

from mercato.events.catalogue import CATALOGUE, EventType

PREAMBLE = """# Events

Every state change that another part of the system cares about is written to the **outbox** in the
same transaction as the change (`Tx.emit`), so an event exists if and only if its change committed.
`mercato worker` delivers the outbox to in-process consumers (customer notifications, merchant webhooks,
SLIs) and, when `NATS_URL` is set, to NATS JetStream. This file is generated from
`src/mercato/events/catalogue.py` (`python -m mercato.events.docs > docs/events.md`); a test fails
when they differ.

## The envelope

Every event travels as one JSON document (the NATS message body; a webhook request body):

```json
{
  "id": "evt_01jd7k9m3q8r5t2v6w4x0y1z2a",
  "object": "event",
  "type": "order.confirmed",
  "version": 1,
  "aggregate": "order",
  "aggregate_id": "ord_01jd7k9m3q8r5t2v6w4x0y1z2b",
  "created_at": "2026-11-25T10:00:00.123456Z",
  "data": { "...": "the payload, whose schema is below" }
}
```

- `id` is unique and stable: use it to de-duplicate (delivery is at least once outside Mercato).
- `type` is `<aggregate>.<event>`; `version` is the payload schema's version (below).
- **Order**: events with the same `aggregate` and `aggregate_id` are delivered in the order they were
  committed, to every consumer and on the NATS stream. There is no order across aggregates. An emitter
  that needs several event types ordered together emits them under one aggregate (the orders context
  emits `order.*` and `shipment.*` under `order:<order id>`; the checkout saga emits a checkout's events
  under `checkout:<checkout id>`).

## Delivery

- **In-process consumers** get each event **exactly once** in effect: the consumer's writes and the
  "delivered" mark (`consumer_deliveries`) commit in one transaction, claimed with `FOR UPDATE SKIP LOCKED`
  in order per aggregate. A worker that crashes mid-batch rolls both back and the batch is redone. A
  consumer that keeps failing on an event is retried with backoff (1 s doubling to 5 min) and, after
  `MERCATO_EVENT_MAX_ATTEMPTS` (10), the event is dead-lettered for that consumer (`status = 'dead'`,
  with `last_error`), which lets the rest of the aggregate through. The NATS relay never dead-letters.
- **NATS JetStream**: subject `mercato.<aggregate>.<event>` (the event type after the `mercato.` prefix,
  e.g. `mercato.order.confirmed`), stream `MERCATO_NATS_STREAM` (default `MERCATO`, created with subjects
  `mercato.>` if missing). Headers: `Nats-Msg-Id` = the event id (JetStream drops a re-publish within the
  stream's duplicate window, `MERCATO_NATS_DUPLICATE_WINDOW_SECONDS`, default 600), `Mercato-Event-Type`,
  `Mercato-Event-Version`, `Mercato-Aggregate-Key` (`<aggregate>:<aggregate_id>`). A JetStream consumer
  sees each aggregate's events in order.
- **Merchant webhooks**: see "Merchant scope" and "Webhook deliveries" below.

## Versioning

A payload may gain fields at any time within a version: consumers must ignore fields they do not know.
Removing or renaming a field, or changing its type or meaning, publishes the event under a new `version`
(both versions are emitted during a migration window). Every schema below allows additional properties.

## Merchant scope

Merchants subscribe webhook endpoints to the event types marked *merchant webhook: yes*. Which merchants
an event concerns is its payload's `merchant_ids` (or its single `merchant_id`). Each of them receives a
copy scoped to its own data:

1. `merchant_ids` is replaced by `[that merchant]`;
2. every list of objects that carry a `merchant_id` (`items`, `shipments`, `merchant_totals`, …) keeps only
   that merchant's objects — so an order with items of several merchants tells each merchant only about its
   own items, shipments and share of the amounts (`merchant_totals`);
3. fields marked *hidden from merchants* (the whole order's totals) are removed.

An emitter whose event concerns merchants must therefore put `merchant_ids` (or `merchant_id`) in the
payload and `merchant_id` on every per-merchant object in it.

## Webhook deliveries

`POST` of the scoped envelope as `application/json` to the endpoint URL, with headers
`Mercato-Signature`, `Mercato-Event-Id`, `Mercato-Event-Type`, `Mercato-Delivery-Id`.

`Mercato-Signature: t=1732528800,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd`

- `t` is the Unix time of the attempt; `v1` is the hex HMAC-SHA256, keyed with the endpoint's secret
  (`whsec_…`), of the string `"<t>.<raw request body>"`.
- To verify: split the header on `,`, take `t` and every `v1`, compute the HMAC of `t + "." + body` with
  your secret, compare in constant time with each `v1`, and refuse a `t` more than 5 minutes from your clock
  (replays).
- **Rotation** (`POST /v1/merchant/webhooks/{id}/rotate-secret`, `overlap_seconds` default 24 h): during the
  overlap the header carries two `v1` values, the new secret's first, so receivers can switch at leisure.
- A 2xx answer within `MERCATO_WEBHOOK_TIMEOUT_SECONDS` (10 s) is success. Anything else is retried with
  exponential backoff (1 min doubling to 1 h, ±10 % jitter) until 24 h after the delivery was created
  (`MERCATO_WEBHOOK_RETRY_HORIZON_SECONDS`); then the delivery is dead-lettered (`status: "dead"`).
  `GET /v1/merchant/webhooks/{id}/deliveries` lists them; `POST …/deliveries/{delivery_id}/redeliver` sends
  one again as a new delivery. Deliveries run in the worker: a slow endpoint never slows a checkout.
- Delivery is at least once and not ordered across deliveries: de-duplicate on `Mercato-Event-Id`.

## Event types
"""


def _section(entry: EventType) -> str:
    schema = entry.payload.model_json_schema(by_alias=True)
    schema = {"title": entry.name, **{k: v for k, v in schema.items() if k != "title"}}
    merchant = "yes" if entry.merchant_visible else "no"
    lines = [
        f"### `{entry.name}` (version {entry.version})",
        "",
        entry.description,
        "",
        f"- emitted by: `{entry.emitted_by}`",
        f"- merchant webhook: {merchant}",
    ]
    if entry.hidden_from_merchants:
        lines.append(f"- hidden from merchants: {', '.join(f'`{f}`' for f in entry.hidden_from_merchants)}")
    lines += ["", "```json", json.dumps(schema, indent=2, ensure_ascii=False), "```", ""]
    return "\n".join(lines)


def render_events_markdown() -> str:
    """The whole of docs/events.md."""
    index = "\n".join(
        f"| `{e.name}` | {e.version} | {e.emitted_by} | {'yes' if e.merchant_visible else 'no'} | {e.description} |"
        for e in CATALOGUE.values()
    )
    table = "| type | version | emitted by | merchant webhook | meaning |\n| --- | --- | --- | --- | --- |\n" + index
    return PREAMBLE + "\n" + table + "\n\n" + "\n".join(_section(e) for e in CATALOGUE.values())


if __name__ == "__main__":
    print(render_events_markdown(), end="")
