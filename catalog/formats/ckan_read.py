"""Mapping a CKAN package dict (as ``package_search`` / ``package_show`` return it) to a DatasetRecord.

Pure: plain data in, a record out; no HTTP, no database, no settings. The harvester's CKAN adapter
(``harvester/adapters/ckan.py``) fetches the pages and hands every package to :func:`map_package`.

The mapping is deterministic (tags, themes and extras sorted, no clock) so that an unchanged package
hashes the same on every run and costs nothing in storage. Field choices follow what CKAN itself
and ckanext-dcat mean by each field:

- dataset URI: the ``uri`` extra, else ``{portal}/dataset/{id}`` (the stable id, not the name, so a
  renamed package keeps its datakatalog id); distributions likewise use the package id;
- publisher: the organisation (its ``uri``/``url`` extra, else its page on the portal), or the
  ``publisher_*`` extras of a package without an organisation;
- groups become EU data themes through :data:`GROUP_THEMES`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from catalog import vocab
from catalog.errors import ParseError
from catalog.ids import slug
from catalog.normalise import (
    email_iri,
    is_web_url,
    looks_like_url,
    normalise_date,
    normalise_timestamp,
    temporal_interval,
)
from catalog.rdf.describe import sort_statements
from catalog.rdf.namespaces import DCT, LOCN, RDF
from catalog.records import Agent, ContactPoint, DatasetRecord, Distribution, LangMap

DEFAULT_LANGUAGE = "sv"
GEOJSON_LITERAL = "http://www.opengis.net/ont/geosparql#geoJSONLiteral"

# CKAN group names and titles (slugged: lower-case ASCII, "miljö" -> "miljo") -> EU data-theme code.
# A whole slug is looked up first, then each of its words ("kultur-och-fritid" -> "kultur").
GROUP_THEMES: dict[str, str] = {
    # TRAN — transport
    "transport": "TRAN", "transporter": "TRAN", "trafik": "TRAN", "kollektivtrafik": "TRAN",
    "trafik-och-transport": "TRAN", "transportation": "TRAN", "infrastruktur": "TRAN",
    # ENVI — environment
    "miljo": "ENVI", "environment": "ENVI", "klimat": "ENVI", "natur": "ENVI", "miljo-och-klimat": "ENVI",
    # EDUC — education, culture and sport
    "utbildning": "EDUC", "skola": "EDUC", "forskola": "EDUC", "education": "EDUC",
    "kultur": "EDUC", "fritid": "EDUC", "idrott": "EDUC", "turism": "EDUC", "culture": "EDUC",
    # HEAL — health
    "halsa": "HEAL", "sjukvard": "HEAL", "vard": "HEAL", "omsorg": "HEAL", "health": "HEAL",
    "vard-och-omsorg": "HEAL",
    # ECON — economy and finance
    "ekonomi": "ECON", "naringsliv": "ECON", "finans": "ECON", "budget": "ECON", "economy": "ECON",
    "arbete": "ECON", "arbetsmarknad": "ECON",
    # SOCI — population and society
    "befolkning": "SOCI", "samhalle": "SOCI", "demografi": "SOCI", "social": "SOCI", "population": "SOCI",
    "befolkning-och-samhalle": "SOCI", "socialtjanst": "SOCI",
    # GOVE — government and public sector
    "regering": "GOVE", "offentlig-sektor": "GOVE", "politik": "GOVE", "forvaltning": "GOVE",
    "demokrati": "GOVE", "government": "GOVE", "kommun-och-politik": "GOVE", "namnder": "GOVE",
    # ENER — energy
    "energi": "ENER", "energy": "ENER",
    # AGRI — agriculture, fisheries, forestry and food
    "jordbruk": "AGRI", "skogsbruk": "AGRI", "fiske": "AGRI", "livsmedel": "AGRI", "agriculture": "AGRI",
    # JUST — justice, legal system and public safety
    "rattsvasende": "JUST", "brott": "JUST", "sakerhet": "JUST", "krisberedskap": "JUST", "justice": "JUST",
    "trygghet": "JUST",
    # REGI — regions and cities
    "bostader": "REGI", "boende": "REGI", "stadsplanering": "REGI", "samhallsplanering": "REGI",
    "bygga-och-bo": "REGI", "plan-och-bygg": "REGI", "kartor": "REGI", "geodata": "REGI", "regions": "REGI",
    # TECH — science and technology
    "vetenskap": "TECH", "teknik": "TECH", "digitalisering": "TECH", "science": "TECH",
    # INTR — international issues
    "internationellt": "INTR", "international": "INTR",
}

# Frequency, access-right and language words ("monthly", "öppen", "sv") are mapped by catalog.vocab,
# the one home of those rules for every adapter.

# CKAN licence ids that say "no licence we can name"; they map to no licence, with a note.
_NO_LICENCE = re.compile(r"^(notspecified|other(-.*)?|none|)$", re.IGNORECASE)

# Formats that are services rather than files: their URL is an access URL, not a download URL.
_SERVICE_FORMATS = {"WMS_SRVC", "WFS_SRVC", "WCS_SRVC", "WMTS_SRVC"}


_API_TAIL = re.compile(r"/api(/\d+)?(/action(/[^/]*)?)?/?$")


def portal_base(url: str) -> str:
    """The portal's base URL (no trailing slash) from what a user registered, even an action URL."""
    base = url.split("#", 1)[0].split("?", 1)[0]
    return _API_TAIL.sub("", base).rstrip("/")


def extras_of(package: dict[str, Any]) -> dict[str, str]:
    """CKAN extras (a list of {key, value}, or already a dict) as a dict of non-empty strings."""
    raw = package.get("extras") or []
    pairs = raw.items() if isinstance(raw, dict) else ((e.get("key"), e.get("value")) for e in raw
                                                          if isinstance(e, dict))
    out: dict[str, str] = {}
    for key, value in pairs:
        if isinstance(key, str) and value not in (None, "") and not isinstance(value, dict | list):
            out[key] = str(value).strip()
    return out


def _str(data: dict[str, Any], key: str) -> str:
    """A string field, stripped; "" when it is missing or not a string."""
    value = data.get(key)
    return value.strip() if isinstance(value, str) else ""


def _text_map(value: Any, lang: str) -> LangMap:
    """A CKAN text field as a language map: a plain string in ``lang``, or a {lang: text} dict."""
    if isinstance(value, dict):
        return {str(k): str(v).strip() for k, v in sorted(value.items()) if isinstance(v, str) and v.strip()}
    if isinstance(value, str) and value.strip():
        return {lang: value.strip()}
    return {}


def _values(value: Any) -> list[str]:
    """An extra or field that holds one value or several: a list, a JSON list as text (as
    ckanext-dcat stores them), or text separated by commas."""
    if isinstance(value, list):
        items: list[Any] = value
    elif isinstance(value, str) and value.strip().startswith("["):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        items = parsed if isinstance(parsed, list) else [value]
    elif isinstance(value, str):
        items = value.split(",")
    else:
        items = []
    return list(dict.fromkeys(str(v).strip() for v in items if isinstance(v, str | int) and str(v).strip()))


def _languages(package: dict[str, Any], extras: dict[str, str]) -> list[str]:
    """The EU language IRIs of the ``language`` field or extra (codes, tags, IRIs or names)."""
    out: list[str] = []
    for value in _values(package.get("language") or extras.get("language")):
        iri = vocab.language_iri(value)
        if iri and iri not in out:
            out.append(iri)
    return out


def _language(languages: list[str]) -> str:
    """The language tag a package's untagged text is in: its first language's ISO 639-1 tag."""
    for iri in languages:
        tag = _TAGS.get(iri.rsplit("/", 1)[-1])
        if tag:
            return tag
    return DEFAULT_LANGUAGE


# EU language codes -> the tag text in that language is stored under
_TAGS = {"SWE": "sv", "ENG": "en", "FIN": "fi", "NOR": "no", "NOB": "nb", "NNO": "nn", "DAN": "da", "DEU": "de",
         "FRA": "fr", "SME": "se"}


def _publisher(package: dict[str, Any], extras: dict[str, str], base: str, lang: str) -> Agent | None:
    org = package.get("organization")
    if isinstance(org, dict) and (org.get("name") or org.get("title")):
        org_extras = extras_of(org)
        uri = next((org_extras[k] for k in ("uri", "url") if is_web_url(org_extras.get(k))), None)
        if uri is None and org.get("name"):
            uri = f"{base}/organization/{org['name']}"
        # an organisation's name is the portal's, not in the language of one package of it
        title = org.get("title_translated") or org.get("title") or org.get("name")
        name = _text_map(title, DEFAULT_LANGUAGE)
        homepage = org_extras.get("url") if is_web_url(org_extras.get("url")) else None
        email = org_extras.get("email")
        return Agent(uri=uri, name=name, email=email_iri(email), homepage=homepage)
    if extras.get("publisher_name") or extras.get("publisher_uri"):
        uri = extras.get("publisher_uri")
        return Agent(uri=uri if is_web_url(uri) else None,
                     name=_text_map(extras.get("publisher_name"), lang),
                     email=email_iri(extras.get("publisher_email")),
                     homepage=extras.get("publisher_url") if is_web_url(extras.get("publisher_url")) else None)
    return None


def _contacts(package: dict[str, Any], extras: dict[str, str]) -> list[ContactPoint]:
    """The contact point: the maintainer, else the author, else ckanext-dcat's contact_* extras."""
    for name_key, email_key in (("maintainer", "maintainer_email"), ("author", "author_email")):
        email = email_iri(package.get(email_key))
        if email:
            name = package.get(name_key)
            return [ContactPoint(name=name.strip() if isinstance(name, str) and name.strip() else None,
                                 email=email)]
    email = email_iri(extras.get("contact_email"))
    if email or extras.get("contact_name"):
        uri = extras.get("contact_uri")
        return [ContactPoint(uri=uri if is_web_url(uri) else None, name=extras.get("contact_name"), email=email,
                             url=extras.get("contact_url") if is_web_url(extras.get("contact_url")) else None)]
    return []


def group_theme(group: dict[str, Any]) -> str | None:
    """The EU data-theme code a CKAN group stands for, if its name or title says so."""
    for field in ("name", "title", "display_name"):
        value = group.get(field)
        if not isinstance(value, str) or not value.strip():
            continue
        key = slug(value, 80)
        if key in GROUP_THEMES:
            return GROUP_THEMES[key]
        code = vocab.theme_code(key)
        if code:
            return code
    for field in ("name", "title"):
        value = group.get(field)
        if isinstance(value, str):
            for word in slug(value, 80).split("-"):
                if word in GROUP_THEMES:
                    return GROUP_THEMES[word]
    return None


def _themes(package: dict[str, Any], extras: dict[str, str]) -> list[str]:
    codes: set[str] = set()
    for group in package.get("groups") or []:
        if isinstance(group, dict):
            code = group_theme(group)
            if code:
                codes.add(code)
    # ckanext-dcat keeps dcat:theme IRIs in a "theme" extra (a JSON list or one IRI)
    for value in re.findall(r"https?://[^\s\"',\]]+", extras.get("theme", "")):
        code = vocab.theme_code(value)
        if code:
            codes.add(code)
    themes = vocab.themes()
    return [themes.iri(code) for code in sorted(codes)]


def _keywords(package: dict[str, Any], lang: str) -> dict[str, list[str]]:
    out: dict[str, set[str]] = {}
    for tag in package.get("tags") or []:
        word = tag.get("display_name") or tag.get("name") if isinstance(tag, dict) else tag
        if isinstance(word, str) and word.strip():
            out.setdefault(lang, set()).add(word.strip())
    # ckanext-fluent's multilingual keywords: {"sv": [...], "en": [...]}
    fluent = package.get("keywords")
    if isinstance(fluent, dict):
        for key, words in fluent.items():
            for word in words if isinstance(words, list) else []:
                if isinstance(word, str) and word.strip():
                    out.setdefault(str(key), set()).add(word.strip())
    return {key: sorted(words, key=lambda w: (w.casefold(), w)) for key, words in sorted(out.items())}


def _licence(package: dict[str, Any], notes: list[str]) -> str | None:
    lic_id = package.get("license_id")
    lic_id = lic_id.strip() if isinstance(lic_id, str) else ""
    known = vocab.licence(lic_id) if lic_id else None
    if known:
        return known.iri
    if _NO_LICENCE.match(lic_id):
        if lic_id:
            title = package.get("license_title") or lic_id
            notes.append(f"licence {title!r} ({lic_id}) names no licence that can be linked; none set")
        return None
    url = package.get("license_url")
    if isinstance(url, str) and is_web_url(url.strip()):
        return vocab.licence_iri(url.strip())
    notes.append(f"unknown licence id {lic_id!r}; none set")
    return None


def _format(resource: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(EU file-type code, the raw format, media type) of a resource."""
    raw = _str(resource, "format") or None
    mimetype = _str(resource, "mimetype")
    media = mimetype if "/" in mimetype else (raw if raw and "/" in raw else None)
    code = vocab.format_code(raw) or vocab.format_code(media)
    url = _str(resource, "url")
    if code is None and url:
        last = url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        if "." in last:
            code = vocab.format_code(last.rsplit(".", 1)[-1])
    return code, raw or media, media


def _distribution(resource: dict[str, Any], package_id: str, base: str, lang: str,
                  notes: list[str]) -> Distribution:
    code, raw, media = _format(resource)
    url = _str(resource, "url")
    rid = _str(resource, "id")
    uri = _str(resource, "uri")  # ckanext-dcat keeps a distribution's own IRI here
    service = code in _SERVICE_FORMATS or resource.get("resource_type") in ("api", "service")
    size = resource.get("size")
    byte_size = None
    if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
        byte_size = size
    elif isinstance(size, str) and size.strip().isdigit():
        byte_size = int(size.strip())
    lic = resource.get("license_id") or resource.get("license")
    return Distribution(
        uri=uri if is_web_url(uri) else (f"{base}/dataset/{package_id}/resource/{rid}" if rid else None),
        title=_text_map(resource.get("name_translated") or resource.get("name"), lang),
        description=_text_map(resource.get("description_translated") or resource.get("description"), lang),
        access_urls=[url] if url else [],
        download_urls=[url] if url and not service else [],
        format=code,
        format_raw=raw,
        media_type=media,
        license=vocab.licence_iri(lic) if isinstance(lic, str) and vocab.licence(lic) else None,
        byte_size=byte_size,
        issued=normalise_timestamp(resource.get("created"), notes, "resource created date"),
        modified=normalise_timestamp(resource.get("last_modified") or resource.get("metadata_modified"), notes,
                       "resource modified date"),
    )


def _mapped(value: str | None, mapper: Callable[[str], str | None], what: str, notes: list[str]) -> str | None:
    """A vocabulary IRI from an extra (a code, a word, an IRI); a value it cannot map is kept as
    given, with a note (issue 14)."""
    if not value or not value.strip():
        return None
    iri = mapper(value)
    if iri:
        return iri
    if not is_web_url(value.strip()):
        notes.append(f"{what} {value.strip()!r} is no value of its EU vocabulary; kept as text")
    return value.strip()


def _hvd(extras: dict[str, str], notes: list[str]) -> tuple[list[str], list[str]]:
    """(HVD category IRIs, applicable legislation IRIs) from the ``hvd_category`` and
    ``applicable_legislation`` extras (one value, a JSON list, or values separated by commas)."""
    categories: list[str] = []
    for value in _values(extras.get("hvd_category")):
        iri = vocab.hvd_category_iri(value)
        if iri is None:
            notes.append(f"HVD category {value!r} is no value of the EU HVD category list; kept as text")
        categories.append(iri or value)
    legislation: list[str] = []
    for value in _values(extras.get("applicable_legislation")):
        iri = vocab.legislation_iri(value)
        if iri is None:
            notes.append(f"applicable legislation {value!r} is no IRI; kept as text")
        legislation.append(iri or value)
    return list(dict.fromkeys(categories)), list(dict.fromkeys(legislation))


def _temporal(extras: dict[str, str], notes: list[str]) -> list[dict[str, str]]:
    period: dict[str, str] = {}
    for name in ("start", "end"):
        raw = extras.get(f"temporal_{name}")
        value = normalise_date(raw, notes) if raw else None
        if value:
            period[name] = value
    if not period and extras.get("temporal"):  # an ISO 8601 interval in one extra
        interval = temporal_interval(extras["temporal"], notes)
        if interval:
            period = interval
    return [period] if period else []


def is_harvestable(package: dict[str, Any]) -> bool:
    """Private and deleted (or draft) packages are never harvested."""
    return package.get("private") is not True and package.get("state", "active") == "active"


def package_ref(package: dict[str, Any], base: str) -> str:
    """How a job report names a package: its page on the portal."""
    return f"{base}/dataset/{package.get('name') or package.get('id') or '?'}"


def map_package(package: dict[str, Any], base: str) -> DatasetRecord:
    """Map one CKAN package to a normalised record (raises ParseError when it has no id)."""
    if not isinstance(package, dict):
        raise ParseError(f"a package is a {type(package).__name__}, not an object")
    package_id = package.get("id")
    if not isinstance(package_id, str) or not package_id.strip():
        raise ParseError("the package has no id")
    package_id = package_id.strip()
    base = base.rstrip("/")
    extras = extras_of(package)
    languages = _languages(package, extras)
    lang = _language(languages)
    notes: list[str] = []
    hvd_categories, legislation = _hvd(extras, notes)
    name = package.get("name") if isinstance(package.get("name"), str) else package_id
    uri = extras.get("uri")
    rec = DatasetRecord(
        uri=uri if is_web_url(uri) else f"{base}/dataset/{package_id}",
        identifier=package_id,
        title=_text_map(package.get("title_translated") or package.get("title"), lang),
        description=_text_map(package.get("notes_translated") or package.get("notes"), lang),
        publisher=_publisher(package, extras, base, lang),
        keywords=_keywords(package, lang),
        themes=_themes(package, extras),
        license=_licence(package, notes),
        access_rights=_mapped(extras.get("access_rights"), vocab.access_right_iri, "access rights", notes),
        issued=normalise_timestamp(package.get("metadata_created"), notes, "metadata_created"),
        modified=normalise_timestamp(package.get("metadata_modified"), notes, "metadata_modified"),
        contact_points=_contacts(package, extras),
        landing_pages=[f"{base}/dataset/{name}"],
        languages=languages or [vocab.languages().iri("SWE")],
        frequency=_mapped(extras.get("frequency") or extras.get("accrual_periodicity"), vocab.frequency_iri,
                          "frequency", notes),
        conforms_to=[v for v in _values(extras.get("conforms_to")) if looks_like_url(v)],
        hvd_categories=hvd_categories,
        applicable_legislation=legislation,
        version=extras.get("version") or (package.get("version") if isinstance(package.get("version"), str)
                                         and package["version"].strip() else None),
        temporal=_temporal(extras, notes),
    )
    source_url = package.get("url")
    if isinstance(source_url, str) and is_web_url(source_url.strip()) and source_url.strip() not in rec.landing_pages:
        rec.documentation = [source_url.strip()]
    spatial = extras.get("spatial_uri") or extras.get("spatial")
    if spatial and not spatial.lstrip().startswith("{"):
        rec.spatial = [spatial]
    elif spatial:  # a GeoJSON geometry: a dct:Location with its locn:geometry, as ckanext-dcat writes it
        rec.extra = sort_statements([*rec.extra, [DCT + "spatial", {"node": sort_statements([
            [RDF + "type", {"iri": DCT + "Location"}],
            [LOCN + "geometry", {"literal": spatial.strip(), "datatype": GEOJSON_LITERAL}]])}]])
    for resource in package.get("resources") or []:
        if isinstance(resource, dict) and resource.get("state", "active") == "active":
            rec.distributions.append(_distribution(resource, package_id, base, lang, notes))
    rec.notes = notes
    return rec
