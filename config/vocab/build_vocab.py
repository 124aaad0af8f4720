#!/usr/bin/env python3
"""Vendor the EU authority tables that datakatalog needs at run time into compact JSON.

Usage (from the repository root)::

    python config/vocab/build_vocab.py /path/to/spec/vocabularies

The argument is a folder holding the EU Vocabularies (Publications Office of the European Union)
authority tables as RDF/XML. For each table every file named below that exists in the folder is
parsed and the graphs are merged, so a fuller download (e.g. ``file-type-skos.rdf`` with labels
and media types) dropped next to a skeleton ``file-type.rdf`` is picked up without code changes.

Written next to this script:

* ``file-types.json``           ``{CODE: {"iri", "label": {"sv", "en"}, "media_types": [...],
                                "extensions": [...]}}``
* ``data-themes.json``          ``{CODE: {"iri", "label": {"sv", "en"}}}``
* ``frequencies.json``          same shape
* ``access-rights.json``        same shape
* ``distribution-status.json``  same shape
* ``licenses.json``             the project's own list of common open licences (``LICENSES`` below),
                                ``[{"id", "iri", "aliases": [...], "label": {"sv", "en"}}]``
* ``LICENSE-NOTICE.md``         provenance and licence notice

Notes on the shapes:

* CODE is the last segment of the concept IRI (``CSV``, ``WMS_SRVC``, ``ANNUAL``).
* ``label`` holds only ``sv`` and ``en``; a language the table does not carry is left out, so a
  label may be ``{"en": ...}`` or, when the table carries no labels at all, ``{}``.
* An entry the table marks as deprecated (``at:deprecated`` / ``owl:deprecated``) gets
  ``"deprecated": true``; the key is absent otherwise.
* Media types and extensions of file types are read from what the RDF really carries: EU-Vocabularies
  ``euvoc:xlNotation`` nodes (``dct:type`` notation-type ``IANA_MT`` -> media type, a notation type
  naming an extension -> extension, value in ``euvoc:xlCodification``), ``dcat:mediaType``, and any
  direct property whose local name says media type / MIME / extension. The script prints what it
  found; lists stay empty when the table carries nothing.
* ``notspecified`` (CKAN's "License not specified") is deliberately not a licence here: a harvester
  should treat it as "no licence given".
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

import rdflib
from rdflib import OWL, SKOS, BNode, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS

OUT_DIR = Path(__file__).resolve().parent

AUTHORITY = "http://publications.europa.eu/resource/authority/"
EUVOC = Namespace("http://publications.europa.eu/ontology/euvoc#")
AT = Namespace("http://publications.europa.eu/ontology/authority/")
SKOSXL = Namespace("http://www.w3.org/2008/05/skos-xl#")
IANA_MEDIA_TYPES = re.compile(r"^https?://www\.iana\.org/assignments/media-types/", re.I)

LANGS = ("sv", "en")

# (output file, scheme IRI, candidate RDF file names in the input folder, is the file-type table)
TABLES: list[tuple[str, str, tuple[str, ...], bool]] = [
    (
        "file-types.json",
        AUTHORITY + "file-type",
        ("file-type.rdf", "file-type-skos.rdf", "file-type-skos-ap-act.rdf"),
        True,
    ),
    (
        "data-themes.json",
        AUTHORITY + "data-theme",
        ("data-theme.rdf", "data-theme-skos.rdf", "data-theme-skos-ap-act.rdf"),
        False,
    ),
    (
        "frequencies.json",
        AUTHORITY + "frequency",
        ("frequency.rdf", "frequency-skos.rdf", "frequency-skos-ap-act.rdf"),
        False,
    ),
    (
        "access-rights.json",
        AUTHORITY + "access-right",
        ("access-right.rdf", "access-right-skos.rdf", "access-right-skos-ap-act.rdf"),
        False,
    ),
    (
        "distribution-status.json",
        AUTHORITY + "distribution-status",
        (
            "distribution-status.rdf",
            "distribution-status-skos.rdf",
            "distribution-status-skos-ap-act.rdf",
        ),
        False,
    ),
]

# Codes the harvester relies on; a refresh that loses one of them is most likely a broken input.
EXPECTED_CODES = {
    "file-types.json": {"CSV", "JSON", "GEOJSON", "XLSX", "WMS_SRVC", "PDF", "XML", "ZIP"},
    "data-themes.json": {"AGRI", "ECON", "ENVI", "GOVE", "TRAN"},
    "frequencies.json": {"ANNUAL", "MONTHLY", "DAILY", "IRREG"},
    "access-rights.json": {"PUBLIC", "RESTRICTED", "NON_PUBLIC"},
    "distribution-status.json": {"COMPLETED", "DEPRECATED", "DEVELOP", "WITHDRAWN"},
}


# --------------------------------------------------------------------------------------------
# EU authority tables
# --------------------------------------------------------------------------------------------


def local_name(term: URIRef) -> str:
    s = str(term)
    return re.split(r"[/#]", s.rstrip("/#"))[-1]


def is_true(value: object) -> bool:
    return value is not None and str(value).strip().lower() in ("true", "1")


def load_graph(folder: Path, names: tuple[str, ...]) -> tuple[rdflib.Graph, list[str]]:
    graph = rdflib.Graph()
    used = []
    for name in names:
        path = folder / name
        if path.is_file():
            graph.parse(path, format="xml")
            used.append(name)
    if not used:
        raise SystemExit(f"error: none of {', '.join(names)} found in {folder}")
    return graph, used


def concepts_of(graph: rdflib.Graph, scheme: URIRef) -> set[URIRef]:
    found: set = set(graph.subjects(SKOS.inScheme, scheme))
    found |= set(graph.subjects(SKOS.topConceptOf, scheme))
    found |= set(graph.objects(scheme, SKOS.hasTopConcept))
    prefix = str(scheme) + "/"
    # Version IRIs (.../file-type/20260318-0) and skos-xl label nodes are objects of other
    # properties, never inScheme/topConceptOf subjects, so they do not end up here.
    return {c for c in found if isinstance(c, URIRef) and str(c).startswith(prefix)}


def labels_of(graph: rdflib.Graph, concept: URIRef) -> dict[str, str]:
    candidates: dict[str, list[str]] = {lang: [] for lang in LANGS}
    literals = list(graph.objects(concept, SKOS.prefLabel))
    for xl in graph.objects(concept, SKOSXL.prefLabel):
        literals.extend(graph.objects(xl, SKOSXL.literalForm))
    for lit in literals:
        if isinstance(lit, Literal) and lit.language:
            lang = lit.language.lower()
            if lang in candidates and str(lit).strip():
                candidates[lang].append(str(lit).strip())
    return {lang: sorted(vals)[0] for lang, vals in candidates.items() if vals}


def is_deprecated(graph: rdflib.Graph, concept: URIRef) -> bool:
    return any(is_true(graph.value(concept, p)) for p in (AT.deprecated, OWL.deprecated))


def _classify_notation_type(type_term: object) -> str | None:
    if type_term is None:
        return None
    name = local_name(URIRef(str(type_term))).upper()
    if name in ("IANA_MT", "MIME", "MIME_TYPE", "MEDIA_TYPE") or "MEDIA" in name or "MIME" in name:
        return "media"
    if "EXT" in name:
        return "ext"
    return None


def _classify_property(pred: URIRef) -> str | None:
    name = re.sub(r"[^a-z]", "", local_name(pred).lower())
    if pred == DCAT.mediaType or "mediatype" in name or "mime" in name:
        return "media"
    if "extension" in name or "fileext" in name:
        return "ext"
    return None


def _norm_media(value: str) -> str:
    return IANA_MEDIA_TYPES.sub("", value.strip()).lower()


def _norm_ext(value: str) -> str:
    return value.strip().lstrip(".").lower()


def formats_of(graph: rdflib.Graph, concept: URIRef, seen: Counter) -> tuple[list[str], list[str]]:
    media: set[str] = set()
    exts: set[str] = set()

    def add(kind: str | None, value: object, how: str) -> None:
        if kind is None or value is None:
            return
        text = str(value)
        if not text.strip():
            return
        if kind == "media":
            media.add(_norm_media(text))
        else:
            exts.add(_norm_ext(text))
        seen[f"{kind}: {how}"] += 1

    for note in graph.objects(concept, EUVOC.xlNotation):
        ntype = graph.value(note, DCTERMS.type)
        kind = _classify_notation_type(ntype)
        for value in graph.objects(note, EUVOC.xlCodification):
            add(kind, value, f"euvoc:xlNotation[dct:type {ntype}]/euvoc:xlCodification")

    for pred, obj in graph.predicate_objects(concept):
        if pred == EUVOC.xlNotation or not isinstance(pred, URIRef):
            continue
        kind = _classify_property(pred)
        if kind is None:
            continue
        if isinstance(obj, BNode):  # e.g. dcat:mediaType [ a dct:MediaType ; dct:identifier "..." ]
            for inner in graph.objects(obj, DCTERMS.identifier):
                add(kind, inner, f"<{pred}>/dct:identifier")
        else:
            add(kind, obj, f"<{pred}>")

    return sorted(media), sorted(exts)


def build_table(folder: Path, scheme_iri: str, names: tuple[str, ...], file_types: bool) -> tuple[dict, dict]:
    graph, used = load_graph(folder, names)
    scheme = URIRef(scheme_iri)
    seen: Counter = Counter()
    table: dict[str, dict] = {}
    for concept in sorted(concepts_of(graph, scheme)):
        code = local_name(concept)
        entry: dict = {"iri": str(concept), "label": labels_of(graph, concept)}
        if file_types:
            entry["media_types"], entry["extensions"] = formats_of(graph, concept, seen)
        if is_deprecated(graph, concept):
            entry["deprecated"] = True
        if code in table:
            raise SystemExit(f"error: duplicate code {code} in {scheme_iri}")
        table[code] = entry
    info = {
        "files": used,
        "version": str(graph.value(scheme, OWL.versionInfo) or ""),
        "format_properties": dict(seen),
    }
    return table, info


# --------------------------------------------------------------------------------------------
# Licences (the project's own list, not read from any RDF)
# --------------------------------------------------------------------------------------------

EU_LICENCE = "http://publications.europa.eu/resource/authority/licence/"
CC_SUFFIXES = ("", "/", "/legalcode", "/legalcode.sv", "/legalcode.en", "/deed.sv", "/deed.en")
ODC_SUFFIXES = ("", "/")


def _web(paths: tuple[str, ...], suffixes: tuple[str, ...]) -> set[str]:
    """http and https, with the given suffixes, of host-relative paths without trailing slash."""
    return {
        f"{scheme}://{path}{suffix}" for path in paths for scheme in ("http", "https") for suffix in suffixes
    }


def _cc(path: str) -> set[str]:
    return _web((f"creativecommons.org/{path}",), CC_SUFFIXES)


def _opendefinition(ckan_id: str) -> set[str]:
    # CKAN's default licence register gives these opendefinition.org pages as license_url.
    return {
        f"http://www.opendefinition.org/licenses/{ckan_id}",
        f"http://opendefinition.org/licenses/{ckan_id}",
        f"https://opendefinition.org/licenses/{ckan_id}",
    }


def _licence(spdx: str, iri: str, label_sv: str, label_en: str, aliases: set[str]) -> dict:
    aliases = {a for a in aliases if a != iri}
    return {"id": spdx, "iri": iri, "aliases": sorted(aliases), "label": {"sv": label_sv, "en": label_en}}


def build_licenses() -> list[dict]:
    lic = [
        _licence(
            "CC0-1.0",
            "http://creativecommons.org/publicdomain/zero/1.0/",
            "Creative Commons CC0 1.0 Universell (allmän egendom)",
            "Creative Commons CC0 1.0 Universal (public domain dedication)",
            _cc("publicdomain/zero/1.0")
            | {EU_LICENCE + "CC0", "cc-zero", "CC0-1.0", "CC0", "CC0 1.0"}
            | _opendefinition("cc-zero"),
        ),
        _licence(
            "CC-BY-4.0",
            "http://creativecommons.org/licenses/by/4.0/",
            "Creative Commons Erkännande 4.0 Internationell (CC BY 4.0)",
            "Creative Commons Attribution 4.0 International (CC BY 4.0)",
            # CKAN's cc-by / opendefinition cc-by carry no version; mapped to the current one.
            _cc("licenses/by/4.0")
            | {EU_LICENCE + "CC_BY_4_0", "cc-by", "CC-BY-4.0", "CC BY 4.0"}
            | _opendefinition("cc-by"),
        ),
        _licence(
            "CC-BY-SA-4.0",
            "http://creativecommons.org/licenses/by-sa/4.0/",
            "Creative Commons Erkännande-DelaLika 4.0 Internationell (CC BY-SA 4.0)",
            "Creative Commons Attribution-ShareAlike 4.0 International (CC BY-SA 4.0)",
            _cc("licenses/by-sa/4.0")
            | {EU_LICENCE + "CC_BYSA_4_0", "cc-by-sa", "CC-BY-SA-4.0", "CC BY-SA 4.0"}
            | _opendefinition("cc-by-sa"),
        ),
        _licence(
            "CC-BY-ND-4.0",
            "http://creativecommons.org/licenses/by-nd/4.0/",
            "Creative Commons Erkännande-IngaBearbetningar 4.0 Internationell (CC BY-ND 4.0)",
            "Creative Commons Attribution-NoDerivatives 4.0 International (CC BY-ND 4.0)",
            _cc("licenses/by-nd/4.0") | {EU_LICENCE + "CC_BYND_4_0", "CC-BY-ND-4.0", "CC BY-ND 4.0"},
        ),
        _licence(
            "CC-BY-NC-4.0",
            "http://creativecommons.org/licenses/by-nc/4.0/",
            "Creative Commons Erkännande-IckeKommersiell 4.0 Internationell (CC BY-NC 4.0)",
            "Creative Commons Attribution-NonCommercial 4.0 International (CC BY-NC 4.0)",
            # CKAN's cc-nc is "Non-Commercial (Any)"; its license_url (by-nc/2.0) is left out on purpose.
            _cc("licenses/by-nc/4.0") | {EU_LICENCE + "CC_BYNC_4_0", "cc-nc", "CC-BY-NC-4.0", "CC BY-NC 4.0"},
        ),
        _licence(
            "CC-BY-NC-SA-4.0",
            "http://creativecommons.org/licenses/by-nc-sa/4.0/",
            "Creative Commons Erkännande-IckeKommersiell-DelaLika 4.0 Internationell (CC BY-NC-SA 4.0)",
            "Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International (CC BY-NC-SA 4.0)",
            _cc("licenses/by-nc-sa/4.0")
            | {EU_LICENCE + "CC_BYNCSA_4_0", "CC-BY-NC-SA-4.0", "CC BY-NC-SA 4.0"},
        ),
        _licence(
            "CC-BY-NC-ND-4.0",
            "http://creativecommons.org/licenses/by-nc-nd/4.0/",
            "Creative Commons Erkännande-IckeKommersiell-IngaBearbetningar 4.0 Internationell"
            " (CC BY-NC-ND 4.0)",
            "Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International (CC BY-NC-ND 4.0)",
            _cc("licenses/by-nc-nd/4.0")
            | {EU_LICENCE + "CC_BYNCND_4_0", "CC-BY-NC-ND-4.0", "CC BY-NC-ND 4.0"},
        ),
        _licence(
            "CC-BY-3.0",
            "http://creativecommons.org/licenses/by/3.0/",
            "Creative Commons Erkännande 3.0 Unported (CC BY 3.0)",
            "Creative Commons Attribution 3.0 Unported (CC BY 3.0)",
            _cc("licenses/by/3.0") | {EU_LICENCE + "CC_BY_3_0", "CC-BY-3.0", "CC BY 3.0"},
        ),
        _licence(
            "ODbL-1.0",
            "https://opendatacommons.org/licenses/odbl/1-0/",
            "Open Data Commons Open Database License 1.0 (ODbL)",
            "Open Data Commons Open Database License 1.0 (ODbL)",
            _web(
                (
                    "opendatacommons.org/licenses/odbl/1-0",
                    "opendatacommons.org/licenses/odbl/1.0",
                    "opendatacommons.org/licenses/odbl",
                    "opendatacommons.org/licenses/odbl/summary",
                ),
                ODC_SUFFIXES,
            )
            | {EU_LICENCE + "ODC_BL", "odc-odbl", "ODbL-1.0", "ODbL", "ODbL 1.0"}
            | _opendefinition("odc-odbl"),
        ),
        _licence(
            "ODC-By-1.0",
            "https://opendatacommons.org/licenses/by/1-0/",
            "Open Data Commons Attribution License 1.0 (ODC-By)",
            "Open Data Commons Attribution License 1.0 (ODC-By)",
            _web(
                (
                    "opendatacommons.org/licenses/by/1-0",
                    "opendatacommons.org/licenses/by/1.0",
                    "opendatacommons.org/licenses/by",
                    "opendatacommons.org/licenses/by/summary",
                ),
                ODC_SUFFIXES,
            )
            | {EU_LICENCE + "ODC_BY", "odc-by", "ODC-BY-1.0", "ODC-By-1.0", "ODC-By"}
            | _opendefinition("odc-by"),
        ),
        _licence(
            "PDDL-1.0",
            "https://opendatacommons.org/licenses/pddl/1-0/",
            "Open Data Commons Public Domain Dedication and License 1.0 (PDDL)",
            "Open Data Commons Public Domain Dedication and License 1.0 (PDDL)",
            _web(
                (
                    "opendatacommons.org/licenses/pddl/1-0",
                    "opendatacommons.org/licenses/pddl/1.0",
                    "opendatacommons.org/licenses/pddl",
                    "opendatacommons.org/licenses/pddl/summary",
                ),
                ODC_SUFFIXES,
            )
            | {EU_LICENCE + "ODC_PDDL", "odc-pddl", "PDDL-1.0", "PDDL"}
            | _opendefinition("odc-pddl"),
        ),
    ]
    owner: dict[str, str] = {}
    for entry in lic:
        for key in [entry["iri"], *entry["aliases"]]:
            if key in owner and owner[key] != entry["id"]:
                raise SystemExit(f"error: licence alias {key} used by {owner[key]} and {entry['id']}")
            owner[key] = entry["id"]
    return sorted(lic, key=lambda e: e["id"])


# --------------------------------------------------------------------------------------------
# The project's own curated tables (written by hand: the authority RDF we vendor carries no labels,
# media types or extensions for file types, and no labels for frequencies)
# --------------------------------------------------------------------------------------------

# code: (sv label, en label, media types, extensions). The first media type is the canonical one.
FILE_TYPES_CURATED: dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...]]] = {
    "CSV": ("CSV (kommaseparerade värden)", "CSV (comma-separated values)", ("text/csv", "application/csv"),
            ("csv",)),
    "TSV": ("TSV (tabbseparerade värden)", "TSV (tab-separated values)", ("text/tab-separated-values",), ("tsv",)),
    "JSON": ("JSON", "JSON", ("application/json",), ("json",)),
    "GEOJSON": ("GeoJSON", "GeoJSON", ("application/geo+json", "application/vnd.geo+json"), ("geojson",)),
    "JSON_LD": ("JSON-LD", "JSON-LD", ("application/ld+json",), ("jsonld",)),
    "XML": ("XML", "XML", ("application/xml", "text/xml"), ("xml",)),
    "XLSX": ("Excel-arbetsbok (XLSX)", "Excel workbook (XLSX)",
             ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",), ("xlsx",)),
    "XLS": ("Excel 97–2003 (XLS)", "Excel 97–2003 (XLS)", ("application/vnd.ms-excel",), ("xls",)),
    "ODS": ("OpenDocument-kalkylblad (ODS)", "OpenDocument spreadsheet (ODS)",
            ("application/vnd.oasis.opendocument.spreadsheet",), ("ods",)),
    "ODT": ("OpenDocument-text (ODT)", "OpenDocument text (ODT)", ("application/vnd.oasis.opendocument.text",),
            ("odt",)),
    "DOCX": ("Word-dokument (DOCX)", "Word document (DOCX)",
             ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",), ("docx",)),
    "DOC": ("Word 97–2003 (DOC)", "Word 97–2003 (DOC)", ("application/msword",), ("doc",)),
    "PPTX": ("PowerPoint-presentation (PPTX)", "PowerPoint presentation (PPTX)",
             ("application/vnd.openxmlformats-officedocument.presentationml.presentation",), ("pptx",)),
    "PDF": ("PDF", "PDF", ("application/pdf",), ("pdf",)),
    "HTML": ("HTML (webbsida)", "HTML (web page)", ("text/html",), ("html", "htm")),
    "TXT": ("Text", "Plain text", ("text/plain",), ("txt",)),
    "MARKDOWN": ("Markdown", "Markdown", ("text/markdown",), ("md",)),
    "YAML": ("YAML", "YAML", ("application/yaml", "text/yaml"), ("yaml", "yml")),
    "ZIP": ("ZIP-arkiv", "ZIP archive", ("application/zip",), ("zip",)),
    "GZIP": ("GZIP-komprimerad fil", "GZIP compressed file", ("application/gzip",), ("gz",)),
    "TAR": ("TAR-arkiv", "TAR archive", ("application/x-tar",), ("tar",)),
    "7Z": ("7-Zip-arkiv", "7-Zip archive", ("application/x-7z-compressed",), ("7z",)),
    "SHP": ("Esri Shapefile", "Esri Shapefile", ("application/x-shapefile",), ("shp",)),
    "GML": ("GML (Geography Markup Language)", "GML (Geography Markup Language)", ("application/gml+xml",),
            ("gml",)),
    "KML": ("KML", "KML", ("application/vnd.google-earth.kml+xml",), ("kml",)),
    "KMZ": ("KMZ (komprimerad KML)", "KMZ (zipped KML)", ("application/vnd.google-earth.kmz",), ("kmz",)),
    "GPKG": ("GeoPackage", "GeoPackage", ("application/geopackage+sqlite3",), ("gpkg",)),
    "GEOTIFF": ("GeoTIFF", "GeoTIFF", (), ("geotiff",)),
    "TIFF": ("TIFF-bild", "TIFF image", ("image/tiff",), ("tif", "tiff")),
    "PNG": ("PNG-bild", "PNG image", ("image/png",), ("png",)),
    "JPEG": ("JPEG-bild", "JPEG image", ("image/jpeg",), ("jpg", "jpeg")),
    "GIF": ("GIF-bild", "GIF image", ("image/gif",), ("gif",)),
    "SVG": ("SVG-bild", "SVG image", ("image/svg+xml",), ("svg",)),
    "NETCDF": ("NetCDF", "NetCDF", ("application/netcdf", "application/x-netcdf"), ("nc",)),
    "PARQUET": ("Apache Parquet", "Apache Parquet", ("application/vnd.apache.parquet",), ("parquet",)),
    "RDF": ("RDF", "RDF", (), ("rdf",)),
    "RDF_XML": ("RDF/XML", "RDF/XML", ("application/rdf+xml",), ()),
    "RDF_TURTLE": ("RDF Turtle", "RDF Turtle", ("text/turtle",), ("ttl",)),
    "RDF_N_TRIPLES": ("RDF N-Triples", "RDF N-Triples", ("application/n-triples",), ("nt",)),
    "N3": ("Notation3", "Notation3", ("text/n3",), ("n3",)),
    "SPARQLQ": ("SPARQL-fråga", "SPARQL query", ("application/sparql-query",), ("rq",)),
    "ATOM": ("Atom-flöde", "Atom feed", ("application/atom+xml",), ("atom",)),
    "RSS": ("RSS-flöde", "RSS feed", ("application/rss+xml",), ("rss",)),
    "SQL": ("SQL", "SQL", ("application/sql",), ("sql",)),
    "DBF": ("dBase (DBF)", "dBase (DBF)", ("application/dbf",), ("dbf",)),
    "GTFS": ("GTFS (kollektivtrafikdata)", "GTFS (public transport data)", (), ()),
    "WMS_SRVC": ("WMS-tjänst (kartbilder)", "WMS service (map images)", (), ()),
    "WFS_SRVC": ("WFS-tjänst (geodataobjekt)", "WFS service (geographic features)", (), ()),
    "WCS_SRVC": ("WCS-tjänst (täckningsdata)", "WCS service (coverages)", (), ()),
    "MAP_SRVC": ("Karttjänst", "Map service", (), ()),
    "BIN": ("Binärfil", "Binary file", ("application/octet-stream",), ("bin",)),
    "OWL": ("OWL-ontologi", "OWL ontology", ("application/owl+xml",), ("owl",)),
    "DWG": ("AutoCAD-ritning (DWG)", "AutoCAD drawing (DWG)", ("image/vnd.dwg",), ("dwg",)),
    "DXF": ("DXF-ritning", "DXF drawing", ("image/vnd.dxf",), ("dxf",)),
    "LAS": ("LAS (punktmoln)", "LAS (point cloud)", (), ("las",)),
    "LAZ": ("LAZ (komprimerat punktmoln)", "LAZ (compressed point cloud)", (), ("laz",)),
    "JPEG2000": ("JPEG 2000-bild", "JPEG 2000 image", ("image/jp2",), ("jp2",)),
    "EPUB": ("EPUB", "EPUB", ("application/epub+zip",), ("epub",)),
    "MP3": ("MP3-ljud", "MP3 audio", ("audio/mpeg",), ("mp3",)),
    "WAV": ("WAV-ljud", "WAV audio", ("audio/wav",), ("wav",)),
}

# Frequency codes DIGG's bundle.json does not label (it labels the 22 DCAT-AP-SE offers)
FREQUENCIES_CURATED: dict[str, tuple[str, str]] = {
    "1MIN": ("varje minut", "every minute"),
    "5MIN": ("var femte minut", "every five minutes"),
    "10MIN": ("var tionde minut", "every ten minutes"),
    "15MIN": ("var femtonde minut", "every fifteen minutes"),
    "30MIN": ("varje halvtimme", "every half hour"),
    "HOURLY": ("varje timme", "hourly"),
    "BIHOURLY": ("varannan timme", "every two hours"),
    "TRIHOURLY": ("var tredje timme", "every three hours"),
    "12HRS": ("var tolfte timme", "every twelve hours"),
    "WEEKLY_5": ("fem gånger i veckan", "five times a week"),
    "QUADRENNIAL": ("vart fjärde år", "every four years"),
    "QUINQUENNIAL": ("vart femte år", "every five years"),
    "SEXENNIAL": ("vart sjätte år", "every six years"),
    "DECENNIAL": ("vart tionde år", "every ten years"),
    "BIDECENNIAL": ("vart tjugonde år", "every twenty years"),
    "TRIDECENNIAL": ("vart trettionde år", "every thirty years"),
    "AS_NEEDED": ("vid behov", "as needed"),
    "NOT_PLANNED": ("inte planerad", "not planned"),
    "OP_DATPRO": ("tillfälliga uppgifter", "provisional data"),
}

LANGUAGE_NS = AUTHORITY + "language/"
PUBLISHER_TYPE_NS = "http://purl.org/adms/publishertype/"


def bundle_choices(bundle: dict, template_id: str) -> list[dict]:
    for template in bundle.get("templates") or []:
        if template.get("id") == template_id:
            return list(template.get("choices") or [])
    raise SystemExit(f"error: template {template_id} not in bundle.json")


def _sv_en(label: dict) -> dict[str, str]:
    return {lang: label[lang] for lang in LANGS if label.get(lang)}


def curate_file_types(table: dict[str, dict]) -> None:
    """Fill labels, media types and extensions of the common file types from the curated table."""
    for code, (sv, en, media, exts) in FILE_TYPES_CURATED.items():
        entry = table.get(code)
        if entry is None:
            raise SystemExit(f"error: curated file type {code} is not in the authority table")
        entry["label"] = {**{"sv": sv, "en": en}, **entry["label"]}
        entry["media_types"] = sorted(set(entry["media_types"]) | set(media), key=lambda m: (m != media[0], m)) \
            if media else entry["media_types"]
        entry["extensions"] = sorted(set(entry["extensions"]) | set(exts))


def curate_frequencies(table: dict[str, dict], bundle: dict | None) -> None:
    """Frequency labels: DIGG's bundle.json where it has them, the curated table for the rest."""
    if bundle is not None:
        for choice in bundle_choices(bundle, "dcat:dcterms:accrualPeriodicity_da"):
            code = choice["value"].rsplit("/", 1)[-1]
            if code in table:
                table[code]["label"] = {**_sv_en(choice.get("label") or {}), **table[code]["label"]}
    for code, (sv, en) in FREQUENCIES_CURATED.items():
        if code in table and not table[code]["label"]:
            table[code]["label"] = {"sv": sv, "en": en}


def build_from_bundle(bundle: dict, template_id: str, namespace: str) -> dict[str, dict]:
    """A code list (languages, publisher types) with sv/en labels from DIGG's bundle.json."""
    out: dict[str, dict] = {}
    for choice in bundle_choices(bundle, template_id):
        iri = choice["value"]
        if not iri.startswith(namespace):
            continue
        out[iri[len(namespace):]] = {"iri": iri, "label": _sv_en(choice.get("label") or {})}
    return out


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")


def notice(infos: dict[str, dict]) -> str:
    rows = "\n".join(
        f"| `{out}` | `{scheme}` | {', '.join(f'`{f}`' for f in info['files'])} | {info['version'] or '?'} |"
        for out, scheme, info in ((out, scheme, infos[out]) for out, scheme, _names, _ft in TABLES)
    )
    return f"""# Vocabulary data: provenance and licence

This folder is generated by `build_vocab.py`; do not edit the JSON files by hand. Refresh with

    python config/vocab/build_vocab.py /path/to/spec/vocabularies

## EU authority tables

The following files are derived from authority tables published by the Publications Office of the
European Union through EU Vocabularies (<https://op.europa.eu/en/web/eu-vocabularies>). The data was
reduced to codes, IRIs, Swedish and English labels and, for file types, the media types and file
extensions the table carries; no values were changed.

| file | authority table | source file(s) | table version |
|---|---|---|---|
{rows}

© European Union, Publications Office of the European Union. The EU Vocabularies authority tables
are made available under the Creative Commons CC0 1.0 Universal public domain dedication
(<https://creativecommons.org/publicdomain/zero/1.0/>); reuse is also authorised under the
Commission's reuse policy (Commission Decision 2011/833/EU). The Publications Office does not endorse
this project or the derived files.

## Curated labels, media types and extensions; DIGG's DCAT-AP-SE labels

The authority tables vendored above carry no labels, media types or extensions for file types and no
labels for frequencies. `build_vocab.py` therefore adds:

* for about 60 common file types (`FILE_TYPES_CURATED`): Swedish and English labels, media types and
  file extensions, written by hand by the datakatalog project;
* for frequencies: the Swedish and English labels of DIGG's DCAT-AP-SE 3.0.1 profile
  (`3.0.1/bundle.json`, template `dcat:dcterms:accrualPeriodicity_da`), and labels written by hand by
  the project (`FREQUENCIES_CURATED`) for the codes DCAT-AP-SE does not offer;
* `languages.json` (EU language authority table codes) and `publisher-types.json` (ADMS publisher
  types): codes, IRIs and Swedish and English labels taken from DIGG's `bundle.json` (templates
  `dcat:dcterms:language` and `adms:publishertype`).

The labels taken from `bundle.json` come from DCAT-AP-SE by DIGG, Agency for Digital Government
(Myndigheten för digital förvaltning), <https://github.com/diggsweden/DCAT-AP-SE>, licensed under
Creative Commons Attribution 4.0 International (CC BY 4.0,
<https://creativecommons.org/licenses/by/4.0/>). They were reduced to codes, IRIs and labels; no
label was changed.

## Licences

`licenses.json` is the datakatalog project's own list (written by hand in `build_vocab.py`, not taken
from an authority table) and is covered by the project's licence. It refers to, but does not contain,
the licences it lists: Creative Commons licences (creativecommons.org), Open Data Commons licences
(opendatacommons.org), SPDX-style identifiers (spdx.org/licenses), identifiers of the EU licence
authority table (`{EU_LICENCE}…`) and CKAN's default `license_id` values.
CKAN's `notspecified` is deliberately not listed: it means that no licence was given.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="folder with the EU authority tables (RDF/XML)")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help=f"output folder (default: {OUT_DIR})")
    parser.add_argument("--bundle", type=Path, default=None,
                        help="DIGG's DCAT-AP-SE bundle.json (frequency, language and publisher-type labels)")
    args = parser.parse_args(argv)
    folder: Path = args.folder
    if not folder.is_dir():
        parser.error(f"{folder} is not a folder")
    args.out.mkdir(parents=True, exist_ok=True)

    bundle = json.loads(args.bundle.read_text(encoding="utf-8")) if args.bundle else None
    infos: dict[str, dict] = {}
    for out, scheme, names, file_types in TABLES:
        table, info = build_table(folder, scheme, names, file_types)
        if not table:
            raise SystemExit(f"error: no concepts of {scheme} found in {', '.join(info['files'])}")
        missing = EXPECTED_CODES.get(out, set()) - table.keys()
        if missing:
            raise SystemExit(f"error: {out}: expected codes missing: {', '.join(sorted(missing))}")
        if file_types:
            curate_file_types(table)
        if out == "frequencies.json":
            curate_frequencies(table, bundle)
        write_json(args.out / out, table)
        infos[out] = info

        unlabelled = sum(1 for e in table.values() if not e["label"])
        no_sv = sum(1 for e in table.values() if e["label"] and "sv" not in e["label"])
        deprecated = sum(1 for e in table.values() if e.get("deprecated"))
        print(f"{out}: {len(table)} entries (version {info['version'] or '?'}; {', '.join(info['files'])})")
        if deprecated:
            print(f"  {deprecated} deprecated")
        if no_sv:
            print(f"  {no_sv} without a Swedish label (English only)")
        if unlabelled:
            print(
                f"  warning: {unlabelled} entries without any sv/en label: the source carries none",
                file=sys.stderr,
            )
        if file_types:
            if info["format_properties"]:
                for how, n in sorted(info["format_properties"].items()):
                    print(f"  {n} values from {how}")
            else:
                print(
                    "  warning: no media-type or extension properties in the source; lists left empty",
                    file=sys.stderr,
                )

    licenses = build_licenses()
    write_json(args.out / "licenses.json", licenses)
    print(f"licenses.json: {len(licenses)} licences, {sum(len(e['aliases']) for e in licenses)} aliases")

    if bundle is not None:
        for name, template, namespace in (("languages.json", "dcat:dcterms:language", LANGUAGE_NS),
                                          ("publisher-types.json", "adms:publishertype", PUBLISHER_TYPE_NS)):
            table = build_from_bundle(bundle, template, namespace)
            write_json(args.out / name, table)
            print(f"{name}: {len(table)} entries from bundle.json")

    (args.out / "LICENSE-NOTICE.md").write_text(notice(infos), encoding="utf-8")
    print("LICENSE-NOTICE.md written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
