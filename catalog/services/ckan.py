"""The CKAN action use cases (action API v3: package_search, package_show, organization_list …), so
existing CKAN clients such as ``ckanapi`` can read datakatalog.

Datasets, publishers and themes are written in CKAN's shapes by :mod:`catalog.formats.ckan_write`;
this module reads them from the store, parses CKAN's parameters (Solr-style ``q``/``fq``, ``sort``)
and answers as CKAN would, errors included. A withdrawn dataset is ``state: deleted``:
package_show still answers it, searches leave it out (as CKAN does).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from sqlalchemy import Engine, func, select

from catalog import metrics, vocab
from catalog.errors import CatalogError, NotFound
from catalog.export.rows import iter_items
from catalog.formats.ckan_write import organization, package
from catalog.search.query import MAX_PER_PAGE, parse_query
from catalog.search.query import MAX_TEXT as MAX_QUERY_TEXT
from catalog.search.searcher import SearchHits, searcher_for
from catalog.store.publishers import resolve
from catalog.store.runs import DS
from catalog.store.tables import PUB

CKAN_VERSION = "2.10.4"
MAX_ROWS = 1000
# CKAN field -> our facet
FIELDS = {"organization": "publisher", "tags": "keyword", "res_format": "format", "license_id": "license",
          "groups": "theme", "dataset_type": "type", "access_rights": "access", "hvd_category": "hvd_category",
          "applicable_legislation": "applicable_legislation"}


class CkanError(CatalogError):
    """An error in CKAN's terms: its ``__type`` and the HTTP status CKAN answers it with."""

    ckan_type = "Validation Error"
    status = 409
    title = "Validation Error"

    def __init__(self, message: str, *, ckan_type: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        if ckan_type:
            self.ckan_type = ckan_type
        if status:
            self.status = status


def error_body(exc: CatalogError) -> dict[str, Any]:
    """CKAN's error dict for one of our errors."""
    if isinstance(exc, CkanError):
        kind = exc.ckan_type
    elif isinstance(exc, NotFound):
        kind = "Not Found Error"
    elif exc.status == 422:
        kind = "Validation Error"
    else:
        kind = "Internal Error"
    return {"__type": kind, "message": f"{kind}: {exc.message}" if kind != "Validation Error" else exc.message}


def error_status(exc: CatalogError) -> int:
    # CKAN answers validation errors with 409, which ckanapi turns into ValidationError
    return 409 if exc.status == 422 else exc.status


# -- parameters -------------------------------------------------------------------------------

# Every value is bounded before any work is done on it: a CKAN search is public and unauthenticated.
MAX_TEXT = MAX_QUERY_TEXT  # a text parameter; q is capped as /api/datasets caps it
MAX_LONG_TEXT = 2000  # fq and the list parameters hold several clauses or names
LIST_PARAMS = frozenset({"fq_list", "facet.field", "organizations"})  # a JSON list, or a list in a JSON body
MAX_ITEMS = 100  # values of one list parameter
MAX_TERMS = 32  # words and field:value values of q and fq together: each is a term or a filter to search by
MAX_BODY = 1_000_000  # bytes of a POST body


def _text(name: str, value: Any) -> str:
    if isinstance(value, dict | list) or not isinstance(value, str | int | float | bool):
        raise CkanError(f"{name}: must be text")
    text = value if isinstance(value, str) else json.dumps(value)  # a JSON number or boolean as JSON wrote it
    cap = MAX_LONG_TEXT if name == "fq" or name in LIST_PARAMS else MAX_TEXT
    if len(text) > cap:
        raise CkanError(f"{name}: at most {cap} characters")
    if "\x00" in text:  # PostgreSQL refuses NUL in text
        raise CkanError(f"{name}: must not contain NUL characters")
    return text


def check_params(params: dict[str, Any]) -> dict[str, str | list[str] | None]:
    """The parameters as text (a list parameter: a list of text), each within its cap; raises
    CkanError naming the first that is not."""
    out: dict[str, str | list[str] | None] = {}
    for name, value in params.items():
        if value is None:
            out[name] = None
        elif isinstance(value, list):
            if name not in LIST_PARAMS:
                raise CkanError(f"{name}: one value, not a list")
            if len(value) > MAX_ITEMS:
                raise CkanError(f"{name}: at most {MAX_ITEMS} values")
            items = [_text(name, v) for v in value]
            if sum(len(i) for i in items) > MAX_LONG_TEXT:
                raise CkanError(f"{name}: at most {MAX_LONG_TEXT} characters")
            out[name] = items
        else:
            out[name] = _text(name, value)
    return out


def _str(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise CkanError(f"{name}: one value, not a list")
    return value


def _int(params: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    text = _str(params, name).strip()
    if not text:
        return default
    digits = text[1:] if text[:1] in "+-" else text
    # ASCII digits only: int() takes "²" and "1_000" apart from what a whole number looks like
    if not digits or not digits.isascii() or not digits.isdigit() or len(digits) > 18:
        raise CkanError(f"{name}: must be a whole number between {low} and {high}")
    number = int(text)
    if not low <= number <= high:
        raise CkanError(f"{name}: must be between {low} and {high}")
    return number


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes", "on")


def _list(value: Any, name: str) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    text = str(value).strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError):  # nesting past the parser's depth is as bad as broken JSON
            raise CkanError(f"{name}: not a JSON list") from None
        if not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in parsed):
            raise CkanError(f"{name}: a JSON list of names")
        return [str(v) for v in parsed]
    return [text]


_NAME = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_WORD = re.compile(r"\w+")  # the words the search looks for (catalog.search tokenises so)


def _clauses(text: str) -> Iterator[tuple[int, int, str, str, str]]:
    """Every ``[+-]field:value`` clause of ``text`` from left to right, as (start, end, sign, field,
    value); a value is ``"quoted"`` (backslash escapes), a ``(group)`` or a run up to a space or bracket.

    One pass, no backtracking: a run of name characters not followed by ``:`` is skipped whole (no
    clause can start inside it), and a quote or group that is never closed is looked for once."""
    n = len(text)
    unclosed_quote = unclosed_group = n  # from here on no closing quote / bracket: never look again
    i = 0
    while i < n:
        start, sign = i, ""
        if text[i] in "+-" and i + 1 < n and text[i + 1] in _NAME:
            sign, i = text[i], i + 1
        elif text[i] not in _NAME:
            i += 1
            continue
        colon = i
        while colon < n and text[colon] in _NAME:
            colon += 1
        if colon >= n or text[colon] != ":":
            i = colon
            continue
        k = end = colon + 1
        if k < n and text[k] == '"' and k < unclosed_quote:
            m = k + 1
            while m < n and text[m] != '"':
                m += 2 if text[m] == "\\" else 1
            if m < n:
                end = m + 1
            else:
                unclosed_quote = k
        elif k < n and text[k] == "(" and k < unclosed_group:
            close = text.find(")", k + 1)
            if close >= 0:
                end = close + 1
            else:
                unclosed_group = k
        if end == k:  # not quoted, not a group: the value runs to a space or a bracket
            while end < n and not text[end].isspace() and text[end] not in "()":
                end += 1
        if end == k:  # "field:" and nothing: text
            i = k
            continue
        yield start, end, sign, text[i:colon], text[k:end]
        i = end


def _values(raw: str) -> list[str]:
    """The values of a clause: ``(A OR B)`` gives two."""
    if not raw.startswith("("):
        return [raw.strip('"').replace('\\"', '"')]
    values: list[str] = []
    words: list[str] = []
    for word in raw[1:-1].split():
        if word == "OR":
            if words:
                values.append(" ".join(words))
            words = []
        else:
            words.append(word)
    if words:
        values.append(" ".join(words))
    return [v.strip('"') for v in values]


def _facet_value(facet: str, value: str) -> str:
    if facet == "theme":
        return value.upper()
    if facet == "format":
        return vocab.format_code(value) or value.upper()
    if facet in ("keyword", "type", "access"):
        return value.lower()
    if facet == "license":
        return vocab.licence_code(value) or value
    if facet == "hvd_category":
        return vocab.hvd_category_code(value) or value
    if facet == "applicable_legislation":
        return vocab.legislation_iri(value) or value
    return value


def parse_filters(text: str, name: str, *, strict: bool) -> tuple[list[dict[str, list[str]]], str, int]:
    """Solr-style ``field:value`` clauses: a list of filter sets (a field named twice must match
    both, so the second goes in a set of its own), the text left over, and the number of terms
    (words of the text and values of the clauses). In ``q`` (not strict) clauses on other fields
    stay text; in ``fq`` they are an error."""
    sets: list[dict[str, list[str]]] = [{}]
    text = text.replace("*:*", " ")
    rest: list[str] = []
    done = 0
    values_count = 0
    for start, end, sign, field, raw in _clauses(text):
        rest.append(text[done:start])
        done = end
        facet = FIELDS.get(field)
        if facet is None or sign == "-":
            if field in ("text", "q"):
                rest.append(" " + raw.strip('"') + " ")
                continue
            if strict:
                raise CkanError(f"{name}: datakatalog filters on {', '.join(FIELDS)} (field:value), not "
                                f"{field[:40]!r}", ckan_type="Search Query Error")
            rest.append(text[start:end])
            continue
        values = [_facet_value(facet, v) for v in _values(raw)]
        values_count += len(values)
        target = next((s for s in sets if facet not in s), None)
        if target is None:
            target = {}
            sets.append(target)
        target[facet] = values
        rest.append(" ")
    rest.append(text[done:])
    left = " ".join(w for w in "".join(rest).split() if w not in ("AND", "OR"))
    return [s for s in sets if s], left, values_count + len(_WORD.findall(left))


SORT_FIELDS = {"score": "relevance", "relevance": "relevance", "metadata_modified": "modified",
               "metadata_created": "modified", "title_string": "title", "title": "title", "name": "title"}
NATURAL = {"relevance": "desc", "modified": "desc", "title": "asc"}


def parse_sort(value: str | None) -> tuple[str, bool]:
    """Our sort for CKAN's first sort clause, and whether the order must be reversed."""
    if not value or not value.strip():
        return "relevance", False
    first = value.split(",", 1)[0].split()
    ours = SORT_FIELDS.get(first[0]) if first else None
    direction = first[1].lower() if len(first) > 1 else "asc"
    if ours is None or direction not in ("asc", "desc") or len(first) > 2:
        raise CkanError(f"sort: use one of {', '.join(SORT_FIELDS)} with asc or desc",
                        ckan_type="Search Query Error")
    return ours, direction != NATURAL[ours]


def _packages(engine: Engine, pks: list[int], base_url: str) -> list[dict[str, Any]]:
    return [package(i.rec, i.row, base_url, publisher_name=i.publisher_name, source_name=i.source_name)
            for batch in iter_items(engine, pks) for i in batch]


# -- actions ----------------------------------------------------------------------------------


def _search(engine: Engine, q: str | None, filters: dict[str, list[str]], sort: str, facet_limit: int
            ) -> SearchHits:
    query = parse_query(q=q, filters=filters, sort=sort, per_page=MAX_PER_PAGE)
    query = replace(query, per_page=2**62, facet_limit=max(facet_limit, 1))
    with metrics.search_timer(query):  # the same latency histogram as GET /api/datasets (catalog/metrics.py)
        return searcher_for(engine).search(query)


def package_search(engine: Engine, params: dict[str, Any], base_url: str) -> dict[str, Any]:
    rows = _int(params, "rows", 10, 0, MAX_ROWS)
    start = _int(params, "start", 0, 0, 10**9)
    facet_limit = _int(params, "facet.limit", 50, -1, 1000)
    facet_limit = 1000 if facet_limit < 0 else facet_limit
    q_sets, q_text, q_terms = parse_filters(_str(params, "q"), "q", strict=False)
    if q_terms > MAX_TERMS:
        raise CkanError(f"q: at most {MAX_TERMS} terms (words and field:value clauses)")
    fq_sets, _, fq_terms = parse_filters(" ".join(_list(params.get("fq"), "fq")) + " " + " ".join(
        _list(params.get("fq_list"), "fq_list")), "fq", strict=True)
    if q_terms + fq_terms > MAX_TERMS:
        raise CkanError(f"fq: at most {MAX_TERMS} terms (words and field:value clauses), q and fq together")
    sets = [*q_sets, *fq_sets]
    main: dict[str, list[str]] = {}
    extra: list[dict[str, list[str]]] = []
    for s in sets:
        for facet, values in s.items():
            if facet in main:
                extra.append({facet: values})
            else:
                main[facet] = values
    sort, reverse = parse_sort(_str(params, "sort"))
    hits = _search(engine, q_text or None, main, sort, facet_limit)
    pks = hits.pks
    total = hits.total
    for filters in extra:
        also = set(_search(engine, q_text or None, {**main, **filters}, sort, 1).pks)
        pks = [pk for pk in pks if pk in also]
        total = len(pks)
    if reverse:
        pks = pks[::-1]
    results = _packages(engine, pks[start : start + rows], base_url) if rows else []
    facet_fields = _list(params.get("facet.field"), "facet.field")
    facets: dict[str, dict[str, int]] = {}
    search_facets: dict[str, dict[str, Any]] = {}
    for field in facet_fields:
        wanted = FIELDS.get(field)
        if wanted is None:
            raise CkanError(f"facet.field: datakatalog facets on {', '.join(FIELDS)}, not {field!r}",
                            ckan_type="Search Query Error")
        entries = hits.facets.get(wanted, [])[:facet_limit]
        names = [e["value"].lower() if wanted == "theme" else e["value"] for e in entries]
        facets[field] = {n: e["count"] for n, e in zip(names, entries, strict=True)}
        search_facets[field] = {"title": field, "items": [
            {"name": n, "display_name": e["label"], "count": e["count"]} for n, e in zip(names, entries, strict=True)]}
    return {"count": total, "sort": params.get("sort") or "score desc, metadata_modified desc",
            "results": results, "facets": facets, "search_facets": search_facets}


def _dataset_pk(engine: Engine, ref: str) -> int:
    with engine.connect() as conn:
        pk = conn.execute(select(DS.c.pk).where(DS.c.id == ref)).scalar()
        if pk is None:
            pk = conn.execute(select(DS.c.pk).where(DS.c.uri == ref)).scalar()
    if pk is None:
        raise NotFound(f"no dataset {ref!r}")
    return int(pk)


def package_show(engine: Engine, params: dict[str, Any], base_url: str) -> dict[str, Any]:
    ref = (_str(params, "id") or _str(params, "name")).strip()
    if not ref:
        raise CkanError("id: missing value")
    return _packages(engine, [_dataset_pk(engine, ref)], base_url)[0]


def package_list(engine: Engine, params: dict[str, Any], _base_url: str) -> list[str]:
    limit = _int(params, "limit", 10**9, 1, 10**9)
    offset = _int(params, "offset", 0, 0, 10**9)
    with engine.connect() as conn:
        return list(conn.execute(select(DS.c.id).where(DS.c.status == "active").order_by(DS.c.id)
                                 .offset(offset).limit(limit)).scalars())


def _organizations(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        counts = {r[0]: r[1] for r in conn.execute(
            select(DS.c.publisher_id, func.count()).where(DS.c.status == "active", DS.c.publisher_id.is_not(None))
            .group_by(DS.c.publisher_id))}
        # a merged publisher is not an organization of its own: its id answers the one it is part of
        pubs = conn.execute(select(PUB.c.id, PUB.c.name, PUB.c.uri).where(PUB.c.merged_into.is_(None))).all()
    return [organization(p.id, p.name, counts.get(p.id, 0), p.uri) for p in pubs]


def organization_list(engine: Engine, params: dict[str, Any], _base_url: str) -> list[Any]:
    orgs = _organizations(engine)
    wanted = set(_list(params.get("organizations"), "organizations"))
    if wanted:
        orgs = [o for o in orgs if o["name"] in wanted]
    sort = (_str(params, "sort").strip() or "title asc").split()
    key, direction = sort[0], (sort[1].lower() if len(sort) > 1 else "asc")
    if key not in ("name", "title", "package_count") or direction not in ("asc", "desc") or len(sort) > 2:
        raise CkanError("sort: name, title or package_count, asc or desc")
    orgs.sort(key=lambda o: (o[key].casefold() if isinstance(o[key], str) else o[key], o["name"]),
              reverse=direction == "desc")
    offset = _int(params, "offset", 0, 0, 10**9)
    limit = _int(params, "limit", 1000, 1, 10**6)
    orgs = orgs[offset : offset + limit]
    if _bool(params.get("all_fields", False)):
        return orgs
    return [o["name"] for o in orgs]


def organization_show(engine: Engine, params: dict[str, Any], base_url: str) -> dict[str, Any]:
    ref = _str(params, "id").strip()
    if not ref:
        raise CkanError("id: missing value")
    with engine.connect() as conn:
        ref = resolve(conn, [ref])[ref]
    found = next((o for o in _organizations(engine) if ref in (o["id"], o["title"])), None)
    if found is None:
        raise NotFound(f"no organization {ref!r}")
    if _bool(params.get("include_datasets", False)):
        hits = _search(engine, None, {"publisher": [found["id"]]}, "title", 1)
        found["packages"] = _packages(engine, hits.pks[:1000], base_url)
    return found


def status_show(_engine: Engine, _params: dict[str, Any], base_url: str) -> dict[str, Any]:
    return {"site_title": "datakatalog", "site_description": "Öppna data från offentlig sektor (DCAT-AP-SE).",
            "site_url": base_url.rstrip("/"), "ckan_version": CKAN_VERSION, "error_emails_to": None,
            "locale_default": "sv", "extensions": ["datakatalog"]}


ACTIONS = {f.__name__: f for f in (package_search, package_show, package_list, organization_list,
                                     organization_show, status_show)}


def call_action(engine: Engine, action: str, params: dict[str, Any], *, base_url: str) -> Any:
    """Answer one CKAN action; raises CkanError / NotFound as CKAN would fail."""
    handler = ACTIONS.get(action)
    if handler is None:
        raise CkanError(f"Bad request - Action name not known: {action[:100]}", ckan_type="Bad Request",
                        status=400)
    return handler(engine, check_params(params), base_url)
