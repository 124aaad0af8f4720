"""Controlled vocabularies: EU file types, data themes, frequencies, access rights and licences.

The tables are vendored from the EU Vocabularies authority tables into ``config/vocab/*.json``
(``config/vocab/build_vocab.py`` rebuilds them; see its LICENSE-NOTICE.md). Lookups here normalise
the loose values sources send ("CSV", "text/csv", ".../file-type/CSV", "cc-by") to one code.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from catalog.resources import read_config_text

FILE_TYPE_NS = "http://publications.europa.eu/resource/authority/file-type/"
THEME_NS = "http://publications.europa.eu/resource/authority/data-theme/"
FREQUENCY_NS = "http://publications.europa.eu/resource/authority/frequency/"
ACCESS_RIGHT_NS = "http://publications.europa.eu/resource/authority/access-right/"
LANGUAGE_NS = "http://publications.europa.eu/resource/authority/language/"
PUBLISHER_TYPE_NS = "http://purl.org/adms/publishertype/"
HVD_CATEGORY_NS = "http://data.europa.eu/bna/"
# the implementing regulation on high-value datasets, as DCAT-AP HVD wants it in dcatap:applicableLegislation
HVD_LEGISLATION = "http://data.europa.eu/eli/reg_impl/2023/138/oj"
IANA_MEDIA_NS = ("https://www.iana.org/assignments/media-types/", "http://www.iana.org/assignments/media-types/")


def _load(name: str) -> Any:
    return json.loads(read_config_text("vocab", name))


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """A code list: code -> (IRI, labels)."""

    namespace: str
    entries: dict[str, dict[str, Any]]

    def iri(self, code: str) -> str:
        entry = self.entries.get(code)
        return str(entry["iri"]) if entry else self.namespace + code

    def label(self, code: str, lang: str = "sv") -> str:
        entry = self.entries.get(code)
        if not entry:
            return code
        labels: dict[str, str] = entry.get("label") or {}
        return labels.get(lang) or labels.get("en") or code

    def labels(self, code: str) -> dict[str, str]:
        entry = self.entries.get(code)
        return dict(entry.get("label") or {}) if entry else {}

    def code(self, value: str) -> str | None:
        """The code of an IRI in this vocabulary (http or https), or of a bare code; None otherwise."""
        value = value.strip()
        for ns in (self.namespace, self.namespace.replace("http://", "https://", 1)):
            if value.startswith(ns):
                code = value[len(ns) :].strip("/")
                return code if code in self.entries else None
        if value in self.entries:  # codes in lower case (the HVD categories' c_164e0bf5)
            return value
        upper = value.upper()
        return upper if upper in self.entries else None

    def lookup(self, value: str) -> str | None:
        """Like :meth:`code`, and also by a Swedish or English label, case-insensitively."""
        code = self.code(value)
        if code is not None:
            return code
        return self._by_label().get(value.strip().casefold())

    def _by_label(self) -> dict[str, str]:
        cached = _LABEL_INDEX.get(self.namespace)
        if cached is None:
            cached = {}
            for code, entry in self.entries.items():
                for text in (entry.get("label") or {}).values():
                    cached.setdefault(str(text).casefold(), code)
            _LABEL_INDEX[self.namespace] = cached
        return cached


_LABEL_INDEX: dict[str, dict[str, str]] = {}


@lru_cache
def themes() -> Vocabulary:
    return Vocabulary(THEME_NS, _load("data-themes.json"))


@lru_cache
def file_types() -> Vocabulary:
    return Vocabulary(FILE_TYPE_NS, _load("file-types.json"))


@lru_cache
def frequencies() -> Vocabulary:
    return Vocabulary(FREQUENCY_NS, _load("frequencies.json"))


@lru_cache
def access_rights() -> Vocabulary:
    return Vocabulary(ACCESS_RIGHT_NS, _load("access-rights.json"))


@lru_cache
def languages() -> Vocabulary:
    return Vocabulary(LANGUAGE_NS, _load("languages.json"))


@lru_cache
def publisher_types() -> Vocabulary:
    return Vocabulary(PUBLISHER_TYPE_NS, _load("publisher-types.json"))


@lru_cache
def hvd_categories() -> Vocabulary:
    """The six top-level high-value dataset categories (config/vocab/hvd-categories.json)."""
    return Vocabulary(HVD_CATEGORY_NS, _load("hvd-categories.json"))


def hvd_category_code(value: str | None) -> str | None:
    """The facet value of an HVD category: its code (``c_164e0bf5``) for any ``data.europa.eu/bna/``
    IRI (sub-categories included, which the vendored table does not label), else the value as given."""
    if not value or not value.strip():
        return None
    text = value.strip()
    for ns in (HVD_CATEGORY_NS, HVD_CATEGORY_NS.replace("http://", "https://", 1)):
        if text.startswith(ns):
            return text[len(ns):].strip("/") or None
    return hvd_categories().lookup(text) or text


def hvd_category_iri(value: str | None) -> str | None:
    """The IRI of an HVD category given by IRI, code or label ("Meteorological"); None when unknown."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.startswith(("http://data.europa.eu/bna/c_", "https://data.europa.eu/bna/c_")):
        return HVD_CATEGORY_NS + text.split("/bna/", 1)[1].strip("/")
    code = hvd_categories().lookup(text)
    return hvd_categories().iri(code) if code else None


# labels of the legislation datasets cite most (the facet's other values are their own IRI)
LEGISLATION_LABELS: dict[str, dict[str, str]] = {
    HVD_LEGISLATION: {"sv": "Genomförandeförordning (EU) 2023/138 om värdefulla datamängder",
                      "en": "Implementing Regulation (EU) 2023/138 on high-value datasets"},
}
_ELI_SCHEMES = re.compile(r"^https?://data\.europa\.eu/eli/")


def legislation_iri(value: str | None) -> str | None:
    """An ELI of EU legislation in one form (http, no trailing slash); other IRIs as given; None for
    text that is no IRI."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if _ELI_SCHEMES.match(text):
        return "http://data.europa.eu/eli/" + text.split("/eli/", 1)[1].rstrip("/")
    return text if text.startswith(("http://", "https://")) else None


def legislation_label(iri: str, lang: str = "sv") -> str:
    labels = LEGISLATION_LABELS.get(legislation_iri(iri) or iri)
    return (labels.get(lang) or labels["en"]) if labels else iri


def media_type(code: str | None) -> str | None:
    """The canonical media type of an EU file-type code (``CSV`` -> ``text/csv``), when one is known."""
    if not code:
        return None
    entry = file_types().entries.get(code)
    media: list[str] = (entry or {}).get("media_types") or []
    return media[0] if media else None


def language_code(value: str | None) -> str | None:
    """An EU language code from its IRI, the code itself or a two-letter tag (``sv`` -> ``SWE``)."""
    if not value:
        return None
    code = languages().code(value)
    if code:
        return code
    return _ISO639_1.get(value.strip().lower())


_ISO639_1 = {"sv": "SWE", "en": "ENG", "fi": "FIN", "no": "NOR", "nb": "NOB", "nn": "NNO", "da": "DAN",
             "de": "DEU", "fr": "FRA", "es": "SPA", "se": "SME", "is": "ISL", "et": "EST", "ar": "ARA",
             "so": "SOM", "fa": "FAS", "pl": "POL", "ru": "RUS", "uk": "UKR", "it": "ITA", "nl": "NLD"}

# IRI namespace -> the vocabulary that labels it (for typing and labelling concepts in DCAT output)
_CONCEPT_VOCABS = (themes, frequencies, access_rights, file_types, languages, publisher_types, hvd_categories)


def concept_labels(iri: str) -> dict[str, str]:
    """Swedish and English labels of a concept IRI of one of the vocabularies; {} when unknown."""
    for vocabulary in _CONCEPT_VOCABS:
        voc = vocabulary()
        if iri.startswith(voc.namespace):
            code = voc.code(iri)
            return voc.labels(code) if code else {}
    return {}


@lru_cache
def _format_index() -> dict[str, str]:
    """Every loose spelling of a format (code, media type, extension) -> EU file-type code."""
    index: dict[str, str] = {}
    entries = file_types().entries
    for code, entry in entries.items():
        for media in entry.get("media_types") or []:
            index.setdefault(media.lower(), code)
        for ext in entry.get("extensions") or []:
            index.setdefault(ext.lower().lstrip("."), code)
    # Codes win over extensions and media types that happen to share a spelling.
    for code in entries:
        index[code.lower()] = code
    # Spellings sources really send that the authority table does not list.
    extra = {
        "text/csv": "CSV", "application/csv": "CSV", "json": "JSON", "application/json": "JSON",
        "geojson": "GEOJSON", "application/geo+json": "GEOJSON", "application/vnd.geo+json": "GEOJSON",
        "xml": "XML", "application/xml": "XML", "text/xml": "XML", "excel": "XLSX",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
        "application/vnd.ms-excel": "XLS", "application/pdf": "PDF", "text/html": "HTML",
        "application/zip": "ZIP", "shape": "SHP", "shapefile": "SHP", "esri shapefile": "SHP",
        "wms": "WMS_SRVC", "wfs": "WFS_SRVC", "api": "JSON", "rdf": "RDF", "rdf/xml": "RDF_XML",
        "application/rdf+xml": "RDF_XML", "text/turtle": "RDF_TURTLE", "turtle": "RDF_TURTLE",
        "application/ld+json": "JSON_LD", "json-ld": "JSON_LD", "application/n-triples": "RDF_N_TRIPLES",
        "text/plain": "TXT", "gtfs": "GTFS", "application/x-protobuf": "BIN",
    }
    for spelling, code in extra.items():
        if code in entries:
            index.setdefault(spelling, code)
    return index


_MEDIA_PARAMS = re.compile(r";.*$")


@lru_cache(maxsize=4096)
def format_code(value: str | None) -> str | None:
    """Normalise a format IRI, code, media type (or IANA media-type IRI) or extension to an EU code."""
    if not value:
        return None
    value = value.strip()
    ft = file_types()
    for ns in (FILE_TYPE_NS, FILE_TYPE_NS.replace("http://", "https://", 1)):
        if value.startswith(ns):
            code = value[len(ns) :].strip("/").upper()
            return code if code in ft.entries else None
    for ns in IANA_MEDIA_NS:
        if value.startswith(ns):
            value = value[len(ns) :]
            break
    key = _MEDIA_PARAMS.sub("", value).strip().lower()
    index = _format_index()
    if key in index:
        return index[key]
    if "/" in key and not key.startswith("http"):
        # vendor media types such as application/vnd.foo+json
        for suffix, code in (("+json", "JSON"), ("+xml", "XML")):
            if key.endswith(suffix) and code in ft.entries:
                return code
    return None


def theme_code(value: str | None) -> str | None:
    """The EU data-theme code of an IRI, a code or a label ("Transport", "Miljö"); None when unknown."""
    return themes().lookup(value) if value else None


def theme_iri(value: str) -> str:
    """The canonical IRI of a theme; values that match nothing are kept as they are."""
    code = theme_code(value)
    return themes().iri(code) if code else value


@dataclass(frozen=True, slots=True)
class Licence:
    id: str
    iri: str
    label: dict[str, str]


@lru_cache
def _licences() -> tuple[dict[str, Licence], dict[str, Licence]]:
    by_id: dict[str, Licence] = {}
    by_alias: dict[str, Licence] = {}
    for entry in _load("licenses.json"):
        lic = Licence(entry["id"], entry["iri"], entry.get("label") or {})
        by_id[lic.id] = lic
        for alias in [lic.id, lic.iri, *(entry.get("aliases") or [])]:
            by_alias[_licence_key(alias)] = lic
    return by_id, by_alias


_SCHEME = re.compile(r"^https?://")
_LEGALCODE = re.compile(r"/(legalcode|deed\.[a-z-]+)(\.[a-z]+)?$")


@lru_cache(maxsize=4096)
def _licence_key(value: str) -> str:
    key = _SCHEME.sub("", value.strip().lower())
    return _LEGALCODE.sub("", key).rstrip("/")


@lru_cache(maxsize=4096)
def licence(value: str | None) -> Licence | None:
    """The known licence an IRI, SPDX-style id or CKAN licence id stands for."""
    if not value:
        return None
    return _licences()[1].get(_licence_key(value))


def licence_iri(value: str | None) -> str | None:
    """The canonical IRI for a licence value; unknown IRIs are kept as they are."""
    if not value:
        return None
    known = licence(value)
    if known:
        return known.iri
    return value.strip()


def licence_code(iri: str | None) -> str | None:
    """The facet value of a licence: SPDX-style id where one is known, else the IRI."""
    if not iri:
        return None
    known = licence(iri)
    return known.id if known else iri


def licence_label(code: str, lang: str = "sv") -> str:
    known = _licences()[0].get(code) or licence(code)
    if not known:
        return code
    return known.label.get(lang) or known.label.get("en") or known.id


def access_code(value: str | None) -> str | None:
    return access_rights().code(value) if value else None


# -- text values sources send where DCAT wants an IRI (issue 14) --------------------------------
#
# Each function maps an IRI of its vocabulary (http or https), a code, a Swedish or English label or
# a word sources really write to the canonical IRI, and gives None for what it cannot map: the caller
# keeps such a value as the source gave it and notes it on the record.


def word_key(value: str) -> str:
    """A loose spelling as one key: case, accents (å, ä, ö), spaces and underscores folded
    ("Månadsvis" -> "manadsvis", "Non public" -> "non-public")."""
    folded = unicodedata.normalize("NFKD", value.strip().casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return re.sub(r"[\s_]+", "-", plain).strip("-.")


def _mapped(value: str | None, vocabulary: Vocabulary, words: dict[str, str]) -> str | None:
    if not value or not value.strip():
        return None
    code = vocabulary.lookup(value) or words.get(word_key(value))
    return vocabulary.iri(code) if code else None


# ISO 639-2/B codes that differ from the ISO 639-2/T (= EU) code
_ISO639_2B = {"ger": "DEU", "fre": "FRA", "dut": "NLD", "cze": "CES", "gre": "ELL", "chi": "ZHO", "per": "FAS",
              "ice": "ISL", "slo": "SLK", "rum": "RON", "alb": "SQI", "arm": "HYE", "baq": "EUS", "geo": "KAT",
              "mac": "MKD", "may": "MSA", "tib": "BOD", "wel": "CYM"}
_LANGUAGE_TAG = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]{2,8})*$", re.IGNORECASE)


def language_iri(value: str | None) -> str | None:
    """The EU language IRI of an IRI, an EU code, an ISO 639-1/-2/-3 code or BCP 47 tag ("en", "eng",
    "sv-SE", "ger") or a Swedish or English name ("svenska", "English"); None when unknown."""
    if not value or not value.strip():
        return None
    voc = languages()
    code = voc.lookup(value)
    if code is None:
        tag = _LANGUAGE_TAG.match(value.strip())
        if tag:
            primary = tag.group(1).lower()
            code = _ISO639_1.get(primary) or _ISO639_2B.get(primary) or voc.code(primary)
    return voc.iri(code) if code else None


# Words and durations sources write for an update frequency -> EU frequency code; the table's own
# labels ("daily", "dagligen", "every two weeks") are found through the vocabulary.
FREQUENCY_WORDS: dict[str, str] = {
    # Swedish
    "daglig": "DAILY", "dagligen": "DAILY", "varje-dag": "DAILY", "dag": "DAILY",
    "veckovis": "WEEKLY", "varje-vecka": "WEEKLY", "vecka": "WEEKLY", "varannan-vecka": "BIWEEKLY",
    "manadsvis": "MONTHLY", "manatlig": "MONTHLY", "manatligen": "MONTHLY", "varje-manad": "MONTHLY",
    "kvartalsvis": "QUARTERLY", "varje-kvartal": "QUARTERLY", "halvarsvis": "ANNUAL_2",
    "arlig": "ANNUAL", "arligen": "ANNUAL", "arsvis": "ANNUAL", "varje-ar": "ANNUAL", "vartannat-ar": "BIENNIAL",
    "timvis": "HOURLY", "varje-timme": "HOURLY", "kontinuerligt": "CONT", "lopande": "CONT",
    "realtid": "UPDATE_CONT", "i-realtid": "UPDATE_CONT", "oregelbundet": "IRREG", "oregelbunden": "IRREG",
    "vid-behov": "AS_NEEDED", "aldrig": "NEVER", "okand": "UNKNOWN", "ingen-uppdatering": "NOT_PLANNED",
    # English
    "day": "DAILY", "week": "WEEKLY", "month": "MONTHLY", "annually": "ANNUAL", "yearly": "ANNUAL",
    "year": "ANNUAL", "fortnightly": "BIWEEKLY", "semiannual": "ANNUAL_2", "semi-annual": "ANNUAL_2",
    "semiannually": "ANNUAL_2", "half-yearly": "ANNUAL_2", "biannual": "ANNUAL_2", "quarter": "QUARTERLY",
    "hour": "HOURLY", "real-time": "UPDATE_CONT", "realtime": "UPDATE_CONT", "live": "UPDATE_CONT",
    "continuously": "CONT", "continual": "CONT", "irregularly": "IRREG", "as-required": "AS_NEEDED",
    "on-demand": "AS_NEEDED", "not-planned": "NOT_PLANNED", "no-updates": "NOT_PLANNED",
    # ISO 8601 durations (also as repeating intervals, "R/P1D")
    "pt1m": "1MIN", "pt5m": "5MIN", "pt10m": "10MIN", "pt15m": "15MIN", "pt30m": "30MIN",
    "pt1h": "HOURLY", "pt2h": "BIHOURLY", "pt3h": "TRIHOURLY", "pt12h": "12HRS",
    "p1d": "DAILY", "p1w": "WEEKLY", "p7d": "WEEKLY", "p2w": "BIWEEKLY", "p14d": "BIWEEKLY",
    "p1m": "MONTHLY", "p2m": "BIMONTHLY", "p3m": "QUARTERLY", "p6m": "ANNUAL_2", "p1y": "ANNUAL",
    "p12m": "ANNUAL", "p2y": "BIENNIAL", "p3y": "TRIENNIAL", "p4y": "QUADRENNIAL", "p5y": "QUINQUENNIAL",
    "p10y": "DECENNIAL",
}
# Dublin Core's Collection Description Frequency vocabulary (DCAT-AP 1.x sources still use it)
CLD_FREQ_NS = ("http://purl.org/cld/freq/", "https://purl.org/cld/freq/")
_CLD_FREQUENCIES = {
    "triennial": "TRIENNIAL", "biennial": "BIENNIAL", "annual": "ANNUAL", "semiannual": "ANNUAL_2",
    "threeTimesAYear": "ANNUAL_3", "quarterly": "QUARTERLY", "bimonthly": "BIMONTHLY", "monthly": "MONTHLY",
    "semimonthly": "MONTHLY_2", "biweekly": "BIWEEKLY", "threeTimesAMonth": "MONTHLY_3", "weekly": "WEEKLY",
    "semiweekly": "WEEKLY_2", "threeTimesAWeek": "WEEKLY_3", "daily": "DAILY", "continuous": "CONT",
    "irregular": "IRREG",
}


def frequency_iri(value: str | None) -> str | None:
    """The EU frequency IRI of an IRI (EU or Dublin Core's purl.org/cld/freq), a code, a label or a
    word ("daily", "Månadsvis", "årligen", "P1W", "R/P1D"); None when unknown."""
    if not value or not value.strip():
        return None
    text = value.strip()
    for ns in CLD_FREQ_NS:
        if text.startswith(ns):
            code = _CLD_FREQUENCIES.get(text[len(ns):].strip("/"))
            return frequencies().iri(code) if code else None
    if text.upper().startswith("R/P") or text.upper().startswith("R/PT"):
        text = text[2:]
    return _mapped(text, frequencies(), FREQUENCY_WORDS)


# Words sources write for access rights -> EU access-right code (besides the table's labels:
# "public", "offentligt", "restricted", "begränsad åtkomst", "non-public", "icke-offentligt" …)
ACCESS_WORDS: dict[str, str] = {
    "open": "PUBLIC", "open-data": "PUBLIC", "oppen": "PUBLIC", "oppna": "PUBLIC", "oppna-data": "PUBLIC",
    "offentlig": "PUBLIC", "publik": "PUBLIC", "allman": "PUBLIC",
    "begransad": "RESTRICTED", "begransat": "RESTRICTED", "limited": "RESTRICTED",
    "nonpublic": "NON_PUBLIC", "non-public": "NON_PUBLIC", "not-public": "NON_PUBLIC", "icke-offentlig": "NON_PUBLIC",
    "ej-offentlig": "NON_PUBLIC", "inte-offentlig": "NON_PUBLIC", "ej-offentligt": "NON_PUBLIC",
}


def access_right_iri(value: str | None) -> str | None:
    """The EU access-right IRI of an IRI, a code, a label or a word ("public", "öppen",
    "restricted", "non-public"); None when unknown."""
    return _mapped(value, access_rights(), ACCESS_WORDS)


def theme_iri_of(value: str | None) -> str | None:
    """The EU data-theme IRI of an IRI, a code ("TRAN", "tran") or a Swedish or English label
    ("Transport", "Miljö"); None when unknown (:func:`theme_iri` keeps such a value instead)."""
    code = theme_code(value)
    return themes().iri(code) if code else None
