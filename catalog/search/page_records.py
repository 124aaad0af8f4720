"""The records behind a page of results, read and parsed once per content hash.

A result item needs a few things only the stored record holds (the description, formats, licence,
access, endpoint URLs, documentation, the services a record names). Reading every record of a page
and parsing it into a :class:`DatasetRecord` cost 3–8 ms of a search at 100,000 datasets, and on
PostgreSQL a page's whole records are many heap and TOAST blocks. So a page's rows are read from
the dataset's compact columns (title, status, quality, the content hash …), and the parsed records
come from a per-process cache keyed by primary key and content hash: only a record not seen before
(or changed since: a new hash) is read, with one query for all of a page's misses.
docs/decisions/0006-search-speed-incremental.md has the figures.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Engine, select

from catalog.chunks import chunked
from catalog.records import DatasetRecord
from catalog.store.runs import decode
from catalog.store.tables import DS

SIZE = 4096  # records kept per engine
# and at most this many bytes of them as stored (parsed, a record takes about three times its stored
# size): a catalogue of large records (hundreds of distributions each) no longer fills 4,096 slots
# with hundreds of MB
BUDGET = 16 * 2**20


class PageRecords:
    """Parsed records by primary key, each with the content hash it was parsed at (least recently
    used first out)."""

    def __init__(self, size: int = SIZE, budget: int = BUDGET) -> None:
        self.size = size
        self.budget = budget
        self._held: OrderedDict[int, tuple[str, DatasetRecord, int]] = OrderedDict()
        self.stored_bytes = 0  # the held records' stored size
        self._lock = threading.Lock()
        self.reads = 0  # records read from the database (misses)

    def records(self, conn: Connection, rows: Iterable[Any]) -> dict[int, DatasetRecord]:
        """The record of each row (``pk`` and ``content_hash`` attributes)."""
        out: dict[int, DatasetRecord] = {}
        missing: list[int] = []
        with self._lock:
            for row in rows:
                held = self._held.get(row.pk)
                if held is not None and held[0] == row.content_hash:
                    self._held.move_to_end(row.pk)
                    out[row.pk] = held[1]
                else:
                    missing.append(row.pk)
        if not missing:
            return out
        read: list[tuple[int, str, DatasetRecord, int]] = []
        for chunk in chunked(missing, 500):
            for pk, content_hash, raw in conn.execute(
                    select(DS.c.pk, DS.c.content_hash, DS.c.record).where(DS.c.pk.in_(chunk))):
                read.append((pk, content_hash, DatasetRecord.from_dict(decode(raw)), len(raw or "")))
        with self._lock:
            self.reads += len(read)
            for pk, content_hash, rec, size in read:
                out[pk] = rec
                before = self._held.pop(pk, None)
                if before is not None:
                    self.stored_bytes -= before[2]
                self._held[pk] = (content_hash, rec, size)
                self.stored_bytes += size
            while len(self._held) > self.size or (self.stored_bytes > self.budget and len(self._held) > 1):
                self.stored_bytes -= self._held.popitem(last=False)[1][2]
        return out


_caches: dict[int, tuple[Engine, PageRecords]] = {}
_caches_lock = threading.Lock()


def page_records(engine: Engine) -> PageRecords:
    """The process-wide record cache of an engine."""
    with _caches_lock:
        found = _caches.get(id(engine))
        if found is None or found[0] is not engine:
            found = _caches[id(engine)] = (engine, PageRecords())
        return found[1]
