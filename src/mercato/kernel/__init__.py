"""Shared vocabulary of every context: money, ids, clock, domain errors, paging. No I/O, no Mercato imports."""
