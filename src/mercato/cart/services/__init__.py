"""Cart use cases, one concern per module; `mercato.cart` re-exports the public ones."""
