"""The whole catalogue as DCAT-AP-SE, Hydra-paged."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response

from api.deps import ReadEngineDep, SettingsDep
from api.routes.params import query_id
from api.schemas import problems
from catalog.errors import NotFound
from catalog.rdf.graph import serialize
from catalog.rdf.syntaxes import EXTENSIONS, WRITTEN_MEDIA_TYPES
from catalog.services import datasets

router = APIRouter(tags=["catalog"])


@router.get("/catalog.{ext}", responses={
    200: {"content": {m: {"schema": {"type": "string"}} for m in WRITTEN_MEDIA_TYPES}}, **problems(404, 422)})
def catalog(
    ext: str,
    request: Request,
    engine: ReadEngineDep,
    settings: SettingsDep,
    page: Annotated[int, query_id("Page number, from 1")] = 1,
) -> Response:
    """The catalogue in Turtle (.ttl), JSON-LD (.jsonld), RDF/XML (.rdf) or N-Triples (.nt)."""
    mime = EXTENSIONS.get(ext)
    if mime is None:
        raise NotFound(f"no catalogue serialisation {ext!r}; use ttl, jsonld, rdf or nt")
    page_url = settings.base_url.rstrip("/") + request.url.path
    graph = datasets.catalog_page(engine, page=page, per_page=settings.catalog_page_size,
                                  base_url=settings.base_url, page_url=page_url,
                                  publisher=datasets.catalog_publisher(settings))
    return Response(serialize(graph, mime), media_type=mime)
