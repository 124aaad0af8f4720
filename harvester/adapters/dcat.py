"""DCAT-AP sources: one RDF document, or a Hydra-paged series of them, in any RDF syntax."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from urllib.parse import urljoin

from catalog import dcat_in
from catalog.errors import ParseError
from harvester.adapters.base import Page, PreviousPage, SourceAdapter, register

# Bump when the mapping changes, so byte-identical pages are mapped again after an upgrade.
MAPPING_VERSION = "1"


@register("dcat")
class DcatAdapter(SourceAdapter):
    """Reads Turtle, RDF/XML, JSON-LD and N-Triples and follows hydra:next / hydra:nextPage."""

    def pages(self, previous: dict[str, PreviousPage] | None = None) -> Iterator[Page]:
        previous = previous or {}
        url: str | None = self.spec.url
        visited: set[str] = set()
        while url:
            if url in visited:
                raise ParseError(f"the Hydra paging of {self.spec.url} loops back to {url}")
            if len(visited) >= self.settings.fetch_max_pages:
                raise ParseError(f"more than {self.settings.fetch_max_pages} pages")
            visited.add(url)
            prev = previous.get(url)
            resp = self.fetcher.get(url, headers=prev.validators() if prev else None)
            if resp.status == 304 and prev is not None:
                yield Page(url=url, hash=prev.hash, next=prev.next, unchanged=True, not_modified=True,
                           etag=prev.etag, last_modified=prev.last_modified)
                url = prev.next
                continue
            etag, last_modified = resp.headers.get("etag"), resp.headers.get("last-modified")
            digest = hashlib.blake2b(resp.body, digest_size=16)
            digest.update(MAPPING_VERSION.encode())
            page_hash = digest.hexdigest()
            if prev is not None and prev.hash == page_hash:
                yield Page(url=url, hash=page_hash, next=prev.next, unchanged=True, etag=etag,
                           last_modified=last_modified)
                url = prev.next
                continue
            try:
                graph = dcat_in.parse(resp.body, base_iri=resp.url, content_type=resp.content_type)
            except ParseError as exc:
                raise ParseError(f"{url}: {exc.message}") from exc
            nxt = dcat_in.next_page(graph)
            next_url = urljoin(resp.url, nxt) if nxt else None
            # mapped lazily: the runner stores one batch while the next is being mapped
            yield Page(url=url, hash=page_hash, next=next_url, records=dcat_in.iter_resources(graph), etag=etag,
                       last_modified=last_modified)
            url = next_url
