"""The sandbox's file store: every object the PSP holds, in an append-only JSON-lines file.

Each write appends the object's new version and flushes it to the OS before the request is answered, so
a sandbox killed at any moment comes back with everything it has acknowledged (and everything it
processed but had not answered yet: that is what a timeout leaves behind at a real PSP). On start the
log is replayed (last version wins) and compacted.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

KINDS = ("payment_method", "payment_intent", "charge", "refund", "event", "idempotency", "delivery")


class FileStore:
    """Objects by kind and id, persisted to `<state_dir>/state.jsonl`."""

    def __init__(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.path = state_dir / "state.jsonl"
        self._objects: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in KINDS}
        self._load()
        self._compact()
        self._file = self.path.open("ab")

    def _load(self) -> None:
        if not self.path.exists():
            return
        with self.path.open("rb") as handle:
            for line in handle:
                try:
                    record = orjson.loads(line)
                except orjson.JSONDecodeError:
                    continue  # a line cut short by a crash mid-write: it was never acknowledged
                self._objects[record["k"]][record["id"]] = record["o"]

    def _compact(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("wb") as handle:
            for kind, objects in self._objects.items():
                for object_id, obj in objects.items():
                    handle.write(orjson.dumps({"k": kind, "id": object_id, "o": obj}) + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)

    def put(self, kind: str, object_id: str, obj: dict[str, Any]) -> None:
        """Store a new version of an object and append it to the log."""
        self._objects[kind][object_id] = obj
        self._file.write(orjson.dumps({"k": kind, "id": object_id, "o": obj}) + b"\n")
        self._file.flush()

    def get(self, kind: str, object_id: str) -> dict[str, Any] | None:
        """The current version of an object, or None."""
        return self._objects[kind].get(object_id)

    def all(self, kind: str) -> Iterator[dict[str, Any]]:
        """Every object of a kind, oldest first."""
        return iter(list(self._objects[kind].values()))

    def close(self) -> None:
        """Flush and close the log."""
        with contextlib.suppress(ValueError):
            self._file.flush()
            os.fsync(self._file.fileno())
        self._file.close()
