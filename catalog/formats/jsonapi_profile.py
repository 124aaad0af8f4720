"""Mapping profiles: TOML files that say, without Python, how a JSON API becomes DCAT-AP-SE records.

A profile names the paging style, where the records are (JMESPath), and how every field is built
(paths, constants, templates, value maps, language tags). ``config/mappings/README.md`` documents
every key. Loading validates the whole profile, so that a broken one is refused when its source is
registered (``InvalidInput`` naming the key), not at harvest time. Applying a profile is pure: JSON
in, :class:`~catalog.records.DatasetRecord` out; no fetching, no database.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import jmespath
from jmespath import exceptions as jp_errors
from jmespath import functions as jp_functions

from catalog import vocab
from catalog.errors import CatalogError, FieldError, InvalidInput
from catalog.normalise import mailto, normalise_date, web_url
from catalog.records import Agent, ContactPoint, DatasetRecord, Distribution, LangMap
from catalog.resources import config_file


class BadRecord(CatalogError):
    """One record a profile cannot map (no id, wrong type): reported, the run goes on."""

    status = 422
    title = "Bad record"


# -- JMESPath with a few string helpers APIs need (ids hidden in URLs, odd casing) -------------


class _Functions(jp_functions.Functions):
    @jp_functions.signature({"types": ["string"]}, {"types": ["string"]})  # type: ignore[misc]
    def _func_split(self, text: str, sep: str) -> list[str]:
        return text.split(sep)

    @jp_functions.signature({"types": ["string"]})  # type: ignore[misc]
    def _func_lower(self, text: str) -> str:
        return text.lower()

    @jp_functions.signature({"types": ["string"]})  # type: ignore[misc]
    def _func_upper(self, text: str) -> str:
        return text.upper()

    @jp_functions.signature({"types": ["string"]})  # type: ignore[misc]
    def _func_trim(self, text: str) -> str:
        return text.strip()


_OPTIONS = jmespath.Options(custom_functions=_Functions())
_FUNCTION_NAMES = {name[len("_func_"):] for name in dir(_Functions) if name.startswith("_func_")}


class Expr:
    """A compiled JMESPath expression that remembers its text."""

    __slots__ = ("text", "_parsed")

    def __init__(self, text: str, key: str) -> None:
        if not isinstance(text, str) or not text.strip():
            raise InvalidInput(f"{key}: a JMESPath expression (a non-empty string) is needed")
        try:
            self._parsed = jmespath.compile(text)
        except jp_errors.JMESPathError as exc:
            raise InvalidInput(f"{key}: bad JMESPath expression {text!r}: {_first_line(exc)}") from exc
        for name in _function_calls(self._parsed.parsed):
            if name not in _FUNCTION_NAMES:
                raise InvalidInput(f"{key}: unknown JMESPath function {name}() in {text!r}")
        self.text = text

    def search(self, data: Any) -> Any:
        try:
            return self._parsed.search(data, options=_OPTIONS)
        except jp_errors.JMESPathError as exc:
            raise BadRecord(f"{self.text!r}: {_first_line(exc)}") from exc


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _function_calls(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") == "function_expression":
            yield str(node.get("value"))
        for child in node.get("children") or []:
            yield from _function_calls(child)
    elif isinstance(node, list):
        for child in node:
            yield from _function_calls(child)


_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]+)\}")


class Template:
    """``"{name} – {operator.name}"``: each placeholder is a variable (``id``) or a JMESPath expression."""

    __slots__ = ("text", "parts")

    def __init__(self, text: str, key: str) -> None:
        if not isinstance(text, str):
            raise InvalidInput(f"{key}: a template is a string")
        self.text = text
        self.parts: list[str | Expr] = []
        pos = 0
        for m in _PLACEHOLDER.finditer(text):
            self.parts.append(text[pos:m.start()])
            if m.group(1) is None:
                self.parts.append(m.group(0)[0])
            else:
                self.parts.append(Expr(m.group(1).strip(), f"{key} (placeholder {{{m.group(1)}}})"))
            pos = m.end()
        rest = text[pos:]
        if "{" in rest or "}" in rest:
            raise InvalidInput(f"{key}: unbalanced braces in template {text!r}")
        self.parts.append(rest)

    def render(self, data: Any, variables: dict[str, Any]) -> str | None:
        """The text, or None when a placeholder has no value."""
        out: list[str] = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = variables[part.text] if part.text in variables else part.search(data)
            if value is None or value == "" or value == []:
                return None
            out.append(", ".join(_text(v) for v in value) if isinstance(value, list) else _text(value))
        return "".join(out)


def _text(value: Any) -> str:
    """A JSON scalar as text (booleans as JSON spells them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise BadRecord(f"expected text, a number or a boolean, got {_json_type(value)}")


def _json_type(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return "null" if value is None else type(value).__name__


# -- field specs ----------------------------------------------------------------------------

SPEC_KEYS = ("path", "template", "value", "map", "lang", "default", "split")


@dataclass(frozen=True, slots=True)
class Spec:
    """How one value is built: exactly one of path / template / value, then split, map, default, lang."""

    key: str
    path: Expr | None = None
    template: Template | None = None
    value: Any = None
    map: dict[str, str] | None = None
    lang: str = ""
    default: Any = None
    split: str | None = None

    def values(self, data: Any, variables: dict[str, Any]) -> list[str]:
        """Every value this spec gives for one record (after split and map), as text."""
        if self.path is not None:
            raw: Any = self.path.search(data)
        elif self.template is not None:
            raw = self.template.render(data, variables)
        else:
            raw = self.value
        items = raw if isinstance(raw, list) else [raw]
        out: list[str] = []
        for item in items:
            if item is None:
                continue
            try:
                text = _text(item).strip()
            except BadRecord as exc:
                raise BadRecord(f"{self.key}: {exc.message}") from exc
            pieces = [p.strip() for p in text.split(self.split)] if self.split else [text]
            out.extend(p for p in pieces if p)
        if not out and self.default is not None:
            out = [_text(self.default)]
        if self.map is not None:
            out = [self.map.get(v.lower(), v) for v in out]
        return out


def _parse_spec(raw: Any, key: str, maps: dict[str, dict[str, str]]) -> Spec:
    if isinstance(raw, str):
        return Spec(key=key, path=Expr(raw, key))
    if not isinstance(raw, dict):
        raise InvalidInput(f"{key}: a field is a JMESPath string or a table with path, template or value")
    for k in raw:
        if k not in SPEC_KEYS:
            raise InvalidInput(f"{key}.{k}: unknown key (a field takes {', '.join(SPEC_KEYS)})")
    sources = [k for k in ("path", "template", "value") if k in raw]
    if len(sources) != 1:
        raise InvalidInput(f"{key}: give exactly one of path, template or value")
    value_map: dict[str, str] | None = None
    if "map" in raw:
        m = raw["map"]
        if isinstance(m, str):
            if m not in maps:
                raise InvalidInput(f"{key}.map: no map named {m!r} in [maps]")
            value_map = maps[m]
        elif isinstance(m, dict):
            value_map = _parse_map(m, f"{key}.map")
        else:
            raise InvalidInput(f"{key}.map: the name of a [maps] table or an inline table")
    lang = raw.get("lang", "")
    if not isinstance(lang, str) or not re.fullmatch(r"([a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*)?", lang):
        raise InvalidInput(f"{key}.lang: a language tag such as \"sv\" or \"en\"")
    split = raw.get("split")
    if split is not None and (not isinstance(split, str) or not split):
        raise InvalidInput(f"{key}.split: a non-empty separator string")
    for k in ("value", "default"):
        if k in raw and isinstance(raw[k], dict | list):
            raise InvalidInput(f"{key}.{k}: text, a number or a boolean")
    return Spec(
        key=key,
        path=Expr(raw["path"], f"{key}.path") if "path" in raw else None,
        template=Template(raw["template"], f"{key}.template") if "template" in raw else None,
        value=raw.get("value"), map=value_map, lang=lang.lower(), default=raw.get("default"), split=split,
    )


def _parse_map(raw: Any, key: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise InvalidInput(f"{key}: a table of source value = catalogue value")
    out: dict[str, str] = {}
    for k, v in raw.items():
        if not isinstance(v, str | int | float | bool):
            raise InvalidInput(f"{key}.{k}: the value must be text")
        out[str(k).strip().lower()] = _text(v)
    return out


def _parse_specs(raw: Any, key: str, maps: dict[str, dict[str, str]]) -> list[Spec]:
    """A field: one spec, or a list of them (fallbacks for single values, languages for text)."""
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise InvalidInput(f"{key}: an empty list")
    return [_parse_spec(item, f"{key}[{i}]" if isinstance(raw, list) else key, maps)
            for i, item in enumerate(items)]


# Field kinds: one text per language, keywords per language, one value, a list of values.
TEXT, WORDS, ONE, MANY, DATE = "text", "words", "one", "many", "date"

DATASET_FIELDS = {
    "uri": ONE, "identifier": ONE, "title": TEXT, "description": TEXT, "keywords": WORDS, "themes": MANY,
    "license": ONE, "access_rights": ONE, "issued": DATE, "modified": DATE, "landing_page": MANY,
    "documentation": MANY, "language": MANY, "spatial": MANY, "frequency": ONE, "conforms_to": MANY,
}
PUBLISHER_FIELDS = {"uri": ONE, "name": TEXT, "type": ONE, "email": ONE, "homepage": ONE}
CONTACT_FIELDS = {"name": ONE, "email": ONE, "phone": ONE, "url": ONE}
DISTRIBUTION_FIELDS = {
    "uri": ONE, "title": TEXT, "description": TEXT, "access_url": MANY, "download_url": MANY,
    "format": MANY, "media_type": ONE, "license": ONE,
}
SERVICE_FIELDS = {
    "uri": ONE, "title": TEXT, "description": TEXT, "endpoint_url": MANY, "endpoint_description": MANY,
    "access_rights": ONE, "license": ONE, "keywords": WORDS, "themes": MANY, "landing_page": MANY,
    "documentation": MANY,
}
TOP_KEYS = ("name", "version", "mode", "paging", "records", "dataset", "service", "collection", "maps")
PAGING_KEYS = ("style", "next", "page_param", "size_param", "size", "start", "offset_param", "limit_param",
               "stop", "total")
RECORDS_KEYS = ("path", "id")
COLLECTION_KEYS = ("name", "url", "newest", "records", "paging", "dataset")
STYLES = ("next", "page", "offset", "none")
STOPS = ("empty", "total", "short")
MODES = ("record", "collection")

Fields = dict[str, list[Spec]]


@dataclass(frozen=True, slots=True)
class DistributionSpec:
    """A distribution's specs; with ``each``, they apply to every element of that list in turn."""

    each: Expr | None
    fields: Fields


@dataclass(frozen=True, slots=True)
class EntitySpec:
    """The field specs of a dataset or data service, with its nested publisher, contact, distributions."""

    fields: Fields
    publisher: Fields | None = None
    contact: Fields | None = None
    distributions: list[DistributionSpec] = field(default_factory=list)


def _check_keys(raw: Any, key: str, allowed: Iterable[str]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise InvalidInput(f"{key}: a table is needed")
    allowed = tuple(allowed)
    for k in raw:
        if k not in allowed:
            raise InvalidInput(f"{key}.{k}: unknown key (known: {', '.join(allowed)})")
    return raw


def _parse_fields(raw: dict[str, Any], key: str, kinds: dict[str, str], maps: dict[str, dict[str, str]],
                  nested: Iterable[str] = ()) -> Fields:
    _check_keys(raw, key, [*kinds, *nested])
    return {name: _parse_specs(value, f"{key}.{name}", maps) for name, value in raw.items() if name in kinds}


def _parse_entity(raw: Any, key: str, kinds: dict[str, str], maps: dict[str, dict[str, str]]) -> EntitySpec:
    nested = ("publisher", "contact", "distribution") if kinds is DATASET_FIELDS else ("publisher",)
    raw = _check_keys(raw, key, [*kinds, *nested])
    fields = _parse_fields(raw, key, kinds, maps, nested)
    publisher = (_parse_fields(_check_keys(raw["publisher"], f"{key}.publisher", PUBLISHER_FIELDS),
                               f"{key}.publisher", PUBLISHER_FIELDS, maps) if "publisher" in raw else None)
    contact = (_parse_fields(_check_keys(raw["contact"], f"{key}.contact", CONTACT_FIELDS),
                             f"{key}.contact", CONTACT_FIELDS, maps) if "contact" in raw else None)
    dists_raw = raw.get("distribution", [])
    dists_raw = dists_raw if isinstance(dists_raw, list) else [dists_raw]
    dists: list[DistributionSpec] = []
    for d in dists_raw:
        dkey = f"{key}.distribution"
        d = _check_keys(d, dkey, [*DISTRIBUTION_FIELDS, "each"])
        each = Expr(d["each"], f"{dkey}.each") if "each" in d else None
        dists.append(DistributionSpec(each, _parse_fields(d, dkey, DISTRIBUTION_FIELDS, maps, ("each",))))
    return EntitySpec(fields=fields, publisher=publisher, contact=contact, distributions=dists)


@dataclass(frozen=True, slots=True)
class Paging:
    style: str = "none"
    next: Expr | None = None
    page_param: str = "page"
    size_param: str | None = None
    size: int | None = None
    start: int = 1
    offset_param: str = "offset"
    limit_param: str = "limit"
    stop: str = "empty"
    total: Expr | None = None


def _parse_paging(raw: Any, key: str) -> Paging:
    raw = _check_keys(raw, key, PAGING_KEYS)
    style = raw.get("style", "none")
    if style not in STYLES:
        raise InvalidInput(f"{key}.style: one of {', '.join(STYLES)}, not {style!r}")
    stop = raw.get("stop", "total" if "total" in raw else "empty")
    if stop not in STOPS:
        raise InvalidInput(f"{key}.stop: one of {', '.join(STOPS)}, not {stop!r}")
    for k in ("page_param", "size_param", "offset_param", "limit_param"):
        if k in raw and (not isinstance(raw[k], str) or not raw[k]):
            raise InvalidInput(f"{key}.{k}: a query parameter name")
    size = raw.get("size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 1):
        raise InvalidInput(f"{key}.size: a positive whole number")
    start = raw.get("start", 0 if style == "offset" else 1)
    if not isinstance(start, int) or isinstance(start, bool) or start < 0:
        raise InvalidInput(f"{key}.start: a whole number, 0 or more")
    if style == "next" and "next" not in raw:
        raise InvalidInput(f"{key}.next: style \"next\" needs the path to the next page's URL")
    if style == "offset" and size is None:
        raise InvalidInput(f"{key}.size: style \"offset\" needs a page size")
    if style in ("page", "offset"):
        if stop == "total" and "total" not in raw:
            raise InvalidInput(f"{key}.total: stop = \"total\" needs the path to the total count")
        if stop in ("total", "short") and size is None:
            raise InvalidInput(f"{key}.size: stop = {stop!r} needs a page size")
    return Paging(
        style=style, next=Expr(raw["next"], f"{key}.next") if "next" in raw else None,
        page_param=raw.get("page_param", "page"), size_param=raw.get("size_param"), size=size, start=start,
        offset_param=raw.get("offset_param", "offset"), limit_param=raw.get("limit_param", "limit"),
        stop=stop, total=Expr(raw["total"], f"{key}.total") if "total" in raw else None,
    )


@dataclass(frozen=True, slots=True)
class RecordsSpec:
    path: Expr
    id: Expr


def _parse_records(raw: Any, key: str) -> RecordsSpec:
    raw = _check_keys(raw, key, RECORDS_KEYS)
    for k in RECORDS_KEYS:
        if k not in raw:
            raise InvalidInput(f"{key}.{k}: required (where the records are, and each record's id)")
    return RecordsSpec(path=Expr(raw["path"], f"{key}.path"), id=Expr(raw["id"], f"{key}.id"))


@dataclass(frozen=True, slots=True)
class Collection:
    """One collection of an API; it becomes one dataset."""

    name: str
    url: str
    records: RecordsSpec
    paging: Paging
    dataset: EntitySpec
    newest: Expr | None = None


@dataclass(frozen=True, slots=True)
class Profile:
    """A validated mapping profile."""

    name: str
    version: str
    mode: str
    digest: str
    paging: Paging
    records: RecordsSpec | None
    dataset: EntitySpec | None
    service: EntitySpec | None
    collections: list[Collection]


def _require_title(entity: EntitySpec, key: str) -> None:
    if "title" not in entity.fields:
        raise InvalidInput(f"{key}.title: required (every dataset needs a title)")


def parse_profile(text: str, name: str = "profile") -> Profile:
    """Parse and validate a profile; raises InvalidInput naming the offending key."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"mapping {name}: not valid TOML: {exc}") from exc
    try:
        return _build(raw, name, hashlib.blake2b(text.encode(), digest_size=8).hexdigest())
    except InvalidInput as exc:
        raise InvalidInput(f"mapping {name}: {exc.message}") from exc


def _build(raw: dict[str, Any], name: str, digest: str) -> Profile:
    _check_keys(raw, "profile", TOP_KEYS)
    mode = raw.get("mode", "record")
    if mode not in MODES:
        raise InvalidInput(f"mode: one of {', '.join(MODES)}, not {mode!r}")
    maps_raw = _check_keys(raw.get("maps", {}), "maps", raw.get("maps", {}).keys()
                           if isinstance(raw.get("maps"), dict) else ())
    maps = {k: _parse_map(v, f"maps.{k}") for k, v in maps_raw.items()}
    paging = _parse_paging(raw.get("paging", {}), "paging")
    version = raw.get("version", "1")
    if not isinstance(version, str | int):
        raise InvalidInput("version: text or a number")
    profile_name = raw.get("name", name)
    if not isinstance(profile_name, str):
        raise InvalidInput("name: text")
    if mode == "record":
        for k in ("records", "dataset"):
            if k not in raw:
                raise InvalidInput(f"{k}: required when mode = \"record\"")
        if "collection" in raw:
            raise InvalidInput("collection: only when mode = \"collection\"")
        dataset = _parse_entity(raw["dataset"], "dataset", DATASET_FIELDS, maps)
        _require_title(dataset, "dataset")
        service = None
        if "service" in raw:
            service = _parse_entity(raw["service"], "service", SERVICE_FIELDS, maps)
            for k in ("uri", "endpoint_url"):
                if k not in service.fields:
                    raise InvalidInput(f"service.{k}: required (the data service needs it)")
        return Profile(name=profile_name, version=str(version), mode=mode, digest=digest, paging=paging,
                       records=_parse_records(raw["records"], "records"), dataset=dataset, service=service,
                       collections=[])
    if "service" in raw:
        raise InvalidInput("service: only when mode = \"record\"")
    colls_raw = raw.get("collection")
    if not isinstance(colls_raw, list) or not colls_raw:
        raise InvalidInput("collection: mode = \"collection\" needs at least one [[collection]]")
    base_records = raw.get("records", {})
    _check_keys(base_records, "records", RECORDS_KEYS)
    base_paging = _check_keys(raw.get("paging", {}), "paging", PAGING_KEYS)
    base_dataset = _check_keys(raw.get("dataset", {}), "dataset", [*DATASET_FIELDS, "publisher", "contact",
                                                                    "distribution"])
    collections: list[Collection] = []
    seen: set[str] = set()
    for i, craw in enumerate(colls_raw):
        key = f"collection[{i}]"
        _check_keys(craw, key, COLLECTION_KEYS)
        cname = craw.get("name")
        if not isinstance(cname, str) or not cname:
            raise InvalidInput(f"{key}.name: required (the collection's name)")
        if cname in seen:
            raise InvalidInput(f"{key}.name: {cname!r} is used twice")
        seen.add(cname)
        curl = craw.get("url", cname)
        if not isinstance(curl, str):
            raise InvalidInput(f"{key}.url: a URL relative to the source's URL")
        records = {**base_records, **_check_keys(craw.get("records", {}), f"{key}.records", RECORDS_KEYS)}
        cpaging = {**base_paging, **_check_keys(craw.get("paging", {}), f"{key}.paging", PAGING_KEYS)}
        # a collection's [collection.dataset] keys replace the shared [dataset] keys one by one
        cdataset = {**base_dataset, **_check_keys(craw.get("dataset", {}), f"{key}.dataset",
                                                  [*DATASET_FIELDS, "publisher", "contact", "distribution"])}
        entity = _parse_entity(cdataset, f"{key}.dataset", DATASET_FIELDS, maps)
        _require_title(entity, f"{key}.dataset")
        collections.append(Collection(
            name=cname, url=curl, records=_parse_records(records, f"{key}.records"),
            paging=_parse_paging(cpaging, f"{key}.paging"), dataset=entity,
            newest=Expr(craw["newest"], f"{key}.newest") if "newest" in craw else None,
        ))
    return Profile(name=profile_name, version=str(version), mode=mode, digest=digest, paging=paging,
                   records=None, dataset=None, service=None, collections=collections)


def resolve(mapping: str | None) -> Traversable:
    """A bare name means the bundled ``config/mappings/<name>.toml``; anything else a path to a .toml file."""
    if not mapping or not mapping.strip():
        raise FieldError("mapping", "a jsonapi source needs a mapping profile (--mapping NAME or FILE)")
    mapping = mapping.strip()
    if re.fullmatch(r"[A-Za-z0-9_-]+", mapping):
        return config_file("mappings", f"{mapping}.toml")
    path = Path(mapping).expanduser()
    if path.suffix != ".toml":
        raise FieldError("mapping", f"{mapping!r} is neither a profile name nor a .toml file")
    return path


def bundled_profiles() -> list[str]:
    """Names of the profiles shipped in ``config/mappings/``."""
    return sorted(p.name[:-5] for p in config_file("mappings").iterdir() if p.name.endswith(".toml"))


def load_profile(mapping: str | None) -> Profile:
    """Find, read and validate a profile: FieldError("mapping") when it cannot be found or read,
    InvalidInput naming the key when it is broken."""
    path = resolve(mapping)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        known = bundled_profiles()
        raise FieldError("mapping", f"no profile {mapping!r} (known: {', '.join(known) or 'none'})") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise FieldError("mapping", f"cannot read {mapping!r}: {exc}") from exc
    return parse_profile(text, path.name)


# -- applying a profile ---------------------------------------------------------------------


class _Builder:
    """Evaluates an entity's specs against one JSON value; collects notes on odd values."""

    def __init__(self, data: Any, variables: dict[str, Any]) -> None:
        self.data = data
        self.variables = variables
        self.notes: list[str] = []

    def one(self, specs: list[Spec] | None) -> str | None:
        for spec in specs or []:
            values = spec.values(self.data, self.variables)
            if values:
                return values[0]
        return None

    def many(self, specs: list[Spec] | None) -> list[str]:
        out: dict[str, None] = {}
        for spec in specs or []:
            for value in spec.values(self.data, self.variables):
                out.setdefault(value, None)
        return list(out)

    def text(self, specs: list[Spec] | None) -> LangMap:
        out: LangMap = {}
        for spec in specs or []:
            values = spec.values(self.data, self.variables)
            if values and spec.lang not in out:
                out[spec.lang] = ", ".join(values)
        return out

    def words(self, specs: list[Spec] | None) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for spec in specs or []:
            for value in spec.values(self.data, self.variables):
                words = out.setdefault(spec.lang, [])
                if value not in words:
                    words.append(value)
        return out

    def date(self, specs: list[Spec] | None) -> str | None:
        return normalise_date(self.one(specs), self.notes)

    def urls(self, specs: list[Spec] | None) -> list[str]:
        return [u for u in (web_url(v) for v in self.many(specs)) if u]

    def coded(self, specs: list[Spec] | None, vocabulary: vocab.Vocabulary, what: str) -> list[str]:
        out: list[str] = []
        for value in self.many(specs):
            code = vocabulary.code(value)
            if code:
                out.append(vocabulary.iri(code))
            elif value.startswith(("http://", "https://")):
                out.append(value)
            else:
                self.notes.append(f"unknown {what} {value!r} left out")
        return out

    def agent(self, spec: Fields | None) -> Agent | None:
        if not spec:
            return None
        agent = Agent(uri=self.one(spec.get("uri")), name=self.text(spec.get("name")),
                      type=self.one(spec.get("type")), email=mailto(self.one(spec.get("email"))),
                      homepage=web_url(self.one(spec.get("homepage"))))
        return agent if agent.uri or agent.name else None

    def contact(self, spec: Fields | None) -> list[ContactPoint]:
        if not spec:
            return []
        cp = ContactPoint(name=self.one(spec.get("name")), email=mailto(self.one(spec.get("email"))),
                          phone=self.one(spec.get("phone")), url=web_url(self.one(spec.get("url"))))
        return [cp] if cp.name or cp.email or cp.phone or cp.url else []

    def distributions(self, specs: list[DistributionSpec]) -> list[Distribution]:
        out: list[Distribution] = []
        for dspec in specs:
            if dspec.each is None:
                out.extend(self._distributions(dspec.fields))
                continue
            items = dspec.each.search(self.data)
            for item in items if isinstance(items, list) else [items] if items is not None else []:
                sub = _Builder(item, self.variables)
                out.extend(sub._distributions(dspec.fields))
                self.notes.extend(sub.notes)
        return out

    def _distributions(self, spec: Fields) -> list[Distribution]:
        access, download = self.urls(spec.get("access_url")), self.urls(spec.get("download_url"))
        if not access and not download:
            return []
        uri, media = self.one(spec.get("uri")), self.one(spec.get("media_type"))
        title, description = self.text(spec.get("title")), self.text(spec.get("description"))
        licence = vocab.licence_iri(self.one(spec.get("license")))
        formats = self.many(spec.get("format"))
        options: list[str | None] = [*formats] or [None]
        # one distribution per format: an API that answers in JSON and XML offers two
        return [Distribution(
            uri=f"{uri}#{raw}" if uri and len(options) > 1 else uri, title=dict(title),
            description=dict(description), access_urls=list(access or download), download_urls=list(download),
            format=vocab.format_code(raw) or vocab.format_code(media), format_raw=raw, media_type=media,
            license=licence) for raw in options]


_LANGUAGES = {"sv": "SWE", "en": "ENG", "fi": "FIN", "se": "SME", "de": "DEU", "fr": "FRA", "no": "NOR",
              "nb": "NOB", "nn": "NNO", "da": "DAN"}


def _languages(values: list[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        if value.startswith(("http://", "https://")):
            out.append(value)
            continue
        code = _LANGUAGES.get(value.lower(), value.upper())
        if re.fullmatch(r"[A-Z]{3}", code):
            out.append(vocab.LANGUAGE_NS + code)
    return out


def _build_dataset(b: _Builder, spec: EntitySpec, identifier: str | None) -> DatasetRecord:
    f = spec.fields
    rec = DatasetRecord(kind="dataset")
    rec.uri = b.one(f.get("uri"))
    rec.identifier = b.one(f.get("identifier")) or identifier
    rec.title = b.text(f.get("title"))
    rec.description = b.text(f.get("description"))
    rec.keywords = b.words(f.get("keywords"))
    rec.themes = b.coded(f.get("themes"), vocab.themes(), "theme")
    rec.license = vocab.licence_iri(b.one(f.get("license")))
    rec.access_rights = next(iter(b.coded(f.get("access_rights"), vocab.access_rights(), "access right")), None)
    rec.issued = b.date(f.get("issued"))
    rec.modified = b.date(f.get("modified"))
    rec.landing_pages = b.urls(f.get("landing_page"))
    rec.documentation = b.urls(f.get("documentation"))
    rec.languages = _languages(b.many(f.get("language")))
    rec.spatial = b.many(f.get("spatial"))
    rec.frequency = next(iter(b.coded(f.get("frequency"), vocab.frequencies(), "frequency")), None)
    rec.conforms_to = b.urls(f.get("conforms_to"))
    rec.publisher = b.agent(spec.publisher)
    rec.contact_points = b.contact(spec.contact)
    rec.distributions = b.distributions(spec.distributions)
    _name_twins(rec)
    return rec


def _name_twins(rec: DatasetRecord) -> None:
    """Distributions told apart only by format (one URL, JSON and XML) get IRIs under the dataset's,
    since a distribution's stable id otherwise comes from its URL and the two would share one."""
    by_url: dict[str, list[Distribution]] = {}
    for dist in rec.distributions:
        if not dist.uri and (dist.download_urls or dist.access_urls):
            by_url.setdefault((dist.download_urls or dist.access_urls)[0], []).append(dist)
    for twins in by_url.values():
        if len(twins) > 1 and rec.uri:
            for pos, dist in enumerate(twins):
                label = re.sub(r"[^a-z0-9]+", "-", (dist.format or dist.format_raw or str(pos)).lower())
                dist.uri = f"{rec.uri}#distribution-{label}"


def _build_service(b: _Builder, spec: EntitySpec, dataset: DatasetRecord) -> DatasetRecord:
    f = spec.fields
    svc = DatasetRecord(kind="dataservice")
    svc.uri = b.one(f.get("uri"))
    svc.identifier = svc.uri
    svc.title = b.text(f.get("title")) or dict(dataset.title)
    svc.description = b.text(f.get("description")) or dict(dataset.description)
    svc.endpoint_urls = b.urls(f.get("endpoint_url"))
    svc.endpoint_descriptions = b.urls(f.get("endpoint_description"))
    # what the profile does not say of the service, the dataset it serves does
    svc.access_rights = (next(iter(b.coded(f.get("access_rights"), vocab.access_rights(), "access right")), None)
                         or dataset.access_rights)
    svc.license = vocab.licence_iri(b.one(f.get("license"))) or dataset.license
    svc.keywords = b.words(f.get("keywords")) or {k: list(v) for k, v in dataset.keywords.items()}
    svc.themes = b.coded(f.get("themes"), vocab.themes(), "theme") or list(dataset.themes)
    svc.landing_pages = b.urls(f.get("landing_page"))
    svc.documentation = b.urls(f.get("documentation")) or list(dataset.documentation)
    svc.publisher = b.agent(spec.publisher) or dataset.publisher
    if dataset.uri:
        svc.serves_datasets = [dataset.uri]
    return svc


def record_id(records: RecordsSpec, item: Any) -> str:
    """The id of one JSON record; raises BadRecord for a record that is not an object or has none."""
    if not isinstance(item, dict):
        raise BadRecord(f"the record is {_json_type(item)}, not an object")
    value = records.id.search(item)
    if value is None or value == "":
        raise BadRecord(f"the record has no id at {records.id.text!r}")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise BadRecord(f"the id at {records.id.text!r} is {_json_type(value)}, not text or a number")
    return str(value).strip()


def map_record(profile: Profile, item: Any) -> list[tuple[str, DatasetRecord]]:
    """One JSON record -> its dataset (and the data service serving it), as (reference, record)."""
    assert profile.records is not None and profile.dataset is not None
    rid = record_id(profile.records, item)
    b = _Builder(item, {"id": rid})
    rec = _build_dataset(b, profile.dataset, rid)
    out = [(rec.uri or rid, rec)]
    if profile.service is not None:
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
    b = _Builder(context, {"id": collection.name})
    rec = _build_dataset(b, collection.dataset, collection.name)
    if not rec.modified:
        rec.modified = tally.newest
    b.notes.append(f"{tally.count} poster; fält: {', '.join(tally.fields) or '–'}")
    rec.notes = b.notes
    return rec
