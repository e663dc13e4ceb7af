"""Generating chunks ahead of the loader, in a second process when the catalog is large.

With one process, Python builds a chunk, then waits while PostgreSQL ingests it and checks its
foreign keys: the two never overlap. A spawned worker process builds the next chunks while this
process streams the current one into COPY, so two cores work at once (threads do not help: the GIL
serialises generation with `write_row`). Chunks come back pickled, a few MB each, in order.
Small seeds stay in-process, where a worker's start-up would cost more than it saves.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from mercato.seed.generate import CatalogGenerator, Chunk

AHEAD = 2  # chunks generated ahead of the loader: enough to keep the worker busy, little memory

_worker_generator: CatalogGenerator | None = None


def _start_worker(generator: CatalogGenerator) -> None:
    global _worker_generator  # noqa: PLW0603 (the worker process's one generator)
    _worker_generator = generator


def _generate(first: int, count: int) -> Chunk:
    assert _worker_generator is not None
    return _worker_generator.chunk(first, count)


def generate_chunks(
    generator: CatalogGenerator, *, first: int, total: int, chunk_size: int, background: bool
) -> Iterator[Chunk]:
    """The chunks of products `first` … `first + total - 1`, in order."""
    spans = [(start, min(chunk_size, first + total - start)) for start in range(first, first + total, chunk_size)]
    if not background:
        for start, count in spans:
            yield generator.chunk(start, count)
        return
    # fork: the worker starts at once with the generator in memory, and re-imports no script. It inherits
    # the loader's open connection but never touches it, and leaves through os._exit, which closes nothing.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(1, mp_context=context, initializer=_start_worker, initargs=(generator,)) as pool:
        pending: deque[Future[Chunk]] = deque()
        for start, count in spans:
            pending.append(pool.submit(_generate, start, count))
            if len(pending) > AHEAD:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
