"""Inventory use cases, one concern per module; the package `mercato.inventory` re-exports the public ones."""
