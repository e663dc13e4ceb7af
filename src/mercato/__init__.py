"""Mercato: a multi-merchant marketplace backend (modular monolith of bounded contexts)."""
