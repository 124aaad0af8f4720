"""The normalised DCAT-AP-SE record: plain typed data that every adapter produces.

Adapters turn whatever a source publishes into :class:`DatasetRecord` values; the store hashes,
validates and saves them; :mod:`catalog.dcat` renders them back into DCAT-AP-SE RDF. Keeping the
normalised form as plain data (not one rdflib graph per dataset) is what makes a 5,000-dataset
harvest take seconds: see docs/decisions/0001-parser-and-normalised-form.md.

Language maps (``LangMap``) map a BCP 47 tag (``"sv"``, ``"en"``; ``""`` for an untagged literal)
to text. IRIs are plain strings.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

LangMap = dict[str, str]

DISPLAY_LANGUAGES = ("sv", "en", "")


def display_text(value: LangMap | None) -> str | None:
    """Pick the text a Swedish user should see: Swedish, then English, untagged, then any."""
    if not value:
        return None
    for lang in DISPLAY_LANGUAGES:
        if value.get(lang):
            return value[lang]
    for lang in sorted(value):
        if lang.startswith("sv") and value[lang]:
            return value[lang]
    return next((text for text in value.values() if text), None)


@dataclass(slots=True)
class Agent:
    """A publisher or creator (foaf:Agent)."""

    uri: str | None = None
    name: LangMap = field(default_factory=dict)
    type: str | None = None
    email: str | None = None
    homepage: str | None = None
    # statements no typed field holds (catalog.rdf.describe): written back as they came
    extra: list[list[Any]] = field(default_factory=list)


@dataclass(slots=True)
class ContactPoint:
    """A vcard:Kind contact point. ``name`` is the name to show; ``names`` keeps every language the
    source gave it in (vcard:fn "…"@sv, "…"@en), empty when it gave one untagged name (issue 14)."""

    uri: str | None = None
    name: str | None = None
    names: LangMap = field(default_factory=dict)
    email: str | None = None
    phone: str | None = None
    url: str | None = None
    kind: str | None = None
    extra: list[list[Any]] = field(default_factory=list)


@dataclass(slots=True)
class Distribution:
    """A dcat:Distribution. ``format`` is an EU file-type code (``CSV``) when one is known."""

    uri: str | None = None
    title: LangMap = field(default_factory=dict)
    description: LangMap = field(default_factory=dict)
    access_urls: list[str] = field(default_factory=list)
    download_urls: list[str] = field(default_factory=list)
    format: str | None = None
    format_raw: str | None = None
    media_type: str | None = None
    license: str | None = None
    rights: str | None = None
    byte_size: int | None = None
    issued: str | None = None
    modified: str | None = None
    access_service: list[str] = field(default_factory=list)
    # high-value datasets (DCAT-AP 3 dcatap:hvdCategory, dcatap:applicableLegislation): IRIs
    hvd_categories: list[str] = field(default_factory=list)
    applicable_legislation: list[str] = field(default_factory=list)
    # dct:conformsTo (DIGG puts an API's description here), dct:language, foaf:page: IRIs
    conforms_to: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    documentation: list[str] = field(default_factory=list)
    # adms:status and dcatap:availability: IRIs of the EU vocabularies
    status: str | None = None
    availability: str | None = None
    extra: list[list[Any]] = field(default_factory=list)
    id: str | None = None


@dataclass(slots=True)
class DatasetRecord:
    """One dataset, dataset series or data service, normalised. ``kind`` is ``dataset``,
    ``datasetseries`` (dcat:DatasetSeries) or ``dataservice``."""

    kind: str = "dataset"
    uri: str | None = None
    identifier: str | None = None
    title: LangMap = field(default_factory=dict)
    description: LangMap = field(default_factory=dict)
    publisher: Agent | None = None
    keywords: dict[str, list[str]] = field(default_factory=dict)
    themes: list[str] = field(default_factory=list)
    license: str | None = None
    access_rights: str | None = None
    issued: str | None = None
    modified: str | None = None
    contact_points: list[ContactPoint] = field(default_factory=list)
    distributions: list[Distribution] = field(default_factory=list)
    landing_pages: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    spatial: list[str] = field(default_factory=list)
    frequency: str | None = None
    conforms_to: list[str] = field(default_factory=list)
    documentation: list[str] = field(default_factory=list)
    temporal: list[dict[str, str]] = field(default_factory=list)
    # data services
    endpoint_urls: list[str] = field(default_factory=list)
    endpoint_descriptions: list[str] = field(default_factory=list)
    serves_datasets: list[str] = field(default_factory=list)
    # high-value datasets (DCAT-AP 3 dcatap:hvdCategory, dcatap:applicableLegislation): IRIs
    hvd_categories: list[str] = field(default_factory=list)
    applicable_legislation: list[str] = field(default_factory=list)
    # the dataset series (dcat:inSeries, by IRI) this dataset belongs to
    in_series: list[str] = field(default_factory=list)
    # dcat:version, dcat:spatialResolutionInMeters (a decimal), dcat:temporalResolution (xsd:duration)
    version: str | None = None
    spatial_resolution: str | None = None
    temporal_resolution: str | None = None
    # what the source said that no typed field holds, so that nothing is lost (issue 14): the
    # resource's other statements ([predicate, object], catalog.rdf.describe) and the descriptions of
    # the resources it refers to ([IRI, statements]), written back as they came
    extra: list[list[Any]] = field(default_factory=list)
    described: list[list[Any]] = field(default_factory=list)
    # for a resource without an IRI: what tells it apart within its document (catalog.ids)
    local_id: str | None = None
    # the services (by URI) that serve this dataset, filled by adapters that know them
    served_by: list[str] = field(default_factory=list)
    # problems found while mapping (odd dates, unknown formats); kept, never fatal
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready plain data."""
        return asdict(self)

    def to_json(self) -> bytes:
        """The record as canonical JSON (sorted keys): what is stored and what is hashed."""
        return orjson.dumps(self, option=orjson.OPT_SORT_KEYS)

    def canonicalise(self) -> DatasetRecord:
        """Put every list of text in canonical order, in place, so that a source that sends the
        same values in another order (another serialisation of the same RDF, a CKAN API that
        shuffles tags) gives the same record and content hash."""
        _sort_fields(self)
        for dist in self.distributions:
            _sort_fields(dist)
        for cp in self.contact_points:
            _sort_fields(cp)
        if self.publisher:
            _sort_fields(self.publisher)
        return self

    def canonical_json(self, data: bytes | None = None) -> bytes:
        """The record as JSON with every list in canonical order: two records that say the same in a
        different order give the same bytes (``data``: :meth:`to_json` already made)."""
        plain = orjson.loads(data if data is not None else self.to_json())
        return orjson.dumps(_canonical(plain), option=orjson.OPT_SORT_KEYS)

    def content_hash(self, data: bytes | None = None) -> str:
        """A hash of everything the source said, stable across runs and processes: of ``data`` (the
        JSON of a record already canonicalised, as :func:`catalog.store.prepared.prepare` stores it),
        else of :meth:`canonical_json`, independent of the order of the values."""
        return hashlib.blake2b(data if data is not None else self.canonical_json(), digest_size=16).hexdigest()

    @property
    def display_title(self) -> str | None:
        return display_text(self.title)

    def all_keywords(self) -> list[str]:
        seen: dict[str, None] = {}
        for words in self.keywords.values():
            for word in words:
                seen.setdefault(word, None)
        return list(seen)

    def formats(self) -> list[str]:
        out: dict[str, None] = {}
        for dist in self.distributions:
            if dist.format:
                out.setdefault(dist.format, None)
        return list(out)

    def licenses(self) -> list[str]:
        """Dataset-level licence first, then any distribution licences."""
        out: dict[str, None] = {}
        if self.license:
            out[self.license] = None
        for dist in self.distributions:
            if dist.license:
                out.setdefault(dist.license, None)
        return list(out)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DatasetRecord:
        """Rebuild a record stored with :meth:`to_dict`."""
        data = dict(data)
        pub = data.get("publisher")
        data["publisher"] = _known(Agent, pub) if pub else None
        data["contact_points"] = [_known(ContactPoint, c) for c in data.get("contact_points") or []]
        data["distributions"] = [_known(Distribution, d) for d in data.get("distributions") or []]
        return _known(cls, data)


def _text_lists(cls: Any) -> tuple[str, ...]:
    return tuple(name for name, f in cls.__dataclass_fields__.items() if f.type in ("list[str]", list[str]))


def _sort_fields(obj: Any) -> None:
    """Sort the lists of text of a record, distribution, contact or agent in place. Lists of
    resources keep their order: a reader of RDF gives them in canonical order already
    (catalog.rdf.describe.canonical_order), and a CKAN package's resources have a position."""
    for name in _TEXT_LISTS[type(obj)]:
        value = getattr(obj, name)
        if len(value) > 1:
            value.sort()
    if type(obj) is DatasetRecord:
        for words in obj.keywords.values():
            if len(words) > 1:
                words.sort()


_TEXT_LISTS = {cls: _text_lists(cls) for cls in (Agent, ContactPoint, Distribution, DatasetRecord)}


def _json_key(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _canonical(value: Any) -> Any:
    """Lists sorted (strings by value, anything else by its JSON), recursively; dicts keep their
    keys (JSON sorts them). Only non-empty containers are visited: this runs for every record."""
    if type(value) is dict:
        return {k: _canonical(v) if v and (type(v) is list or type(v) is dict) else v for k, v in value.items()}
    items = [_canonical(v) if v and (type(v) is list or type(v) is dict) else v for v in value]
    if len(items) > 1:
        if all(type(v) is str for v in items):
            items.sort()
        else:
            items.sort(key=_json_key)
    return items


def _known(cls: Any, data: dict[str, Any]) -> Any:
    """``cls`` built from the keys of ``data`` it knows: a record stored by an older version lacks the
    newer keys (they take their defaults) and one stored by a newer version may carry keys we drop."""
    known = cls.__dataclass_fields__
    return cls(**{k: v for k, v in data.items() if k in known})
