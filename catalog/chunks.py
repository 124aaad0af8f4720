"""Split a sequence of keys into bounded batches.

Databases cap the number of bound parameters in one statement (SQLite 32,766,
PostgreSQL 65,535) and pyshacl's cost grows with graph size, so every place that
sends many ids at once sends them through ``chunked``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def chunked(iterable: Iterable[T], size: int) -> Iterator[list[T]]:
    """Yield consecutive lists of at most ``size`` items from ``iterable``.

    Every list but the last holds exactly ``size`` items; nothing is yielded for an
    empty input. The input is read lazily, so a generator is never materialised whole.
    Raises ``ValueError`` when ``size`` is below 1.
    """
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, not {size}")
    items = iter(iterable)
    while batch := list(islice(items, size)):
        yield batch
