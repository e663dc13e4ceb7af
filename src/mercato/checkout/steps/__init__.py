"""The checkout saga's steps, one per module, each with its compensation beside it."""
