"""The events context."""
