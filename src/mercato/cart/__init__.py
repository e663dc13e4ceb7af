"""The cart context."""
