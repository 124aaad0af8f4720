"""Applying a mapping profile: one JSON record (or a whole collection) becomes DCAT-AP-SE records.

Pure: JSON in, :class:`~catalog.records.DatasetRecord` out; no fetching, no database. Values are
normalised as the rest of the catalogue normalises them (:mod:`catalog.normalise`, :mod:`catalog.vocab`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from catalog import vocab
from catalog.formats.jsonapi.jmes import BadRecord, json_type, scalar_text
from catalog.formats.jsonapi.schema import (
    Collection,
    Contact,
    Dataset,
    Distribution,
    Profile,
    Publisher,
    Records,
    Service,
    Spec,
)
from catalog.normalise import mailto, normalise_date, temporal_interval, web_url
from catalog.records import Agent, ContactPoint, DatasetRecord, LangMap
from catalog.records import Distribution as DistributionRecord

Specs = list[Spec] | None


def spec_values(spec: Spec, data: Any, variables: dict[str, Any], key: str) -> list[str]:
    """Every value one spec gives for one record (after split, default and map), as text."""
    if spec.path is not None:
        raw: Any = spec.path.search(data)
    elif spec.template is not None:
        raw = spec.template.render(data, variables)
    else:
        raw = spec.value
    items = raw if isinstance(raw, list) else [raw]
    out: list[str] = []
    for item in items:
        if item is None:
            continue
        try:
            text = scalar_text(item).strip()
        except BadRecord as exc:
            raise BadRecord(f"{key}: {exc.message}") from exc
        pieces = [p.strip() for p in text.split(spec.split)] if spec.split else [text]
        out.extend(p for p in pieces if p)
    if not out and spec.default is not None:
        out = [scalar_text(spec.default)]
    if spec.map is not None:
        out = [spec.map.get(v.lower(), v) for v in out]
    return out


class _Builder:
    """Evaluates an entity's specs against one JSON value; collects notes on odd values."""

    def __init__(self, data: Any, variables: dict[str, Any], where: str) -> None:
        self.data = data
        self.variables = variables
        self.where = where
        self.notes: list[str] = []

    def _each(self, specs: Specs, name: str) -> Iterator[tuple[Spec, list[str]]]:
        """Each spec of a field with its values, evaluated one by one (a key names it in errors)."""
        specs = specs or []
        for i, spec in enumerate(specs):
            key = f"{self.where}.{name}" + (f"[{i}]" if len(specs) > 1 else "")
            yield spec, spec_values(spec, self.data, self.variables, key)

    def one(self, specs: Specs, name: str) -> str | None:
        """The first value of the first spec that gives one (the later ones are fallbacks)."""
        for _spec, values in self._each(specs, name):
            if values:
                return values[0]
        return None

    def many(self, specs: Specs, name: str) -> list[str]:
        out: dict[str, None] = {}
        for _spec, values in self._each(specs, name):
            for value in values:
                out.setdefault(value, None)
        return list(out)

    def text(self, specs: Specs, name: str) -> LangMap:
        out: LangMap = {}
        for spec, values in self._each(specs, name):
            if values and spec.lang not in out:
                out[spec.lang] = ", ".join(values)
        return out

    def words(self, specs: Specs, name: str) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for spec, values in self._each(specs, name):
            for value in values:
                words = out.setdefault(spec.lang, [])
                if value not in words:
                    words.append(value)
        return out

    def date(self, specs: Specs, name: str) -> str | None:
        return normalise_date(self.one(specs, name), self.notes)

    def urls(self, specs: Specs, name: str) -> list[str]:
        return [u for u in (web_url(v) for v in self.many(specs, name)) if u]

    def coded(self, specs: Specs, name: str, mapper: Callable[[str], str | None], what: str) -> list[str]:
        """Vocabulary IRIs from codes, words, labels or IRIs (catalog.vocab's mappings); other IRIs as
        given; anything else left out with a note (the profile's author can map it)."""
        out: list[str] = []
        for value in self.many(specs, name):
            iri = mapper(value)
            if iri:
                out.append(iri)
            elif value.startswith(("http://", "https://")):
                out.append(value)
            else:
                self.notes.append(f"unknown {what} {value!r} left out")
        return out

    def temporal(self, f: Dataset) -> list[dict[str, str]]:
        """The period: ``temporal_start`` and ``temporal_end`` dates, or one ISO 8601 interval (``temporal``)."""
        period = {k: v for k, v in (("start", self.date(f.temporal_start, "temporal_start")),
                                    ("end", self.date(f.temporal_end, "temporal_end"))) if v}
        if not period:
            period = temporal_interval(self.one(f.temporal, "temporal"), self.notes) or {}
        return [period] if period else []

    def agent(self, spec: Publisher | None) -> Agent | None:
        if spec is None:
            return None
        agent = Agent(uri=self.one(spec.uri, "publisher.uri"), name=self.text(spec.name, "publisher.name"),
                      type=self.one(spec.type, "publisher.type"),
                      email=mailto(self.one(spec.email, "publisher.email")),
                      homepage=web_url(self.one(spec.homepage, "publisher.homepage")))
        return agent if agent.uri or agent.name else None

    def contact(self, spec: Contact | None) -> list[ContactPoint]:
        if spec is None:
            return []
        cp = ContactPoint(name=self.one(spec.name, "contact.name"),
                          email=mailto(self.one(spec.email, "contact.email")),
                          phone=self.one(spec.phone, "contact.phone"),
                          url=web_url(self.one(spec.url, "contact.url")))
        return [cp] if cp.name or cp.email or cp.phone or cp.url else []

    def distributions(self, specs: list[Distribution]) -> list[DistributionRecord]:
        out: list[DistributionRecord] = []
        for dspec in specs:
            if dspec.each is None:
                out.extend(self._distributions(dspec))
                continue
            items = dspec.each.search(self.data)
            for item in items if isinstance(items, list) else [items] if items is not None else []:
                sub = _Builder(item, self.variables, self.where)
                out.extend(sub._distributions(dspec))
                self.notes.extend(sub.notes)
        return out

    def _distributions(self, spec: Distribution) -> list[DistributionRecord]:
        access = self.urls(spec.access_url, "distribution.access_url")
        download = self.urls(spec.download_url, "distribution.download_url")
        if not access and not download:
            return []
        uri, media = self.one(spec.uri, "distribution.uri"), self.one(spec.media_type, "distribution.media_type")
        title = self.text(spec.title, "distribution.title")
        description = self.text(spec.description, "distribution.description")
        licence = vocab.licence_iri(self.one(spec.license, "distribution.license"))
        legislation = self.coded(spec.applicable_legislation, "distribution.applicable_legislation",
                                 vocab.legislation_iri, "legislation")
        formats = self.many(spec.format, "distribution.format")
        options: list[str | None] = [*formats] or [None]
        # one distribution per format: an API that answers in JSON and XML offers two
        return [DistributionRecord(
            uri=f"{uri}#{raw}" if uri and len(options) > 1 else uri, title=dict(title),
            description=dict(description), access_urls=list(access or download), download_urls=list(download),
            format=vocab.format_code(raw) or vocab.format_code(media), format_raw=raw, media_type=media,
            license=licence, applicable_legislation=list(legislation)) for raw in options]


def _languages(values: list[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        iri = vocab.language_iri(value) or (value if value.startswith(("http://", "https://")) else None)
        if iri and iri not in out:
            out.append(iri)
    return out


def _build_dataset(b: _Builder, f: Dataset, identifier: str | None) -> DatasetRecord:
    rec = DatasetRecord(kind="dataset")
    rec.uri = b.one(f.uri, "uri")
    rec.identifier = b.one(f.identifier, "identifier") or identifier
    rec.title = b.text(f.title, "title")
    rec.description = b.text(f.description, "description")
    rec.keywords = b.words(f.keywords, "keywords")
    rec.themes = b.coded(f.themes, "themes", vocab.theme_iri_of, "theme")
    rec.license = vocab.licence_iri(b.one(f.license, "license"))
    rec.access_rights = next(iter(b.coded(f.access_rights, "access_rights", vocab.access_right_iri,
                                          "access right")), None)
    rec.issued = b.date(f.issued, "issued")
    rec.modified = b.date(f.modified, "modified")
    rec.landing_pages = b.urls(f.landing_page, "landing_page")
    rec.documentation = b.urls(f.documentation, "documentation")
    rec.languages = _languages(b.many(f.language, "language"))
    rec.spatial = b.many(f.spatial, "spatial")
    rec.frequency = next(iter(b.coded(f.frequency, "frequency", vocab.frequency_iri, "frequency")), None)
    rec.conforms_to = b.urls(f.conforms_to, "conforms_to")
    rec.version = b.one(f.version, "version")
    rec.temporal = b.temporal(f)
    rec.hvd_categories = b.coded(f.hvd_category, "hvd_category", vocab.hvd_category_iri, "HVD category")
    rec.applicable_legislation = b.coded(f.applicable_legislation, "applicable_legislation", vocab.legislation_iri,
                                         "legislation")
    rec.publisher = b.agent(f.publisher)
    rec.contact_points = b.contact(f.contact)
    rec.distributions = b.distributions(f.distribution)
    _name_twins(rec)
    return rec


def _name_twins(rec: DatasetRecord) -> None:
    """Distributions told apart only by format (one URL, JSON and XML) get IRIs under the dataset's,
    since a distribution's stable id otherwise comes from its URL and the two would share one."""
    by_url: dict[str, list[DistributionRecord]] = {}
    for dist in rec.distributions:
        if not dist.uri and (dist.download_urls or dist.access_urls):
            by_url.setdefault((dist.download_urls or dist.access_urls)[0], []).append(dist)
    for twins in by_url.values():
        if len(twins) > 1 and rec.uri:
            for pos, dist in enumerate(twins):
                label = re.sub(r"[^a-z0-9]+", "-", (dist.format or dist.format_raw or str(pos)).lower())
                dist.uri = f"{rec.uri}#distribution-{label}"


def _build_service(b: _Builder, f: Service, dataset: DatasetRecord) -> DatasetRecord:
    svc = DatasetRecord(kind="dataservice")
    svc.uri = b.one(f.uri, "uri")
    svc.identifier = svc.uri
    svc.title = b.text(f.title, "title") or dict(dataset.title)
    svc.description = b.text(f.description, "description") or dict(dataset.description)
    svc.endpoint_urls = b.urls(f.endpoint_url, "endpoint_url")
    svc.endpoint_descriptions = b.urls(f.endpoint_description, "endpoint_description")
    # what the profile does not say of the service, the dataset it serves does
    svc.access_rights = (next(iter(b.coded(f.access_rights, "access_rights", vocab.access_right_iri,
                                           "access right")), None)
                         or dataset.access_rights)
    svc.license = vocab.licence_iri(b.one(f.license, "license")) or dataset.license
    svc.keywords = b.words(f.keywords, "keywords") or {k: list(v) for k, v in dataset.keywords.items()}
    svc.themes = b.coded(f.themes, "themes", vocab.theme_iri_of, "theme") or list(dataset.themes)
    svc.hvd_categories = (b.coded(f.hvd_category, "hvd_category", vocab.hvd_category_iri, "HVD category")
                          or list(dataset.hvd_categories))
    svc.applicable_legislation = (b.coded(f.applicable_legislation, "applicable_legislation",
                                          vocab.legislation_iri, "legislation") or list(dataset.applicable_legislation))
    svc.landing_pages = b.urls(f.landing_page, "landing_page")
    svc.documentation = b.urls(f.documentation, "documentation") or list(dataset.documentation)
    svc.publisher = b.agent(f.publisher) or dataset.publisher
    if dataset.uri:
        svc.serves_datasets = [dataset.uri]
    return svc


def record_id(records: Records, item: Any) -> str:
    """The id of one JSON record; raises BadRecord for a record that is not an object or has none."""
    if not isinstance(item, dict):
        raise BadRecord(f"the record is {json_type(item)}, not an object")
    value = records.id.search(item)
    if value is None or value == "":
        raise BadRecord(f"the record has no id at {records.id.text!r}")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise BadRecord(f"the id at {records.id.text!r} is {json_type(value)}, not text or a number")
    return str(value).strip()


def map_record(profile: Profile, item: Any) -> list[tuple[str, DatasetRecord]]:
    """One JSON record -> its dataset (and the data service serving it), as (reference, record)."""
    assert profile.records is not None and profile.dataset is not None
    rid = record_id(profile.records, item)
    b = _Builder(item, {"id": rid}, "dataset")
    rec = _build_dataset(b, profile.dataset, rid)
    out = [(rec.uri or rid, rec)]
    if profile.service is not None:
        b.where = "service"
        svc = _build_service(b, profile.service, rec)
        if svc.uri:
            rec.served_by = [svc.uri]
            out.append((svc.uri, svc))
    rec.notes = list(b.notes)
    for _, r in out[1:]:
        r.notes = list(b.notes)
    return out


MAX_FIELD_NAMES = 200


@dataclass(slots=True)
class CollectionTally:
    """What a collection's records add up to, kept while its pages are read (bounded memory)."""

    count: int = 0
    fields: dict[str, None] = field(default_factory=dict)
    newest: str | None = None

    def add(self, collection: Collection, item: Any) -> str:
        """Count one record; returns its id (raises BadRecord for a bad one)."""
        rid = record_id(collection.records, item)
        self.count += 1
        for name in item:
            if len(self.fields) >= MAX_FIELD_NAMES:
                break
            self.fields.setdefault(str(name), None)
        if collection.newest is not None:
            when = normalise_date(_scalar_text(collection.newest.search(item)), None)
            if when and re.match(r"\d{4}", when) and (self.newest is None or when > self.newest):
                self.newest = when
        return rid


def _scalar_text(value: Any) -> str | None:
    if isinstance(value, list):
        value = max((v for v in value if isinstance(v, str)), default=None)
    return value if isinstance(value, str) else None


def collection_dataset(collection: Collection, tally: CollectionTally, url: str) -> DatasetRecord:
    """The one dataset a whole collection becomes: its count, field names and newest record time."""
    context = {"collection": collection.name, "count": tally.count, "fields": ", ".join(tally.fields),
               "newest": tally.newest, "url": url}
    b = _Builder(context, {"id": collection.name}, "dataset")
    rec = _build_dataset(b, collection.dataset, collection.name)
    if not rec.modified:
        rec.modified = tally.newest
    b.notes.append(f"{tally.count} poster; fält: {', '.join(tally.fields) or '–'}")
    rec.notes = b.notes
    return rec
