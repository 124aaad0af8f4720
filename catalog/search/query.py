"""Search parameters: the one parser behind GET /api/datasets, the export route, ``datakatalog search``
and ``export``, and the portal's /datasets page.

Whoever receives a search (a query string, CLI options, a web form) hands the raw values to
:func:`query_from_params` (or :func:`export_query_from_params`) and gets a checked
:class:`SearchQuery` back, or a :class:`~catalog.errors.FieldError` naming the parameter that is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from catalog import vocab
from catalog.errors import FieldError

FACETS = ("publisher", "theme", "format", "license", "keyword", "source", "type", "access", "hvd_category",
          "applicable_legislation")
# facets stored under a shorter name than the parameter that filters them (dataset_facet.facet holds 20
# characters; a wider column would cost a migration for one name)
STORED_NAMES = {"applicable_legislation": "legislation"}
SORTS = ("relevance", "modified", "title", "quality")
STATUSES = ("active", "withdrawn", "all")
COLLAPSES = ("services",)
MAX_PER_PAGE = 1000
MAX_PAGE = 100_000
MAX_TEXT = 500
# facets whose values are stored in lower case, so a filter matches whatever case it is given in
LOWER_CASE = frozenset({"keyword", "type", "access"})


@dataclass(slots=True)
class SearchQuery:
    q: str | None = None
    filters: dict[str, list[str]] = field(default_factory=dict)
    status: str = "active"
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    facet_limit: int = 50
    min_quality: float | None = None
    # "services": each API listed once (catalog.search.serving), a service serving one dataset folded into it
    collapse: str | None = None


@dataclass(frozen=True, slots=True)
class Parameter:
    """One search parameter, as a query string or a form gives it (the API documents these)."""

    name: str
    description: str
    kind: str = "string"  # string, integer or number
    repeatable: bool = False
    choices: tuple[str, ...] = ()
    paging: bool = False  # only where results come a page at a time (not in exports)


_FACET_HELP = {
    "publisher": "Publisher id",
    "theme": "EU data-theme code (TRAN)",
    "format": "EU file-type code (CSV)",
    "license": "Licence id (CC-BY-4.0) or IRI",
    "keyword": "Keyword, any case",
    "source": "Source name",
    "type": "dataset or dataservice",
    "access": "open, restricted or non-public",
    "hvd_category": "High-value dataset category: code (c_164e0bf5) or IRI (http://data.europa.eu/bna/c_164e0bf5)",
    "applicable_legislation": "Legislation IRI the dataset is published under (the HVD regulation: "
                              "http://data.europa.eu/eli/reg_impl/2023/138/oj)",
}
PARAMETERS: tuple[Parameter, ...] = (
    Parameter("q", f"Free text, Swedish or English (at most {MAX_TEXT} characters)"),
    *(Parameter(f, _FACET_HELP[f] + "; repeat to OR values, facets AND together", repeatable=True)
      for f in FACETS),
    Parameter("sort", "Result order", choices=SORTS),
    Parameter("status", "Which datasets: active (default), withdrawn or all", choices=STATUSES),
    Parameter("min_quality", "Only datasets scoring at least this (0-100)", kind="number"),
    Parameter("collapse", "services: list each API once; a data service serving exactly one listed dataset is "
              "left out and shown in that dataset's services", choices=COLLAPSES),
    Parameter("page", f"Page number, from 1 (at most {MAX_PAGE})", kind="integer", paging=True),
    Parameter("per_page", f"Results per page (1-{MAX_PER_PAGE}, default 20)", kind="integer", paging=True),
)


def parse_query(
    *, q: str | None = None, filters: Mapping[str, Iterable[str]] | None = None, status: str = "active",
    sort: str = "relevance", page: int = 1, per_page: int = 20, min_quality: float | None = None,
    collapse: str | None = None,
) -> SearchQuery:
    """A checked search from typed values (raises FieldError naming the bad one).

    Empty filter values are dropped; keyword, type and access values are lower-cased (they are stored
    so); names that are not facets are ignored."""
    if q is not None and len(q) > MAX_TEXT:
        raise FieldError("q", f"at most {MAX_TEXT} characters")
    if sort not in SORTS:
        raise FieldError("sort", f"must be one of {', '.join(SORTS)}")
    if status not in STATUSES:
        raise FieldError("status", f"must be one of {', '.join(STATUSES)}")
    if not 1 <= page <= MAX_PAGE:
        raise FieldError("page", f"must be between 1 and {MAX_PAGE}")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise FieldError("per_page", f"must be between 1 and {MAX_PER_PAGE}")
    if min_quality is not None and not 0 <= min_quality <= 100:
        raise FieldError("min_quality", "must be between 0 and 100")
    if collapse is not None and collapse not in COLLAPSES:
        raise FieldError("collapse", f"must be {' or '.join(COLLAPSES)}")
    clean: dict[str, list[str]] = {}
    for facet, values in (filters or {}).items():
        if facet in FACETS:
            kept = [_facet_value(facet, v) for v in values if v]
            if kept:
                clean[facet] = kept
    return SearchQuery(q=(q or "").strip() or None, filters=clean, status=status, sort=sort, page=page,
                       per_page=per_page, min_quality=min_quality, collapse=collapse)


def _facet_value(facet: str, value: str) -> str:
    """A filter value as the facet stores it: lower case for some; an HVD category's code for its IRI;
    an ELI in its one form."""
    if facet in LOWER_CASE:
        return value.lower()
    if facet == "hvd_category":
        return vocab.hvd_category_code(value) or value
    if facet == "applicable_legislation":
        return vocab.legislation_iri(value) or value
    return value


def query_from_params(params: Mapping[str, Sequence[str]], *, paged: bool = True) -> SearchQuery:
    """A checked search from raw parameters: name -> every value given for it, as strings.

    This is what a query string (``publisher=a&publisher=b``), CLI options or a web form hold. Facets
    (``FACETS``) take every value (OR within a facet, AND across facets); ``q``, ``sort``, ``status``,
    ``min_quality``, ``collapse``, ``page`` and ``per_page`` take the last one; an empty value counts as not given,
    so a form's blank fields ask for the defaults. ``paged=False`` (exports) leaves ``page`` and
    ``per_page`` at their defaults. Names that are no search parameter are ignored: the caller may
    have its own (``format``, ``lang``). Raises FieldError naming the parameter that is wrong.
    """

    def last(name: str) -> str | None:
        values = [v for v in params.get(name) or () if v != ""]
        return values[-1] if values else None

    def number(name: str, default: int) -> int:
        raw = last(name)
        if raw is None:
            return default
        try:
            return int(raw.strip())
        except ValueError:
            raise FieldError(name, f"must be a whole number, not {raw[:40]!r}") from None

    min_quality: float | None = None
    raw_quality = last("min_quality")
    if raw_quality is not None:
        try:
            min_quality = float(raw_quality.strip())
        except ValueError:
            raise FieldError("min_quality", f"must be a number, not {raw_quality[:40]!r}") from None
    return parse_query(
        q=last("q"), filters={f: list(params[f]) for f in FACETS if params.get(f)},
        status=last("status") or "active", sort=last("sort") or "relevance",
        page=number("page", 1) if paged else 1, per_page=number("per_page", 20) if paged else 20,
        min_quality=min_quality, collapse=last("collapse"),
    )


def export_query_from_params(params: Mapping[str, Sequence[str]]) -> tuple[str | None, SearchQuery]:
    """(export format, search) from the raw parameters of an export request.

    ``format`` says both, so that one query string can ask for a CSV of the GeoJSON datasets
    (``format=csv&format=GEOJSON``): a lower-case name (``csv``) is the export format (at most one;
    None when none is given), anything else is an EU file-type code filtering the datasets, as in
    search. Whether the name is a format datakatalog writes is the exporter's to say."""
    export_format: str | None = None
    file_types: list[str] = []
    for value in params.get("format") or ():
        if value.isalnum() and value.islower():
            if export_format is not None:
                raise FieldError("format", f"one export format, not both {export_format!r} and {value!r}")
            export_format = value
        elif value:
            file_types.append(value)
    return export_format, query_from_params({**params, "format": file_types}, paged=False)


def params_of(**values: str | int | float | Sequence[str] | None) -> dict[str, list[str]]:
    """Typed values (CLI options) as raw parameters for :func:`query_from_params`: None is left
    out, a single value becomes a list of one."""
    out: dict[str, list[str]] = {}
    for name, value in values.items():
        if value is None:
            continue
        out[name] = [value] if isinstance(value, str) else (
            [str(value)] if isinstance(value, int | float) else [str(v) for v in value])
    return out
