"""Payload models of every event type, one module per emitting context (the `data` of the envelope)."""
