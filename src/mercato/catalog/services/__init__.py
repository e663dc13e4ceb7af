"""Catalog use cases, one per module. Each takes the connection or unit of work it runs in and never commits."""
