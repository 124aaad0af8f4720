"""A record made ready to store, without touching the database: its stable id, content hash,
mandatory-property violations and quality score, and what the facet and full-text indexes hold for
it. catalog.store.runs writes what this prepares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from catalog import ids, vocab
from catalog.normalise import sortable_date
from catalog.quality import hvd, rules
from catalog.records import Agent, DatasetRecord, display_text
from catalog.search.query import STORED_NAMES
from catalog.search.stemming import text_stems


@dataclass(slots=True)
class Prepared:
    """A record made ready to store: id, hash, violations, score and index texts."""

    ref: str
    id: str
    rec: DatasetRecord
    hash: str
    json: str
    violations: list[dict[str, str | None]]
    valid: bool
    score: float
    publisher_id: str | None
    # the date search sorts by: an impossible date is stored in the record but sorts as missing
    modified: str | None = None
    # what the staging tables hold for it besides the record (:func:`parts`), made once
    staged: Parts | None = None


@dataclass(slots=True)
class Parts:
    """What a prepared record puts in the staging tables besides its JSON: the title shown and sorted by,
    its distributions' rows (id, uri, format, license, access_url, download_url, position), its facet
    values and its full-text texts (title, keywords, description, publisher, stems)."""

    title: str
    title_sort: str
    dists: list[tuple[Any, ...]]
    facets: list[tuple[str, str]]
    texts: tuple[str, str, str, str, str]


def parts(p: Prepared, source_name: str) -> Parts:
    """The record's staging parts, made on first use (in a parse-pool worker, or by the run's writer)."""
    if p.staged is None:
        rec = p.rec
        title = display_text(rec.title) or ""
        texts = search_texts(rec)
        p.staged = Parts(
            title=title[:2000], title_sort=ids.swedish_sort_key(title)[:200],
            dists=[(d.id, d.uri, d.format, d.license, d.access_urls[0] if d.access_urls else None,
                    d.download_urls[0] if d.download_urls else None, pos)
                   for pos, d in enumerate(rec.distributions) if d.id is not None],
            facets=facet_values(rec, p.publisher_id, source_name),
            texts=(texts["title"], texts["keywords"], texts["description"], texts["publisher"], texts["stems"]))
    return p.staged


def to_wire(p: Prepared, source_name: str) -> tuple[Any, ...]:
    """A prepared record in the compact form a parse-pool worker sends (plain tuples: cheap to pickle).
    The record itself goes as what the writer reads of it (kind, uri, title, issued, publisher);
    its stored form is ``json``."""
    st = parts(p, source_name)
    rec = p.rec
    pub = rec.publisher
    return (p.ref, p.id, p.hash, p.json, p.violations, p.valid, p.score, p.publisher_id, p.modified,
            rec.kind, rec.uri, rec.title, rec.issued,
            (pub.uri, pub.name, pub.type) if pub is not None else None,
            st.title, st.title_sort, st.dists, st.facets, st.texts)


def from_wire(t: tuple[Any, ...]) -> Prepared:
    """The :class:`Prepared` a worker sent (:func:`to_wire`), with a record holding what the writer reads."""
    (ref, did, hash_, data, violations, valid, score, publisher_id, modified, kind, uri, title, issued, pub,
     s_title, s_sort, dists, facets, texts) = t
    rec = DatasetRecord(kind=kind, uri=uri, title=title, issued=issued,
                        publisher=Agent(uri=pub[0], name=pub[1], type=pub[2]) if pub is not None else None)
    return Prepared(ref=ref, id=did, rec=rec, hash=hash_, json=data, violations=violations, valid=valid,
                    score=score, publisher_id=publisher_id, modified=modified,
                    staged=Parts(s_title, s_sort, dists, facets, texts))


def prepare(ref: str, rec: DatasetRecord, source_name: str) -> Prepared:
    """Hash, check and score one record (pure: no database)."""
    dataset_id = ids.dataset_id(rec, source_name)
    for dist in rec.distributions:
        dist.id = None
    for dist, dist_id in zip(rec.distributions, ids.distribution_ids(rec.distributions, dataset_id), strict=True):
        dist.id = dist_id
    violations = rules.check_mandatory(rec)
    data = rec.canonicalise().to_json()
    return Prepared(
        ref=ref,
        id=dataset_id,
        rec=rec,
        hash=rec.content_hash(data),
        json=data.decode(),
        violations=violations,
        valid=rules.is_valid(violations),
        score=rules.score(rec, mandatory=violations),
        publisher_id=ids.publisher_id(rec.publisher) if rec.publisher else None,
        modified=sortable_date(rec.modified),
    )


# EU access-right codes -> the access facet's values (the other codes read as their lower-cased code)
ACCESS_VALUES = {"PUBLIC": "open", "RESTRICTED": "restricted", "NON_PUBLIC": "non-public"}


def access_value(rec: DatasetRecord) -> str | None:
    """The record's access as the search shows it: open, restricted, non-public; None when unstated."""
    code = vocab.access_code(rec.access_rights)
    if code is None:
        return None
    return ACCESS_VALUES.get(code, code.lower())


def facet_values(rec: DatasetRecord, publisher_id: str | None, source_name: str) -> list[tuple[str, str]]:
    """The (facet, value) pairs a dataset is counted under."""
    out: dict[tuple[str, str], None] = {("source", source_name): None, ("type", rec.kind): None}
    access = access_value(rec)
    if access:
        out[("access", access)] = None
    if publisher_id:
        out[("publisher", publisher_id)] = None
    for theme in rec.themes:
        out[("theme", vocab.theme_code(theme) or theme)] = None
    for dist in rec.distributions:
        fmt = dist.format or (dist.format_raw or dist.media_type or "").strip().lower()
        if fmt:
            out[("format", fmt[:100])] = None
    for lic in rec.licenses():
        code = vocab.licence_code(lic)
        if code:
            out[("license", code[:500])] = None
    for word in rec.all_keywords():
        out[("keyword", word.strip().lower()[:500])] = None
    for facet, value in hvd.facet_values(rec):  # high-value datasets (issue 14)
        out[(STORED_NAMES.get(facet, facet), value)] = None
    return list(out)


def search_texts(rec: DatasetRecord) -> dict[str, str]:
    """The texts the full-text index holds, by field (title weighs most, then keywords)."""
    pub = " ".join(rec.publisher.name.values()) if rec.publisher else ""
    title = " ".join(dict.fromkeys(rec.title.values()))
    keywords = " ".join(rec.all_keywords())
    description = " ".join(dict.fromkeys(rec.description.values()))
    return {
        "title": title,
        "keywords": keywords,
        "description": description,
        "publisher": pub,
        # titles and keywords are stemmed; descriptions match by word and prefix only, since stemming
        # every description cost a tenth of the harvest time budget (docs/decisions/0002), and by
        # their compounds' parts and folded forms, as publishers' names (docs/decisions/0005)
        "stems": text_stems(title, keywords, unstemmed=f"{description} {pub}"),
    }
