"""Dataset search and dataset detail (JSON, or DCAT-AP-SE RDF by Accept)."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import JSONResponse

from api.deps import EngineDep, SettingsDep
from api.negotiation import negotiate
from catalog.rdf.graph import serialize
from catalog.rdf.syntaxes import WRITTEN_MEDIA_TYPES
from catalog.search.query import MAX_PER_PAGE, parse_query
from catalog.services import datasets

router = APIRouter(prefix="/api", tags=["datasets"])

FacetParam = Annotated[list[str] | None, Query()]


@router.get("/datasets", responses={200: {"content": {"application/json": {}}}})
def search(
    engine: EngineDep,
    q: Annotated[str | None, Query(max_length=500, description="Free text, Swedish or English")] = None,
    publisher: FacetParam = None,
    theme: FacetParam = None,
    format: FacetParam = None,
    license: FacetParam = None,
    keyword: FacetParam = None,
    source: FacetParam = None,
    type: Annotated[list[str] | None, Query(description="dataset or dataservice")] = None,
    access: Annotated[list[str] | None, Query(description="open, restricted or non-public")] = None,
    sort: Annotated[str, Query(pattern="^(relevance|modified|title|quality)$")] = "relevance",
    status: Annotated[str, Query(pattern="^(active|withdrawn|all)$")] = "active",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 20,
    min_quality: Annotated[float | None, Query(ge=0, le=100, description="Only datasets scoring at least this")] = None,
) -> Response:
    """Search datasets: repeat a facet parameter to OR values; different facets AND together."""
    filters = {"publisher": publisher, "theme": theme, "format": format, "license": license,
               "keyword": [k.lower() for k in keyword] if keyword else None, "source": source,
               "type": type, "access": access}
    query = parse_query(q=q, filters={k: v for k, v in filters.items() if v}, status=status,
                                 sort=sort, page=page, per_page=per_page, min_quality=min_quality)
    # serialised by orjson straight away: FastAPI's generic encoder doubled the time of a search
    return Response(orjson.dumps(datasets.search_datasets(engine, query)), media_type="application/json")


@router.get(
    "/datasets/{dataset_id}",
    responses={200: {"content": {m: {} for m in WRITTEN_MEDIA_TYPES}}},
)
def get_dataset(
    dataset_id: str,
    engine: EngineDep,
    settings: SettingsDep,
    accept: Annotated[str | None, Header()] = None,
    format: Annotated[str | None, Query(description="ttl, jsonld, rdf or nt instead of Accept")] = None,
) -> Any:
    """One dataset as JSON, or as Turtle, JSON-LD, RDF/XML or N-Triples by Accept."""
    mime = negotiate(accept, format)
    if mime is None:
        # the same URL answers JSON or RDF by Accept: caches must key on it
        return JSONResponse(datasets.get_dataset(engine, dataset_id), headers={"Vary": "Accept"})
    graph = datasets.dataset_graph(engine, dataset_id, base_url=settings.base_url)
    return Response(serialize(graph, mime), media_type=mime, headers={"Vary": "Accept"})
