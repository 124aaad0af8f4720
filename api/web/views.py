"""What the pages show, from the service functions' answers: labels in the page's language.

No business rule here: the services decide what matches and what counts; this module only names
things for people (a theme's label in English, a facet's title).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from catalog import vocab
from catalog.search.query import parse_query
from catalog.search.searcher import FACETS
from catalog.services import datasets

NEWEST = 6


def value_label(facet: str, value: str, lang: str, fallback: str | None = None) -> str:
    """A facet value's label in ``lang``: vocabulary labels for themes, formats and licences; the
    name the search gave for the rest (publishers, keywords, sources)."""
    if facet == "theme":
        return vocab.themes().label(value, lang)
    if facet == "format":
        return vocab.file_types().label(value, lang)
    if facet == "license":
        return vocab.licence_label(value, lang)
    return fallback or value


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
