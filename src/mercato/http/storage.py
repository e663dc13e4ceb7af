"""Object storage for uploaded images: an interface, and a local-directory implementation served by the API."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Protocol


class ObjectStorage(Protocol):
    """Where blobs go; S3 or another store implements the same two calls."""

    async def put(self, key: str, data: bytes, content_type: str) -> str:
        """Store `data` under `key` and return the public URL it is served at."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object (missing is fine)."""
        ...


class LocalDirectoryStorage:
    """Stores objects as files under `root`, served by the API under `url_prefix`."""

    def __init__(self, root: Path, url_prefix: str, base_url: str) -> None:
        self.root = root
        self.url_prefix = url_prefix.rstrip("/")
        self.base_url = base_url.rstrip("/")

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("object key escapes the storage root")
        return path

    async def put(self, key: str, data: bytes, content_type: str) -> str:
        path = self._path(key)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(path.suffix + ".part")
            tmp.write_bytes(data)
            tmp.replace(path)

        await asyncio.to_thread(write)
        return f"{self.base_url}{self.url_prefix}/{key}"

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)
