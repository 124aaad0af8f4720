"""GET /api/datasets/export: every dataset a search matches, streamed as CSV, JSON, XLSX, Markdown
or DCAT-AP-SE RDF.

The module is named so that it sorts before ``datasets``: routers mount in module-name order, and
this fixed path must be matched before ``/api/datasets/{dataset_id}`` takes "export" for an id.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from api.deps import ReadEngineDep, SettingsDep
from api.routes.datasets import raw_params, search_parameters
from api.schemas import export_response, problems
from catalog.search.query import export_query_from_params
from catalog.services import datasets, exports

router = APIRouter(prefix="/api", tags=["exports"])

FORMAT_PARAMETER = {
    "name": "format", "in": "query", "required": False, "schema": {"type": "array", "items": {"type": "string"}},
    "description": "Export format in lower case: csv, json, xlsx, md, ttl, jsonld or rdf (default csv). "
                   "Upper-case EU file-type codes (CSV, GEOJSON) filter datasets by format, as in search.",
}


def streaming(result: exports.Export) -> StreamingResponse:
    """An export as a download."""
    return StreamingResponse(result.chunks, media_type=result.media_type, headers={
        "Content-Disposition": f'attachment; filename="{result.filename}"',
        "X-Total-Count": str(result.count),
    })


@router.get("/datasets/export", response_class=StreamingResponse,
            responses={200: export_response(), **problems(422)},
            openapi_extra={"parameters": [FORMAT_PARAMETER,
                                          *search_parameters(paged=False, leave_out=("format",))]})
def export_datasets(request: Request, engine: ReadEngineDep, settings: SettingsDep) -> StreamingResponse:
    """Every matching dataset (the search's filters and order, without paging), streamed."""
    fmt, query = export_query_from_params(raw_params(request))
    return streaming(exports.export_search(engine, query, fmt, base_url=settings.base_url,
                                           publisher=datasets.catalog_publisher(settings)))
