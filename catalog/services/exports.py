"""Exporting datasets: every dataset a search matches, or a curated list's, as one download.

The search's order (or the list's) is kept; the writers (catalog.export.writers) stream the file a
batch at a time, so an export of the whole catalogue never holds it in memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import Engine

from catalog.export.writers import ExportDoc, check_format, filename, media_type, stream
from catalog.formats.dcat_write import DEFAULT_PUBLISHER, CatalogPublisher
from catalog.search.query import SearchQuery
from catalog.search.searcher import searcher_for


@dataclass(slots=True)
class Export:
    """A ready export: what to call it and the chunks to send."""

    fmt: str
    media_type: str
    filename: str
    count: int
    chunks: Iterator[bytes]


def export_datasets(engine: Engine, pks: Sequence[int], fmt: str | None, *, base_url: str, doc: ExportDoc,
                    stem: str = "datakatalog-export") -> Export:
    """The datasets of ``pks``, in that order, as ``fmt`` (csv when None; FieldError when unknown)."""
    fmt = check_format(fmt)
    return Export(fmt, media_type(fmt), filename(fmt, stem), len(pks),
                  stream(engine, pks, fmt, base_url=base_url, doc=doc))


def matching_pks(engine: Engine, query: SearchQuery) -> list[int]:
    """The primary keys of every dataset a search matches (not one page), in the search's order."""
    return searcher_for(engine).search(replace(query, page=1, per_page=2**62)).pks


def export_search(engine: Engine, query: SearchQuery, fmt: str | None, *, base_url: str,
                  publisher: CatalogPublisher = DEFAULT_PUBLISHER) -> Export:
    """Every dataset a search matches, in the search's order; the hand-out's heading says the search."""
    fmt = check_format(fmt)  # before the search: a wrong format costs nothing
    described = [f'"{query.q}"'] if query.q else []
    described += [f"{facet} {' or '.join(values)}" for facet, values in query.filters.items()]
    doc = ExportDoc(description=("Search: " + "; ".join(described) + ".") if described else None,
                    publisher=publisher)
    return export_datasets(engine, matching_pks(engine, query), fmt, base_url=base_url, doc=doc)
