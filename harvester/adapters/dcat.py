"""DCAT-AP sources: one RDF document, or a Hydra-paged series of them, in any RDF syntax."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

from catalog.errors import ParseError
from catalog.formats import dcat_read
from catalog.rdf.parse import parse
from harvester.adapters.base import FetchedPage, Page, PageWalk, PreviousPage, SourceAdapter

# Bump when the mapping changes, so byte-identical pages are mapped again after an upgrade.
MAPPING_VERSION = "1"


def read_page(url: str, fetched: FetchedPage) -> tuple[str | None, Iterator[Any]]:
    """Parse a fetched page in this process: its next page's URL (resolved against where it was served
    from) and its records, mapped lazily, so the runner stores one batch while the next is mapped."""
    try:
        graph = parse(fetched.body, base_iri=fetched.final_url, content_type=fetched.content_type)
    except ParseError as exc:
        raise ParseError(f"{url}: {exc.message}") from exc
    nxt = dcat_read.next_page(graph)
    return (urljoin(fetched.final_url, nxt) if nxt else None), dcat_read.iter_resources(graph)


class DcatAdapter(SourceAdapter):
    """Reads Turtle, RDF/XML, JSON-LD and N-Triples and follows hydra:next / hydra:nextPage."""

    kind = "dcat"

    def pages(self, previous: dict[str, PreviousPage] | None = None) -> Iterator[Page]:
        previous = previous or {}
        url: str | None = self.spec.url
        walk = PageWalk(self.spec.url, self.settings.fetch_max_pages)
        while url:
            walk.visit(url)
            fetched = self.fetch_page(url, previous, salt=MAPPING_VERSION)
            if fetched.unchanged:
                page = fetched.unchanged_page()
                yield page
                url = page.next
                continue
            next_url, records = read_page(url, fetched)
            yield Page(url=url, hash=fetched.hash, next=next_url, records=records,
                       etag=fetched.etag, last_modified=fetched.last_modified)
            url = next_url
