"""JSON APIs read through a declarative mapping profile (config/mappings/<name>.toml, or one uploaded).

The profile (catalog.formats.jsonapi) says how to page, where the records are and how each field is
built; this adapter only fetches pages and hands their JSON to it. Two modes: one dataset per record
(optionally served by a data service per record), or one dataset per collection, which is complete
only after the collection's last page and is yielded then.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import orjson

from catalog.errors import ParseError
from catalog.formats import jsonapi as mp
from catalog.records import DatasetRecord
from harvester.adapters.base import Page, PageWalk, PreviousPage, SourceAdapter

# Bump when this adapter's mapping changes, so byte-identical pages are mapped again after an upgrade.
MAPPING_VERSION = "1"

Item = tuple[str, DatasetRecord | Exception]
UPLOADED = "(uploaded)"  # how messages name an uploaded profile (a file is named by its file name)


@dataclass(slots=True)
class _Fetched:
    url: str
    hash: str
    next: str | None
    items: list[Any] | None  # None when the page was not parsed (unchanged since the last run)
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False


def with_params(url: str, params: dict[str, str]) -> str:
    """The URL with these query parameters set in place (new ones appended, others kept)."""
    parts = urlsplit(url)
    query = [(k, params.get(k, v)) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    query.extend((k, v) for k, v in params.items() if k not in {k for k, _ in query})
    return urlunsplit(parts._replace(query=urlencode(query)))


def _param(url: str, name: str) -> int | None:
    for k, v in parse_qsl(urlsplit(url).query):
        if k == name and v.lstrip("-").isdigit():
            return int(v)
    return None


class JsonApiAdapter(SourceAdapter):
    """Pages a JSON API (next link, page or offset parameters, or one document) and maps it by profile."""

    kind = "jsonapi"

    def validate(self) -> None:
        self.profile()

    def profile(self) -> mp.Profile:
        """The uploaded profile's text when the source has one, else the bundled profile it names."""
        if self.spec.profile is not None:
            return mp.profile_from_text(self.spec.profile, UPLOADED)
        return mp.load_profile(self.spec.mapping)

    def pages(self, previous: dict[str, PreviousPage] | None = None) -> Iterator[Page]:
        profile = self.profile()
        if profile.mode == "record":
            yield from self._record_pages(profile, previous or {})
        else:
            for collection in profile.collections:
                yield from self._collection_pages(profile, collection)

    # -- modes ------------------------------------------------------------------------------

    def _record_pages(self, profile: mp.Profile, previous: dict[str, PreviousPage]) -> Iterator[Page]:
        assert profile.records is not None
        for fetched in self._walk(self.spec.url, profile.paging, profile.records, profile, previous):
            if fetched.items is None:
                yield Page(url=fetched.url, hash=fetched.hash, next=fetched.next, unchanged=True,
                           not_modified=fetched.not_modified, etag=fetched.etag,
                           last_modified=fetched.last_modified)
            else:
                yield Page(url=fetched.url, hash=fetched.hash, next=fetched.next,
                           records=self._map_items(profile, fetched.url, fetched.items), etag=fetched.etag,
                           last_modified=fetched.last_modified)

    @staticmethod
    def _map_items(profile: mp.Profile, url: str, items: list[Any]) -> Iterator[Item]:
        for pos, item in enumerate(items):
            try:
                yield from mp.map_record(profile, item)
            except Exception as exc:  # one bad record never sinks a run
                yield f"{url}#record-{pos + 1}", exc

    def _collection_pages(self, profile: mp.Profile, collection: mp.Collection) -> Iterator[Page]:
        start = urljoin(self.spec.url, collection.url)
        tally = mp.CollectionTally()
        fetched_pages = self._walk(start, collection.paging, collection.records, profile, {})
        # the dataset sums up every page, so the last page is known only when the one after it is
        pending: _Fetched | None = None
        for fetched in fetched_pages:
            if pending is not None:
                yield Page(url=pending.url, hash=pending.hash, next=pending.next,
                           records=self._tally(collection, tally, pending))
            pending = fetched
        if pending is None:
            return
        bad = list(self._tally(collection, tally, pending))
        try:
            rec = mp.collection_dataset(collection, tally, start)
            dataset: Item = (rec.uri or f"{start}#{collection.name}", rec)
        except Exception as exc:  # a mapping that fails for the aggregate is one bad record, too
            dataset = (f"{start}#{collection.name}", exc)
        yield Page(url=pending.url, hash=pending.hash, next=pending.next, records=[*bad, dataset])

    @staticmethod
    def _tally(collection: mp.Collection, tally: mp.CollectionTally, fetched: _Fetched) -> Iterator[Item]:
        for pos, item in enumerate(fetched.items or []):
            try:
                tally.add(collection, item)
            except Exception as exc:
                yield f"{fetched.url}#record-{pos + 1}", exc

    # -- paging -----------------------------------------------------------------------------

    def _walk(self, start: str, paging: mp.Paging, records: mp.Records, profile: mp.Profile,
              previous: dict[str, PreviousPage]) -> Iterator[_Fetched]:
        url: str | None = self._first_url(start, paging)
        walk = PageWalk(start, self.settings.fetch_max_pages)
        salt = f"{MAPPING_VERSION}/{profile.version}/{profile.digest}"
        while url:
            walk.visit(url)
            fetched = self.fetch_page(url, previous, salt=salt, headers={"Accept": "application/json"})
            if fetched.unchanged:
                # the next URL is a function of this URL, this body and the profile: all unchanged
                assert fetched.previous is not None
                yield _Fetched(url=url, hash=fetched.hash, next=fetched.previous.next, items=None,
                               etag=fetched.etag, last_modified=fetched.last_modified,
                               not_modified=fetched.not_modified)
                url = fetched.previous.next
                continue
            resp, page_hash = fetched, fetched.hash
            try:
                body = orjson.loads(resp.body)
            except orjson.JSONDecodeError as exc:
                raise ParseError(f"{url}: not JSON ({exc})") from exc
            try:
                found = records.path.search(body)
            except mp.BadRecord as exc:
                raise ParseError(f"{url}: the records path {records.path.text!r} fails: {exc.message}") from exc
            if found is None:
                found = []
            if not isinstance(found, list):
                raise ParseError(f"{url}: the records path {records.path.text!r} gives "
                                 f"{type(found).__name__}, not a list")
            next_url = self._next_url(url, resp.final_url, body, found, paging)
            yield _Fetched(url=url, hash=page_hash, next=next_url, items=found, etag=fetched.etag,
                           last_modified=fetched.last_modified)
            url = next_url

    @staticmethod
    def _first_url(start: str, paging: mp.Paging) -> str:
        if paging.style == "page":
            params = {paging.page_param: str(paging.start)}
            if paging.size_param and paging.size:
                params[paging.size_param] = str(paging.size)
            return with_params(start, params)
        if paging.style == "offset":
            return with_params(start, {paging.offset_param: str(paging.start),
                                       paging.limit_param: str(paging.size)})
        return start

    def _next_url(self, url: str, final_url: str, body: Any, items: list[Any], paging: mp.Paging) -> str | None:
        if paging.style == "none":
            return None
        if paging.style == "next":
            assert paging.next is not None
            try:
                link = paging.next.search(body)
            except mp.BadRecord as exc:
                raise ParseError(f"{url}: the next-link path fails: {exc.message}") from exc
            if isinstance(link, dict):  # {"href": "..."} as HAL and JSON:API write it
                link = link.get("href")
            return urljoin(final_url, link) if isinstance(link, str) and link.strip() else None
        if not items:
            return None
        size = paging.size
        if paging.style == "page":
            number = _param(url, paging.page_param)
            current = paging.start if number is None else number
            seen = (current - paging.start + 1) * size if size else None
            following = {paging.page_param: str(current + 1)}
        else:
            offset = _param(url, paging.offset_param) or 0
            seen = offset + len(items)
            following = {paging.offset_param: str(seen)}
        if paging.stop == "short" and size and len(items) < size:
            return None
        if paging.stop == "total":
            assert paging.total is not None
            total = paging.total.search(body) if isinstance(body, dict | list) else None
            if isinstance(total, str) and total.isdigit():
                total = int(total)
            if not isinstance(total, int) or isinstance(total, bool):
                raise ParseError(f"{url}: no total count at {paging.total.text!r}")
            if seen is not None and seen >= total:
                return None
        return with_params(url, following)
