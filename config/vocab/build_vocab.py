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
    args = parser.parse_args(argv)
    folder: Path = args.folder
    if not folder.is_dir():
        parser.error(f"{folder} is not a folder")
    args.out.mkdir(parents=True, exist_ok=True)

    infos: dict[str, dict] = {}
    for out, scheme, names, file_types in TABLES:
        table, info = build_table(folder, scheme, names, file_types)
        if not table:
            raise SystemExit(f"error: no concepts of {scheme} found in {', '.join(info['files'])}")
        missing = EXPECTED_CODES.get(out, set()) - table.keys()
        if missing:
            raise SystemExit(f"error: {out}: expected codes missing: {', '.join(sorted(missing))}")
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

    (args.out / "LICENSE-NOTICE.md").write_text(notice(infos), encoding="utf-8")
    print("LICENSE-NOTICE.md written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
