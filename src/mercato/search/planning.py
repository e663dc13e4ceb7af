"""The planner settings every search transaction runs under, applied by a SQL fragment that rides along
with the first statement of a search instead of costing a round trip of its own.

- `plan_cache_mode = force_custom_plan`: each statement is planned for its actual values (a tsquery, a
  slug, a name key), never from a cached generic plan that guessed them: the same statement text serves
  a word in half the catalog and a word in three products, and they need different plans.
- `max_parallel_workers_per_gather = 0`: the load is many small queries, not one big one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import TextClause, text

SETTINGS = {"plan_cache_mode": "force_custom_plan", "max_parallel_workers_per_gather": "0"}

# A scalar subquery (one value: how many settings it applied) for the select list of a text statement.
APPLY_SETTINGS = (
    "(SELECT count(set_config(s.name, s.value, true))"
    " FROM unnest(CAST(:setting_names AS text[]), CAST(:setting_values AS text[])) AS s(name, value))"
)

SETTINGS_ONLY: TextClause = text(f"SELECT {APPLY_SETTINGS}")


def settings_params() -> dict[str, Any]:
    """The bound values APPLY_SETTINGS needs."""
    return {"setting_names": list(SETTINGS), "setting_values": list(SETTINGS.values())}
