"""Merchant webhooks: endpoints, signed deliveries with retries, redelivery and secret rotation."""
