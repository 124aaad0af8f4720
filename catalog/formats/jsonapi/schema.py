"""The mapping-profile schema: the TOML tables of a profile as pydantic models, and their error messages.

Every table is a model that forbids unknown keys; a field's ``description`` is what a wrong value is
told it should be. A profile is validated whole when it is loaded, so that a broken one is refused
when its source is registered, with a message naming the key path (``dataset.title[1].path: bad
JMESPath expression …``), never at harvest time. ``config/mappings/README.md`` documents every key
(a test derives the key list from these models).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import types
from collections.abc import Iterator, Sequence
from typing import Annotated, Any, ClassVar, Literal, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from catalog.errors import InvalidInput
from catalog.formats.jsonapi.jmes import BadExpression, Expr, Template


class ProfileError(ValueError):
    """A refusal raised inside a validator: ``key`` is the path below the value being validated."""

    def __init__(self, key: str, message: str, where: str = "") -> None:
        super().__init__(message)
        self.key = key
        self.message = message
        self.where = where


class Table(BaseModel):
    """A TOML table of a profile: unknown keys are refused, values are never coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)
    expected: ClassVar[str] = "a table is needed"
    """What a value that is not a table is told."""

    @classmethod
    def keys(cls) -> list[str]:
        return list(cls.model_fields)


# -- value types ------------------------------------------------------------------------------


def _expression(value: Any) -> Expr:
    try:
        return Expr(value)
    except BadExpression as exc:
        raise ProfileError("", exc.message, exc.where) from exc


def _template(value: Any) -> Template:
    try:
        return Template(value)
    except BadExpression as exc:
        raise ProfileError("", exc.message, exc.where) from exc


Scalar = str | int | float | bool


def _scalar(value: Any) -> Scalar:
    if isinstance(value, str | int | float | bool):
        return value
    raise ProfileError("", "text, a number or a boolean")


def _map_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise ProfileError("", "the value must be text")


def _version(value: Any) -> str:
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)
    raise ProfileError("", "text or a number")


Expression = Annotated[Expr, PlainValidator(_expression)]
TemplateText = Annotated[Template, PlainValidator(_template)]
Constant = Annotated[Scalar, PlainValidator(_scalar)]
MapText = Annotated[str, PlainValidator(_map_text)]


def _named_map(value: Any, info: ValidationInfo) -> Any:
    """A map given by name is the [maps] table of that name."""
    if not isinstance(value, str):
        return value
    maps = (info.context or {}).get("maps")
    if not isinstance(maps, dict) or value not in maps:
        raise ProfileError("", f"no map named {value!r} in [maps]")
    return maps[value]


def _lower_keys(value: dict[str, str]) -> dict[str, str]:
    """Source values are looked up trimmed and case-insensitively."""
    return {str(k).strip().lower(): v for k, v in value.items()}


def _as_table(value: Any) -> Any:
    """A field given as a string is a JMESPath path."""
    return {"path": value} if isinstance(value, str) else value


def _as_list(value: Any) -> Any:
    return value if isinstance(value, list) else [value]


# -- fields -----------------------------------------------------------------------------------


class Spec(Table):
    """How one value is built: exactly one of path / template / value, then split, map, default, lang."""

    expected: ClassVar[str] = "a field is a JMESPath string or a table with path, template or value"

    path: Expression | None = Field(default=None, description="a JMESPath expression on the record")
    template: TemplateText | None = Field(default=None, description="text with {placeholders}")
    value: Constant | None = Field(default=None, description="text, a number or a boolean")
    map: dict[str, MapText] | None = Field(default=None, description="the name of a [maps] table or an inline table")
    lang: str = Field(default="", pattern=r"^([a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*)?$",
                      description='a language tag such as "sv" or "en"')
    default: Constant | None = Field(default=None, description="text, a number or a boolean")
    split: str | None = Field(default=None, min_length=1, description="a non-empty separator string")

    @field_validator("map", mode="before")
    @classmethod
    def _map_by_name(cls, value: Any, info: ValidationInfo) -> Any:
        return _named_map(value, info)

    @field_validator("map", mode="after")
    @classmethod
    def _map_keys(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        return _lower_keys(value) if value is not None else None

    @field_validator("lang", mode="after")
    @classmethod
    def _lang_lower(cls, value: str) -> str:
        return value.lower()

    @model_validator(mode="after")
    def _one_source(self) -> Spec:
        if sum(k in self.model_fields_set for k in ("path", "template", "value")) != 1:
            raise ProfileError("", "give exactly one of path, template or value")
        return self


Specs = Annotated[list[Annotated[Spec, BeforeValidator(_as_table)]], BeforeValidator(_as_list),
                  Field(min_length=1)]
"""A field: a JMESPath string, a table, or a list of them (fallbacks for single values, languages for text)."""


class Publisher(Table):
    uri: Specs | None = None
    name: Specs | None = None
    type: Specs | None = None
    email: Specs | None = None
    homepage: Specs | None = None


class Contact(Table):
    name: Specs | None = None
    email: Specs | None = None
    phone: Specs | None = None
    url: Specs | None = None


class Distribution(Table):
    """A distribution's fields; with ``each``, they apply to every element of that list in turn."""

    uri: Specs | None = None
    title: Specs | None = None
    description: Specs | None = None
    access_url: Specs | None = None
    download_url: Specs | None = None
    format: Specs | None = None
    media_type: Specs | None = None
    license: Specs | None = None
    applicable_legislation: Specs | None = None
    each: Expression | None = Field(default=None, description="a JMESPath expression giving a list")


class Dataset(Table):
    """How each dataset field is built, with its publisher, contact point and distributions."""

    uri: Specs | None = None
    identifier: Specs | None = None
    title: Specs | None = None
    description: Specs | None = None
    keywords: Specs | None = None
    themes: Specs | None = None
    license: Specs | None = None
    access_rights: Specs | None = None
    issued: Specs | None = None
    modified: Specs | None = None
    landing_page: Specs | None = None
    documentation: Specs | None = None
    language: Specs | None = None
    spatial: Specs | None = None
    frequency: Specs | None = None
    conforms_to: Specs | None = None
    version: Specs | None = None
    temporal: Specs | None = None
    temporal_start: Specs | None = None
    temporal_end: Specs | None = None
    hvd_category: Specs | None = None
    applicable_legislation: Specs | None = None
    publisher: Publisher | None = None
    contact: Contact | None = None
    distribution: Annotated[list[Distribution], BeforeValidator(_as_list)] = Field(default_factory=list)


class Service(Table):
    """The data service each record also becomes (record mode)."""

    uri: Specs | None = None
    title: Specs | None = None
    description: Specs | None = None
    endpoint_url: Specs | None = None
    endpoint_description: Specs | None = None
    access_rights: Specs | None = None
    license: Specs | None = None
    keywords: Specs | None = None
    themes: Specs | None = None
    landing_page: Specs | None = None
    documentation: Specs | None = None
    hvd_category: Specs | None = None
    applicable_legislation: Specs | None = None
    publisher: Publisher | None = None


# -- where the records are and how to page -----------------------------------------------------


class Records(Table):
    path: Expression = Field(description="where the records are, and each record's id")
    id: Expression = Field(description="where the records are, and each record's id")


class Paging(Table):
    style: Literal["next", "page", "offset", "none"] = "none"
    next: Expression | None = None
    page_param: str = Field(default="page", min_length=1, description="a query parameter name")
    size_param: str | None = Field(default=None, min_length=1, description="a query parameter name")
    size: int | None = Field(default=None, ge=1, description="a positive whole number")
    start: int = Field(default=1, ge=0, description="a whole number, 0 or more")
    offset_param: str = Field(default="offset", min_length=1, description="a query parameter name")
    limit_param: str = Field(default="limit", min_length=1, description="a query parameter name")
    stop: Literal["empty", "total", "short"] = "empty"
    total: Expression | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Paging:
        given = self.model_fields_set
        if "start" not in given and self.style == "offset":
            self.start = 0
        if "stop" not in given and self.total is not None:
            self.stop = "total"
        if self.style == "next" and self.next is None:
            raise ProfileError("next", 'style "next" needs the path to the next page\'s URL')
        if self.style == "offset" and self.size is None:
            raise ProfileError("size", 'style "offset" needs a page size')
        if self.style in ("page", "offset"):
            if self.stop == "total" and self.total is None:
                raise ProfileError("total", 'stop = "total" needs the path to the total count')
            if self.stop in ("total", "short") and self.size is None:
                raise ProfileError("size", f"stop = {self.stop!r} needs a page size")
        return self


class Collection(Table):
    """One collection of an API; it becomes one dataset."""

    name: str = Field(min_length=1, description="the collection's name")
    url: str = Field(default="", description="a URL relative to the source's URL")
    newest: Expression | None = None
    records: Records
    paging: Paging = Field(default_factory=Paging)
    dataset: Dataset = Field(default_factory=Dataset)

    @model_validator(mode="after")
    def _url_defaults_to_name(self) -> Collection:
        if "url" not in self.model_fields_set:
            self.url = self.name
        return self


# -- the profile ------------------------------------------------------------------------------


class Profile(Table):
    """A validated mapping profile."""

    maps: dict[str, dict[str, MapText]] = Field(default_factory=dict,
                                                description="tables of source value = catalogue value")
    name: str | None = Field(default=None, description="text")
    version: Annotated[str, PlainValidator(_version)] = "1"
    mode: Literal["record", "collection"] = "record"
    paging: Paging = Field(default_factory=Paging)
    records: Records | None = None
    dataset: Dataset | None = None
    service: Service | None = None
    collection: list[Collection] | None = None
    _digest: str = PrivateAttr("")

    @field_validator("maps", mode="after")
    @classmethod
    def _map_keys(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        return {name: _lower_keys(table) for name, table in value.items()}

    @property
    def digest(self) -> str:
        """A hash of the profile's text: part of every page's fingerprint."""
        return self._digest

    @property
    def collections(self) -> list[Collection]:
        return self.collection or []

    @model_validator(mode="before")
    @classmethod
    def _tables_of_its_mode(cls, data: Any) -> Any:
        mode = data.get("mode", "record") if isinstance(data, dict) else None
        if mode == "record" and "collection" in data:
            raise ProfileError("collection", 'only when mode = "collection"')
        if mode == "collection" and "service" in data:
            raise ProfileError("service", 'only when mode = "record"')
        return data

    @model_validator(mode="after")
    def _complete_for_its_mode(self) -> Profile:
        if self.mode == "record":
            for key in ("records", "dataset"):
                if getattr(self, key) is None:
                    raise ProfileError(key, 'required when mode = "record"')
            assert self.dataset is not None
            _require_title(self.dataset, "dataset")
            if self.service is not None:
                for key in ("uri", "endpoint_url"):
                    if getattr(self.service, key) is None:
                        raise ProfileError(f"service.{key}", "required (the data service needs it)")
            return self
        if not self.collection:
            raise ProfileError("collection", 'mode = "collection" needs at least one [[collection]]')
        seen: set[str] = set()
        for i, coll in enumerate(self.collection):
            if coll.name in seen:
                raise ProfileError(f"collection[{i}].name", f"{coll.name!r} is used twice")
            seen.add(coll.name)
            _require_title(coll.dataset, f"collection[{i}].dataset")
        return self


def _require_title(dataset: Dataset, key: str) -> None:
    if dataset.title is None:
        raise ProfileError(f"{key}.title", "required (every dataset needs a title)")


# -- collection mode: the shared tables ---------------------------------------------------------

SHARED = ("records", "paging", "dataset")
"""Top-level tables every [[collection]] starts from; a collection's own keys replace them one by one."""


def _share(raw: dict[str, Any]) -> dict[str, Any]:
    """Collection mode: each collection's records, paging and dataset with the shared keys filled in.

    The shared ``[records]`` is only part of a records table (each collection adds its id), so it is
    not validated where it stands: its keys are checked here, its values in every collection.
    """
    if raw.get("mode") != "collection" or not isinstance(raw.get("collection"), list):
        return raw
    records = raw.get("records", {})
    if not isinstance(records, dict):
        raise ProfileError("records", "a table is needed")
    for k in records:
        if k not in Records.model_fields:
            raise ProfileError(f"records.{k}", f"unknown key (known: {', '.join(Records.keys())})")
    shared = {key: raw.get(key, {}) for key in SHARED if isinstance(raw.get(key, {}), dict)}
    collections: list[Any] = []
    for craw in raw["collection"]:
        if isinstance(craw, dict):
            craw = dict(craw)
            for key, base in shared.items():
                own = craw.get(key, {})
                if isinstance(own, dict):
                    craw[key] = {**base, **own}
        collections.append(craw)
    return {**{k: v for k, v in raw.items() if k != "records"}, "collection": collections}


# -- parsing and error messages --------------------------------------------------------------------


def parse_profile(text: str, name: str = "profile") -> Profile:
    """Parse and validate a profile; raises InvalidInput naming the file and the offending key."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"mapping {name}: not valid TOML: {exc}") from exc
    try:
        raw = _share(raw)
        profile = Profile.model_validate(raw, context={"maps": raw.get("maps")})
    except ProfileError as exc:
        raise InvalidInput(f"mapping {name}: {exc.key}: {exc.message}") from exc
    except ValidationError as exc:
        raise InvalidInput(f"mapping {name}: {error_message(_first(exc.errors()), raw)}") from exc
    if profile.name is None:
        profile.name = name
    profile._digest = hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
    return profile


def _first(errors: list[ErrorDetails]) -> ErrorDetails:
    """The error to report: the first, but an unknown key before a missing one in the same table
    (a misspelt key explains the missing one)."""
    first = errors[0]
    if first["type"] == "missing":
        table = first["loc"][:-1]
        for error in errors:
            if error["type"] == "extra_forbidden" and error["loc"][:-1] == table:
                return error
    return first


def error_message(error: ErrorDetails, raw: Any) -> str:
    """``key.path: what is wrong`` for one pydantic error on the profile document ``raw``."""
    loc = error["loc"]
    path = key_path(loc, raw)
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, ProfileError):
        key = _join(path, cause.key)
        return f"{key}{cause.where}: {cause.message}"
    model, info = _schema_at(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        known = ", ".join(model.keys()) if model is not None else ""
        return f"{path}: unknown key" + (f" (known: {known})" if known else "")
    if kind == "missing":
        return f"{path}: required" + (f" ({info.description})" if info is not None and info.description else "")
    if kind == "literal_error":
        words = re.findall(r"'([^']*)'", str((error.get("ctx") or {}).get("expected", "")))
        return f"{path}: one of {', '.join(words)}, not {error['input']!r}"
    if kind in ("model_type", "model_attributes_type"):
        table = _TABLES.get(str((error.get("ctx") or {}).get("class_name")), Table)
        return f"{path}: {table.expected}"
    if kind == "too_short" and isinstance(error["input"], list):
        return f"{path}: an empty list"
    if info is not None and info.description:
        return f"{path}: {info.description}"
    return f"{path}: {error['msg']}"


def _join(path: str, key: str) -> str:
    if not key:
        return path
    if not path:
        return key
    return path + key if key.startswith("[") else f"{path}.{key}"


def key_path(loc: Sequence[int | str], raw: Any) -> str:
    """The key path of an error location as the profile's author wrote it.

    A field given as one string or one table is validated as a list of one table, so an index or a
    ``path`` that the author did not write is left out: ``dataset.title``, not ``dataset.title.0.path``.
    """
    out = ""
    node: Any = raw
    for comp in loc:
        if isinstance(comp, int):
            if isinstance(node, list):
                out += f"[{comp}]"
                node = node[comp] if comp < len(node) else None
            continue
        if isinstance(node, dict):
            out = _join(out, comp)
            node = node.get(comp)
        elif node is None:
            out = _join(out, comp)
    return out


def _schema_at(loc: Sequence[int | str]) -> tuple[type[Table] | None, FieldInfo | None]:
    """The table holding the last key of ``loc`` and that key's field, found by walking the models."""
    model: type[Table] | None = Profile
    info: FieldInfo | None = None
    for pos, comp in enumerate(loc):
        if isinstance(comp, int):
            continue
        if pos == len(loc) - 1:
            holder = model
            info = model.model_fields.get(comp) if model is not None else None
            return holder, info
        if model is None or comp not in model.model_fields:
            model = None
            continue
        model = _table_in(model.model_fields[comp].annotation)
    return model, None


def _table_in(annotation: Any) -> type[Table] | None:
    """The table model inside a field's type (through Annotated, Optional, list and dict)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _table_in(get_args(annotation)[0])
    if origin in (Union, types.UnionType, list, dict):
        for arg in get_args(annotation):
            found = _table_in(arg)
            if found is not None:
                return found
        return None
    if isinstance(annotation, type) and issubclass(annotation, Table):
        return annotation
    return None


# -- the documented keys ----------------------------------------------------------------------------


def _tables(model: type[Table]) -> Iterator[type[Table]]:
    yield model
    for info in model.model_fields.values():
        inner = _table_in(info.annotation)
        if inner is not None and inner is not model:
            yield from _tables(inner)


def profile_keys() -> set[str]:
    """Every key a profile may use, and every word a key may take (styles, stops, modes)."""
    keys: set[str] = set()
    for model in _tables(Profile):
        for name, info in model.model_fields.items():
            keys.add(name)
            keys.update(_literal_values(info.annotation))
    return keys


def _literal_values(annotation: Any) -> Iterator[str]:
    if get_origin(annotation) is Literal:
        yield from (str(v) for v in get_args(annotation))
        return
    for arg in get_args(annotation):
        yield from _literal_values(arg)


_TABLES = {model.__name__: model for model in _tables(Profile)}
