"""SLIs: per-merchant figures fed by events."""
