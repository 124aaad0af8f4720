"""What the pages show, from the service functions' answers: labels in the page's language.

No business rule here: the services decide what matches and what counts; this module only names
things for people (a theme's label in English, a facet's title).
"""

from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal
from sqlalchemy import Engine

from api.web.i18n import LOCALES, N_, Translator
from catalog import vocab
from catalog.errors import NotFound
from catalog.quality.hvd import FACT_LABELS
from catalog.records import display_text
from catalog.search import facets as search_facets
from catalog.search.query import FACETS, parse_query
from catalog.services import datasets, jobs, portal, sources

NEWEST = 6


# what each missed criterion of the quality score means for someone reading the dataset page
SCORE_GAPS = {
    "keywords": N_("No keywords"),
    "themes": N_("No theme"),
    "spatial": N_("No geographic coverage"),
    "temporal": N_("No time period"),
    "access_url": N_("A distribution without an access link"),
    "download_url": N_("No download link"),
    "endpoint_url": N_("No distribution and no API endpoint"),
    "format": N_("A distribution without a format"),
    "media_type": N_("A distribution without a media type"),
    "format_vocabulary": N_("A format outside the EU file-type list"),
    "dcat_ap_valid": N_("Breaks a DCAT-AP-SE requirement"),
    "licence": N_("No licence"),
    "licence_vocabulary": N_("A licence that is not a known standard licence"),
    "access_rights": N_("Access rights not stated"),
    "contact_point": N_("No contact point"),
    "publisher": N_("No publisher"),
    "rights": N_("No rights statement on the distributions"),
    "byte_size": N_("No file sizes"),
    "issued": N_("No publication date"),
    "modified": N_("No date of the last update"),
}


def value_label(facet: str, value: str, lang: str, fallback: str | None = None) -> str:
    """A facet value's label in ``lang``: the search's own labels for themes, formats, licences,
    types and access (the API shows the same); the name the search gave for the rest (publishers,
    keywords, sources)."""
    if facet in ("publisher", "keyword", "source"):
        return fallback or value
    label = search_facets.value_label(facet, value, lang)
    if facet == "theme" and label.startswith(("http://", "https://")):
        # a theme outside the EU vocabulary is stored as its IRI: its last segment reads better
        return label.rstrip("/").rsplit("/", 1)[-1]
    return label


def localise_facets(facets: dict[str, list[dict[str, Any]]], lang: str) -> dict[str, list[dict[str, Any]]]:
    return {name: [{**entry, "label": value_label(name, str(entry["value"]), lang, entry.get("label"))}
                   for entry in entries]
            for name, entries in facets.items()}


def localise_item(item: dict[str, Any], lang: str) -> dict[str, Any]:
    """A search result's licence and formats labelled in ``lang``."""
    licence = item.get("license")
    if licence:
        licence = {**licence, "label": vocab.licence_label(licence["id"], lang)}
    formats = [{"code": f, "label": vocab.file_types().label(f, lang)} for f in item.get("formats") or []]
    return {**item, "license": licence, "format_labels": formats}


def front_page(engine: Engine, lang: str) -> dict[str, Any]:
    """The catalogue's size, its themes with counts, the newest datasets and the newest APIs."""
    newest = datasets.search_datasets(engine, parse_query(sort="modified", per_page=NEWEST))
    apis: list[dict[str, Any]] = []
    if "type" in FACETS:
        found = datasets.search_datasets(engine, parse_query(filters={"type": ["dataservice"]}, sort="modified",
                                                             per_page=NEWEST))
        apis = [localise_item(i, lang) for i in found["items"]]
    facets = localise_facets(newest["facets"], lang)
    themes = sorted(facets.get("theme", []), key=lambda e: str(e["label"]).lower())
    return {
        "total": newest["total"],
        "themes": themes,
        "newest": [localise_item(i, lang) for i in newest["items"]],
        "apis": apis,
    }


# -- the search page ----------------------------------------------------------------------------

# the order facets are shown in: what people narrow by first
FACET_ORDER = ("type", "access", "theme", "publisher", "format", "license", "hvd_category", "applicable_legislation",
               "keyword", "source")
FACET_SHOWN = 8  # values shown before "more"; the rest behind a <details>


def facet_panels(facets: dict[str, list[dict[str, Any]]], selected: dict[str, list[str]],
                 lang: str) -> list[dict[str, Any]]:
    """The facets to show, in :data:`FACET_ORDER`: each value with its count and whether it is
    selected. A selected value the search did not count (a mistyped URL) is kept at count 0, so
    that it can be removed."""
    localised = localise_facets(facets, lang)
    panels = []
    for name in (*(f for f in FACET_ORDER if f in localised), *(f for f in localised if f not in FACET_ORDER)):
        chosen = selected.get(name, [])
        entries = [{**e, "selected": str(e["value"]) in chosen} for e in localised[name]]
        known = {str(e["value"]) for e in entries}
        entries += [{"value": v, "label": value_label(name, v, lang), "count": 0, "selected": True}
                    for v in chosen if v not in known]
        if entries:
            panels.append({"name": name, "entries": entries[:FACET_SHOWN], "more": entries[FACET_SHOWN:],
                           "selected": bool(chosen)})
    return panels


def active_filters(panels: list[dict[str, Any]], selected: dict[str, list[str]],
                   lang: str) -> list[dict[str, str]]:
    """Every chosen facet value with its label, in the order of the panels."""
    labels = {(p["name"], str(e["value"])): str(e["label"]) for p in panels for e in (*p["entries"], *p["more"])}
    out = []
    for name in (*FACET_ORDER, *(f for f in selected if f not in FACET_ORDER)):
        for value in selected.get(name, []):
            out.append({"facet": name, "value": value,
                        "label": labels.get((name, value)) or value_label(name, value, lang)})
    return out


def pagination(page: int, pages: int, window: int = 2) -> list[int | None]:
    """Page numbers to link: the first, the last and ``window`` either side of the current one;
    None marks a gap."""
    if pages <= 1:
        return []
    shown = sorted({1, pages, *range(max(1, page - window), min(pages, page + window) + 1)})
    out: list[int | None] = []
    for n in shown:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


# -- one dataset --------------------------------------------------------------------------------


def pick(value: dict[str, str] | None, lang: str) -> str | None:
    """A language map's text in ``lang``, else the text a Swedish user would see."""
    if not value:
        return None
    return value.get(lang) or display_text(value)


def text_language(value: dict[str, str] | None, lang: str) -> str | None:
    """The language tag of what :func:`pick` shows, when it is known and not the page's own: the
    element then carries ``lang`` (WCAG 3.1.2, language of parts)."""
    if not value or value.get(lang):
        return None
    shown = display_text(value)
    primary = next((k for k, v in value.items() if v == shown), "").split("-")[0]
    return primary if primary and primary != lang else None  # untagged text: its language is unknown


def _size(n: int | None, lang: str) -> str | None:
    if not n:
        return None
    units = ("B", "kB", "MB", "GB", "TB")
    value, unit = float(n), 0
    while value >= 1000 and unit < len(units) - 1:
        value, unit = value / 1000, unit + 1
    number = format_decimal(round(value, 1) if unit else int(value), locale=LOCALES[lang])
    return f"{number} {units[unit]}"


def dataset_page(engine: Engine, dataset_id: str, lang: str) -> dict[str, Any]:
    """Everything the dataset page shows, labelled in ``lang``. NotFound for an unknown id."""
    d = datasets.get_dataset(engine, dataset_id)
    tr = Translator(lang)
    keywords_by_lang: dict[str, list[str]] = {}
    record_keywords = d.get("keywords") or {}
    if isinstance(record_keywords, dict):
        keywords_by_lang = record_keywords
    keywords = keywords_by_lang.get(lang) or [w for words in keywords_by_lang.values() for w in words]
    frequency = None
    if d.get("frequency"):
        code = vocab.frequencies().code(d["frequency"])
        frequency = vocab.frequencies().label(code, lang) if code else d["frequency"]
    distributions = []
    for dist in d["distributions"]:
        fmt = dist.get("format")
        distributions.append({
            **dist,
            "title_text": pick(dist.get("title"), lang),
            "description_text": pick(dist.get("description"), lang),
            "format_text": vocab.file_types().label(fmt, lang) if fmt else (dist.get("format_raw")
                                                                          or dist.get("media_type")),
            "license": {**dist["license"], "label": vocab.licence_label(dist["license"]["id"], lang)}
            if dist.get("license") else None,
            "size_text": _size(dist.get("byte_size"), lang),
        })
    related = portal.by_uri(engine, [s["uri"] for s in d["services"]] + list(d["serves_datasets"]))
    source = None
    if d.get("source"):
        try:
            # its name and latest job; not source_summary, whose dataset counts scan the whole source
            found = sources.get_source(engine, d["source"])
            latest = jobs.list_jobs(engine, found.id or 0, limit=1)
            source = {"name": found.name, "kind": found.kind, "last_job": latest[0] if latest else None}
        except NotFound:
            source = None
    # stored violations carry their rule's Swedish and English messages
    problems = [p for p in d["quality"].get("violations") or [] if isinstance(p, dict) and p.get("rule")]
    licence = d.get("license")
    return {
        "dataset": d,
        "title": pick(d["title"], lang) or d["id"],
        "title_lang": text_language(d["title"], lang),
        "description_lang": text_language(d["description"], lang),
        "publisher_name": (pick(d["publisher"]["name"], lang) or d["publisher"]["id"]) if d.get("publisher") else None,
        "description": pick(d["description"], lang),
        "themes": [{**t, "label": vocab.themes().label(t["id"], lang)} for t in d["themes"]],
        "keywords": keywords,
        "licence": {**licence, "label": vocab.licence_label(licence["id"], lang)} if licence else None,
        "frequency": frequency,
        # what a high-value dataset lacks of the facts the HVD regulation asks for (catalog.quality.hvd)
        "hvd_missing": [FACT_LABELS[f].get(lang) or FACT_LABELS[f]["en"]
                        for f in (d.get("hvd") or {}).get("missing", []) if f in FACT_LABELS],
        "languages": [vocab.languages().label(vocab.languages().code(x) or x, lang) for x in d["languages"]],
        "distributions": distributions,
        "services": [{"uri": s["uri"], **related.get(s["uri"], {})} for s in d["services"]],
        "serves": [{"uri": u, **related.get(u, {})} for u in d["serves_datasets"]],
        "source": source,
        "score_gaps": [{**g, "label": tr.gettext(SCORE_GAPS.get(g["criterion"], g["criterion"]))}
                       for g in portal.score_gaps(engine, dataset_id)],
        "problems": [{**p, "message": p.get("message_en" if lang == "en" else "message_sv") or p.get("message_en")
                      or p.get("message") or p["rule"]} for p in problems],
    }


# -- publishers ---------------------------------------------------------------------------------


def publisher_type_label(iri: str | None, lang: str) -> str | None:
    if not iri:
        return None
    code = vocab.publisher_types().code(iri)
    return vocab.publisher_types().label(code, lang) if code else None
