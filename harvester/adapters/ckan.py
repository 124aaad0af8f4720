"""CKAN portals: page through ``{portal}/api/3/action/package_search`` with rows/start.

The source URL is the portal's base URL (``https://host/`` or ``https://host/data/``; an action URL
is accepted too). Every package is mapped by :mod:`catalog.formats.ckan_read`.

package_search pages shift when packages are added or removed, so a page's bytes say nothing about
which datasets it holds: the unchanged-page shortcut is never used here (record-level content
hashes make unchanged packages cost nothing in storage). To keep shifting pages from losing
packages, results are sorted by creation time (new packages land at the end), packages are
de-duplicated by id across pages, and when the reported count drops between pages (packages
deleted while paging) the pages are read again from that many places earlier.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode, urlsplit

import orjson

from catalog.errors import FieldError, ParseError
from catalog.formats import ckan_read
from catalog.records import DatasetRecord
from harvester.adapters.base import Page, PreviousPage, SourceAdapter

# Bump when the mapping changes, so that page hashes differ after an upgrade.
MAPPING_VERSION = "ckan-1"

# Creation order keeps pages stable while packages are added; the id breaks ties.
SORT = "metadata_created asc, id asc"


class CkanAdapter(SourceAdapter):
    """Harvests a CKAN portal's public, active packages through the action API."""

    kind = "ckan"

    rows: ClassVar[int] = 100

    @property
    def base(self) -> str:
        return ckan_read.portal_base(self.spec.url)

    def validate(self) -> None:
        if not self.base.startswith(("http://", "https://")):
            raise FieldError("url", "a CKAN portal's base URL starts with http:// or https://")

    def search_url(self, start: int) -> str:
        query = urlencode({"rows": self.rows, "start": start, "sort": SORT})
        return f"{self.base}/api/3/action/package_search?{query}"

    def pages(self, previous: dict[str, PreviousPage] | None = None) -> Iterator[Page]:
        seen: set[str] = set()
        start = 0
        last_count: int | None = None
        fetched = 0
        while True:
            if fetched >= self.settings.fetch_max_pages:
                raise ParseError(f"{self.base}: more than {self.settings.fetch_max_pages} package_search pages")
            url = self.search_url(start)
            prev = (previous or {}).get(url)
            resp = self.fetcher.get(url, headers={"Accept": "application/json",
                                                  **(prev.validators() if prev else {})})
            fetched += 1
            if resp.status == 304 and prev is not None:
                # the portal vouches this page is as it was: its packages, count and next page stand
                yield Page(url=url, hash=prev.hash, next=prev.next, unchanged=True, not_modified=True,
                           etag=resp.headers.get("etag") or prev.etag,
                           last_modified=resp.headers.get("last-modified") or prev.last_modified)
                if prev.next is None:
                    return
                start = int(parse_qs(urlsplit(prev.next).query)["start"][0])
                continue
            count, results = _read_page(url, resp.body)
            digest = hashlib.blake2b(resp.body, digest_size=16)
            digest.update(MAPPING_VERSION.encode())
            records: list[tuple[str, DatasetRecord | Exception]] = []
            for pos, package in enumerate(results):
                if not isinstance(package, dict):
                    records.append((f"{url}#{pos}", ParseError(f"result {pos} is not a package object")))
                    continue
                pid = package.get("id")
                if isinstance(pid, str):
                    if pid in seen:
                        continue  # listed again on a shifted page
                    seen.add(pid)
                if not ckan_read.is_harvestable(package):
                    continue  # private or deleted: not ours to publish
                ref = ckan_read.package_ref(package, self.base)
                try:
                    records.append((ref, ckan_read.map_package(package, self.base)))
                except Exception as exc:  # one bad package never sinks a run
                    records.append((ref, exc))
            dropped = last_count - count if last_count is not None else 0
            last_count = count
            next_start: int | None
            if dropped > 0:
                # packages were deleted since the last page, so everything after them moved back and
                # this page began past packages not yet seen: read again from that many places earlier
                next_start = max(0, start - dropped)
            elif not results or start + len(results) >= count:
                next_start = None
            else:
                next_start = start + len(results)
            # search pages shift when packages come and go, so a page is always mapped again unless the
            # portal itself answers 304 (record hashes keep unchanged packages free in storage)
            yield Page(url=url, hash=digest.hexdigest(),
                       next=self.search_url(next_start) if next_start is not None else None,
                       records=records, unchanged=False, etag=resp.headers.get("etag"),
                       last_modified=resp.headers.get("last-modified"))
            if next_start is None:
                return
            start = next_start


def _read_page(url: str, body: bytes) -> tuple[int, list[Any]]:
    """(count, results) of a package_search answer; ParseError when it is not one."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ParseError(f"{url}: the answer is not JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise ParseError(f"{url}: the answer is not a CKAN action response")
    if data.get("success") is not True:
        error = data.get("error")
        detail = error.get("message") if isinstance(error, dict) else error
        raise ParseError(f"{url}: CKAN answered success=false" + (f": {detail}" if detail else ""))
    result = data.get("result")
    if not isinstance(result, dict) or not isinstance(result.get("results"), list):
        raise ParseError(f"{url}: the answer has no result.results list")
    count = result.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise ParseError(f"{url}: the answer has no valid result.count")
    return count, result["results"]
