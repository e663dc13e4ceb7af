"""Fixtures shared with the notification tests."""

from tests.integration.notifications.conftest import aapi

__all__ = ["aapi"]
