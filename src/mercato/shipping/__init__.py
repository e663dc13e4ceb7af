"""The shipping context."""
