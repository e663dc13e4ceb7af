"""Database plumbing: shared metadata, engine, unit of work, embedded PostgreSQL, migrations."""
