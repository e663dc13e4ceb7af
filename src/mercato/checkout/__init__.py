"""The checkout context."""
