"""GET /api/datasets/export: every dataset a search matches, streamed as CSV, JSON, XLSX, Markdown
or DCAT-AP-SE RDF.

The module is named so that it sorts before ``datasets``: routers mount in module-name order, and
this fixed path must be matched before ``/api/datasets/{dataset_id}`` takes "export" for an id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from api.deps import EngineDep, SettingsDep
from catalog.export import writers
from catalog.search.query import parse_query

router = APIRouter(prefix="/api", tags=["exports"])

FacetParam = Annotated[list[str] | None, Query()]


def streaming(result: writers.Export) -> StreamingResponse:
    """An export as a download."""
    return StreamingResponse(result.chunks, media_type=result.media_type, headers={
        "Content-Disposition": f'attachment; filename="{result.filename}"',
        "X-Total-Count": str(result.count),
    })


@router.get("/datasets/export", response_class=StreamingResponse,
            responses={200: {"content": {m: {} for m, _ in writers.FORMATS.values()}}})
def export_datasets(
    engine: EngineDep,
    settings: SettingsDep,
    format: Annotated[list[str] | None, Query(
        description="Export format in lower case: csv, json, xlsx, md, ttl, jsonld or rdf (default csv). "
                    "Upper-case EU file-type codes (CSV, GEOJSON) filter datasets by format, as in search.")] = None,
    q: Annotated[str | None, Query(max_length=500)] = None,
    publisher: FacetParam = None,
    theme: FacetParam = None,
    license: FacetParam = None,
    keyword: FacetParam = None,
    source: FacetParam = None,
    type: Annotated[list[str] | None, Query(description="dataset or dataservice")] = None,
    access: Annotated[list[str] | None, Query(description="open, restricted or non-public")] = None,
    sort: Annotated[str, Query(pattern="^(relevance|modified|title|quality)$")] = "relevance",
    status: Annotated[str, Query(pattern="^(active|withdrawn|all)$")] = "active",
) -> StreamingResponse:
    """Every matching dataset (the search's filters and order, without paging), streamed."""
    fmt, format_filter = writers.split_format(format)
    filters = {"publisher": publisher, "theme": theme, "format": format_filter, "license": license,
               "keyword": [k.lower() for k in keyword] if keyword else None, "source": source,
               "type": type, "access": access}
    query = parse_query(q=q, filters={k: v for k, v in filters.items() if v}, status=status, sort=sort)
    return streaming(writers.export_search(engine, query, fmt, base_url=settings.base_url))
