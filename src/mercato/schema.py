"""Every context's tables, registered on the shared metadata: what Alembic migrates and tests truncate."""

from __future__ import annotations

from mercato.cart import tables as _cart  # noqa: F401
from mercato.catalog import tables as _catalog  # noqa: F401
from mercato.checkout import tables as _checkout  # noqa: F401
from mercato.db import infra_tables as _infra  # noqa: F401
from mercato.db.metadata import metadata
from mercato.events import tables as _events  # noqa: F401
from mercato.events.slis import tables as _slis  # noqa: F401
from mercato.identity import tables as _identity  # noqa: F401
from mercato.inventory import tables as _inventory  # noqa: F401
from mercato.notifications import tables as _notifications  # noqa: F401
from mercato.orders import tables as _orders  # noqa: F401
from mercato.payments import tables as _payments  # noqa: F401
from mercato.pricing import tables as _pricing  # noqa: F401
from mercato.search import tables as _search  # noqa: F401
from mercato.shipping import tables as _shipping  # noqa: F401

__all__ = ["metadata"]
