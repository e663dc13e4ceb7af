"""The web context."""
