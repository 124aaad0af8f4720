"""Dataset search and dataset detail (JSON, or DCAT-AP-SE RDF by Accept)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from api.deps import ReadEngineDep, SettingsDep
from api.negotiation import negotiate
from api.routes.params import TextId
from api.schemas import DatasetDetail, SearchResult, problems
from catalog.errors import FieldError
from catalog.rdf import syntaxes
from catalog.rdf.graph import serialize
from catalog.rdf.syntaxes import WRITTEN_MEDIA_TYPES
from catalog.search.query import PARAMETERS, query_from_params
from catalog.services import datasets

router = APIRouter(prefix="/api", tags=["datasets"])

def search_parameters(*, paged: bool = True, leave_out: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The search parameters (catalog.search.query.PARAMETERS) as OpenAPI documents them: the routes
    read the raw query string with query_from_params, so FastAPI does not see them in a signature."""
    out: list[dict[str, Any]] = []
    for p in PARAMETERS:
        if (p.paging and not paged) or p.name in leave_out:
            continue
        schema: dict[str, Any] = {"type": p.kind, **({"enum": list(p.choices)} if p.choices else {})}
        if p.repeatable:
            schema = {"type": "array", "items": schema}
        out.append({"name": p.name, "in": "query", "required": False, "description": p.description,
                    "schema": schema})
    return out


def raw_params(request: Request) -> dict[str, list[str]]:
    """The query string as name -> every value given for it."""
    out: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        out.setdefault(name, []).append(value)
    return out


# The model documents the answer; returning a Response skips FastAPI's re-validation of it, which
# cost 0.7 ms a search (tests/api/test_openapi.py holds real answers to the model instead).
@router.get("/datasets", response_model=SearchResult, responses=problems(422),
            openapi_extra={"parameters": search_parameters()})
def search(request: Request, engine: ReadEngineDep) -> Response:
    """Search datasets: repeat a facet parameter to OR values; different facets AND together."""
    query = query_from_params(raw_params(request))
    # serialised by orjson straight away: FastAPI's generic encoder doubled the time of a search
    return Response(orjson.dumps(datasets.search_datasets(engine, query)), media_type="application/json")


@router.get(
    "/datasets/{dataset_id}",
    response_model=DatasetDetail,
    responses={200: {"description": "JSON (the model), or DCAT-AP-SE RDF by Accept or ?format=",
                     "content": {m: {"schema": {"type": "string"}} for m in WRITTEN_MEDIA_TYPES}},
               **problems(404, 422)},
)
def get_dataset(
    dataset_id: TextId,
    engine: ReadEngineDep,
    settings: SettingsDep,
    accept: Annotated[str | None, Header()] = None,
    format: Annotated[str | None, Query(description="json, ttl, jsonld, rdf or nt instead of Accept; another "
                                                     "is a 422 (a CSV of datasets is an export)")] = None,
) -> Any:
    """One dataset as JSON, or as Turtle, JSON-LD, RDF/XML or N-Triples by Accept."""
    if format and format.lower() != "json" and not (
            (named := syntaxes.by_name(format.lower())) is not None and named.written):
        # answering JSON to ?format=csv would look like success; a CSV of one dataset is an export
        raise FieldError("format", f"{format[:40]!r} is not a format of one dataset: json, "
                         f"{', '.join(s.extension for s in syntaxes.WRITTEN)} (CSV, XLSX and Markdown are "
                         "exports: /api/datasets/export)")
    mime = negotiate(accept, format)
    if mime is None:
        # the same URL answers JSON or RDF by Accept: caches must key on it
        return JSONResponse(datasets.get_dataset(engine, dataset_id), headers={"Vary": "Accept"})
    graph = datasets.dataset_graph(engine, dataset_id, base_url=settings.base_url)
    return Response(serialize(graph, mime), media_type=mime, headers={"Vary": "Accept"})
