"""The search context."""
