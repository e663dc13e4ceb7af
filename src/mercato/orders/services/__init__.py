"""Order use cases, one per module."""
