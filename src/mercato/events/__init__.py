"""Events: the outbox dispatcher, the consumer registry, the NATS JetStream relay and the event catalogue.

Other contexts implement `Consumer` and are registered by the worker; they receive `Event`s.
"""

from mercato.events.catalogue import CATALOGUE, MERCHANT_EVENT_TYPES, EventType, event_type, validate_payload
from mercato.events.dispatcher import DeliveryOutcome, deliver_batch
from mercato.events.envelope import Event
from mercato.events.fanout import fan_out
from mercato.events.jobs import EventDispatch
from mercato.events.metrics import EventMetrics
from mercato.events.nats_relay import NatsRelay
from mercato.events.registry import Consumer, ConsumerRegistry, ConsumerUnavailable

__all__ = [
    "CATALOGUE",
    "MERCHANT_EVENT_TYPES",
    "Consumer",
    "ConsumerRegistry",
    "ConsumerUnavailable",
    "DeliveryOutcome",
    "Event",
    "EventDispatch",
    "EventMetrics",
    "EventType",
    "NatsRelay",
    "deliver_batch",
    "event_type",
    "fan_out",
    "validate_payload",
]
