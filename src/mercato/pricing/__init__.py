"""The pricing context."""
