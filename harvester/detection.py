"""Which kind a source is, from what its URL answers: registration and preview without ``kind`` ask here.

:func:`detect_kind` fetches the URL once (within the fetch bounds and address rules) and decides:

- **ckan**: the answer is a CKAN action response (``{"success": …, "result": …}``), or the URL is a
  CKAN API address (``…/api/3``, ``…/api/3/action/…``) whose portal answers ``status_show``;
- **dcat**: an RDF document in any syntax the harvester reads (Turtle, RDF/XML, JSON-LD, N-Triples,
  N3, TriG, N-Quads) that has a ``dcat:Catalog``, ``dcat:Dataset`` or ``dcat:DataService``, or a Hydra
  next page;
- **jsonapi**: any other JSON. It can only be read through a mapping profile, so without one
  (``mapping`` or ``mapping_profile``) the detection refuses, saying so.

A document served with an RDF media type is taken as DCAT even when it does not parse (the harvest
or preview then says where it breaks). Anything else is refused with what was found: an HTML page
("did you mean its CKAN API at …/api/3?" when the page's portal answers
``/api/3/action/status_show``; the DCAT document it links to when it links one), RDF without DCAT,
or a document of another type. Refusals are :class:`~catalog.errors.FieldError` naming the field to
change, as :func:`harvester.registration.check_source`'s are; :class:`NotFetched` when the URL
could not be fetched at all.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import orjson

from catalog.errors import CatalogError, FieldError, ParseError
from catalog.formats import ckan_read
from catalog.formats.jsonapi import bundled_profiles
from catalog.rdf import syntaxes
from catalog.rdf.namespaces import DCAT, HYDRA
from catalog.rdf.parse import GraphIndex, parse, sniff_format
from catalog.settings import Settings
from harvester.errors import FetchError
from harvester.fetch import Fetcher, Response

DCAT_CLASSES = (DCAT + "Catalog", DCAT + "Dataset", DCAT + "DataService")
MAX_PROBES = 3  # CKAN status_show requests for an HTML page: its folder and the ones above it
_LINK = re.compile(rb"<link\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""([a-zA-Z-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""")


class NotFetched(FieldError):
    """The URL could not be fetched to tell its kind (``cause``: why); a preview reports it as a fetch
    problem, registration asks for the kind."""

    def __init__(self, cause: FetchError) -> None:
        super().__init__("kind", f"could not fetch the URL to tell its kind ({cause.message}); give kind "
                                 "(dcat, ckan or jsonapi)")
        self.cause = cause


@dataclass(frozen=True, slots=True)
class Detection:
    """The kind a URL was found to be, and what was found (for the preview and the audit log)."""

    kind: str
    found: str


def detect_kind(url: str, settings: Settings, *, has_mapping: bool = False,
                fetcher: Fetcher | None = None) -> Detection:
    """The kind of source ``url`` is (see the module docstring); FieldError when it cannot be told."""
    own = fetcher is None
    fetcher = fetcher or Fetcher(settings, retries=0)
    try:
        return _detect(url, fetcher, has_mapping=has_mapping)
    finally:
        if own:
            fetcher.close()


def _detect(url: str, fetcher: Fetcher, *, has_mapping: bool) -> Detection:
    base = ckan_read.portal_base(url)
    if base != _bare(url):  # a CKAN API address: its portal says whether it is one
        version = _ckan_version(fetcher, base)
        if version is not None:
            return Detection("ckan", f"a CKAN API (CKAN {version})" if version else "a CKAN API")
    try:
        resp = fetcher.get(url, headers={"Accept": ACCEPT})
    except FetchError as exc:
        raise NotFetched(exc) from exc
    media = syntaxes.media_type_of(resp.content_type or "")
    head = resp.body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if media in ("text/html", "application/xhtml+xml") or head.lower().startswith((b"<!doctype html", b"<html")):
        raise FieldError("url", _html_message(fetcher, resp))
    if head.startswith((b"{", b"[")) or media == "application/json" or media.endswith("+json"):
        return _json(resp, media, has_mapping=has_mapping)
    return _rdf(resp, media)


# RDF first (any syntax), JSON after it, HTML last: what a DCAT or CKAN server answers best
ACCEPT = ", ".join([*(s.media_type for s in syntaxes.SYNTAXES), "application/json;q=0.8", "text/html;q=0.1"])


def _json(resp: Response, media: str, *, has_mapping: bool) -> Detection:
    try:
        data = orjson.loads(resp.body)
    except orjson.JSONDecodeError:
        raise FieldError("url", f"the URL answers {_served(media)}, but its body is not JSON; give kind "
                                "if it is a source") from None
    if isinstance(data, dict) and isinstance(data.get("success"), bool) and ("result" in data or "error" in data):
        return Detection("ckan", "a CKAN API")
    if media == "application/ld+json" or _looks_like_json_ld(data):
        graph = _graph(resp, "application/ld+json")
        if graph is not None and _is_dcat(graph):
            return Detection("dcat", "a DCAT document (JSON-LD)")
    if not has_mapping:
        known = ", ".join(bundled_profiles())
        raise FieldError("mapping", "the URL answers JSON that is not a CKAN API or a DCAT document: a JSON API "
                                    "(kind jsonapi), which is read through a mapping profile; give mapping (a "
                                    f"bundled profile: {known}) or mapping_profile (your profile's TOML text)")
    return Detection("jsonapi", "a JSON API")


def _rdf(resp: Response, media: str) -> Detection:
    try:
        fmt = sniff_format(resp.body, resp.content_type, resp.url)
    except ParseError:
        fmt = None
    graph = _graph(resp, resp.content_type)
    name = _syntax_name(fmt)
    declared = syntaxes.by_media_type(media)
    if graph is None and declared is not None and media not in syntaxes.VAGUE_MEDIA_TYPES:
        # served as RDF: meant as DCAT; the run reports where the document breaks
        return Detection("dcat", f"a document served as {media} that is not valid {name}")
    if graph is None:
        raise FieldError("url", f"the URL answers {_served(media)} that is neither RDF, JSON nor HTML; give "
                                "kind if it is a source")
    if not _is_dcat(graph):
        raise FieldError("url", f"the URL answers an RDF document ({name}) with no dcat:Catalog, dcat:Dataset "
                                "or dcat:DataService in it")
    return Detection("dcat", f"a DCAT document ({name})")


def _graph(resp: Response, content_type: str | None) -> GraphIndex | None:
    try:
        return parse(resp.body, base_iri=resp.url, content_type=content_type)
    except CatalogError:
        return None


def _is_dcat(graph: GraphIndex) -> bool:
    if any(graph.types.get(cls) for cls in DCAT_CLASSES):
        return True
    return any(HYDRA + "next" in po or HYDRA + "nextPage" in po for po in graph.spo.values())


def _looks_like_json_ld(data: Any) -> bool:
    items = data if isinstance(data, list) else [data]
    return any(isinstance(i, dict) and ("@context" in i or "@graph" in i or "@type" in i) for i in items[:5])


def _syntax_name(fmt: Any) -> str:
    names = {s.oxigraph: s for s in syntaxes.SYNTAXES}
    syntax = names.get(fmt)
    if syntax is None:
        return "RDF"
    return {"ttl": "Turtle", "jsonld": "JSON-LD", "rdf": "RDF/XML", "nt": "N-Triples", "n3": "N3",
            "trig": "TriG", "nq": "N-Quads"}.get(syntax.extension, syntax.extension)


def _served(media: str) -> str:
    return f"a document served as {media}" if media else "a document with no Content-Type"


# -- HTML pages -----------------------------------------------------------------------------------


def _html_message(fetcher: Fetcher, resp: Response) -> str:
    """What an HTML page is, and what the URL was probably meant to be."""
    for base in _portal_candidates(resp.url):
        if _ckan_version(fetcher, base) is not None:
            return f"the URL answers an HTML page; did you mean its CKAN API at {base}/api/3?"
    linked = _linked_rdf(resp)
    if linked:
        return f"the URL answers an HTML page; did you mean the DCAT document it links to at {linked}?"
    return ("the URL answers an HTML page, not a DCAT document, a CKAN API or JSON; give the address of "
            "the catalogue or API itself")


def _portal_candidates(url: str) -> list[str]:
    """The page's folder and the folders above it (a CKAN portal may live below the site's root)."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    out: list[str] = []
    while True:
        out.append(urlunsplit((parts.scheme, parts.netloc, path, "", "")))
        if not path or len(out) >= MAX_PROBES:
            return out
        path = path.rsplit("/", 1)[0]


def _ckan_version(fetcher: Fetcher, base: str) -> str | None:
    """The CKAN version a portal reports at /api/3/action/status_show ("" when it names none), or None
    when it does not answer as CKAN."""
    try:
        resp = fetcher.get(f"{base}/api/3/action/status_show", headers={"Accept": "application/json"})
        data = orjson.loads(resp.body)
    except (FetchError, orjson.JSONDecodeError):
        return None
    if not isinstance(data, dict) or data.get("success") is not True or not isinstance(data.get("result"), dict):
        return None
    version = data["result"].get("ckan_version")
    return str(version) if version else ""


def _linked_rdf(resp: Response) -> str | None:
    """The first RDF document an HTML page links as an alternate (``<link rel="alternate" type=…>``)."""
    for tag in _LINK.findall(resp.body[:200_000]):
        attrs = {k.lower(): html.unescape(v.strip("\"'")) for k, v in _ATTR.findall(tag.decode("utf-8", "replace"))}
        media = syntaxes.media_type_of(attrs.get("type", ""))
        rdf = syntaxes.by_media_type(media) is not None and media not in syntaxes.VAGUE_MEDIA_TYPES
        if rdf and "alternate" in attrs.get("rel", "").lower().split() and attrs.get("href"):
            return urljoin(resp.url, attrs["href"])
    return None


def _bare(url: str) -> str:
    return url.split("#", 1)[0].split("?", 1)[0].rstrip("/")
