"""The CKAN-compatible action API (read actions), at /api/3/action/{name} and /api/action/{name},
by GET (query parameters) or POST (a JSON or form body), answered in CKAN's envelope."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.deps import ReadEngineDep, SettingsDep
from api.schemas import CkanFailure, CkanSuccess, problems
from catalog.errors import CatalogError
from catalog.services import ckan

router = APIRouter(tags=["ckan"])

# CKAN's envelope, not problem JSON: CKAN clients read errors from it (400 unknown action, 404, 409 invalid)
CKAN_RESPONSES: dict[str, Any] = {"response_model": CkanSuccess, "responses": {
    **{status: {"model": CkanFailure, "description": text}
       for status, text in ((400, "Unknown action"), (404, "Not found"), (409, "Invalid parameters"))},
    **problems(422),  # a request FastAPI itself refuses is answered as everywhere else
}}


async def _params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query_params)
    if request.method == "POST":
        body = await _body(request)
        if body.strip():
            if "json" in request.headers.get("content-type", "") or body.lstrip()[:1] == b"{":
                try:
                    data = orjson.loads(body)
                except orjson.JSONDecodeError:
                    raise ckan.CkanError("body: not JSON") from None
                if not isinstance(data, dict):
                    raise ckan.CkanError("body: must be a JSON object")
                params.update(data)
            else:
                try:
                    form = await request.form(max_fields=ckan.MAX_ITEMS)
                except StarletteHTTPException as exc:  # a form that cannot be read (no boundary, too many fields)
                    raise ckan.CkanError(f"body: {exc.detail}") from None
                for name, value in form.multi_items():
                    if not isinstance(value, str):  # a file part: CKAN's read actions take text
                        raise ckan.CkanError(f"{name}: must be text, not a file")
                    params[name] = value
    return params


async def _body(request: Request) -> bytes:
    """The body, read no further than CKAN's limit (a form is then parsed from what was read)."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > ckan.MAX_BODY:
        raise ckan.CkanError(f"body: at most {ckan.MAX_BODY:,} bytes", status=413)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > ckan.MAX_BODY:
            raise ckan.CkanError(f"body: at most {ckan.MAX_BODY:,} bytes", status=413)
        chunks.append(chunk)
    # where Starlette keeps a body it has read: request.form() parses it from there, the stream being spent
    request._body = body = b"".join(chunks)
    return body


def _answer(base_url: str, action: str, body: dict[str, Any], status: int = 200) -> Response:
    body = {"help": f"{base_url.rstrip('/')}/api/3/action/help_show?name={action}", **body}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


async def _action(name: str, request: Request, engine: Any, base_url: str) -> Response:
    try:
        params = await _params(request)
        # the database work runs in a worker thread: these routes are async only to read the body
        result = await run_in_threadpool(ckan.call_action, engine, name, params, base_url=base_url)
    except CatalogError as exc:
        return _answer(base_url, name, {"success": False, "error": ckan.error_body(exc)},
                       ckan.error_status(exc))
    return _answer(base_url, name, {"success": True, "result": result})


@router.get("/api/3/action/{name}", operation_id="ckan_action_get", **CKAN_RESPONSES)
@router.post("/api/3/action/{name}", operation_id="ckan_action_post", **CKAN_RESPONSES)
async def action_v3(name: str, request: Request, engine: ReadEngineDep, settings: SettingsDep) -> Response:
    """package_search, package_show, package_list, organization_list, organization_show, status_show."""
    return await _action(name, request, engine, settings.base_url)


@router.api_route("/api/action/{name}", methods=["GET", "POST"], include_in_schema=False)
async def action(name: str, request: Request, engine: ReadEngineDep, settings: SettingsDep) -> Response:
    return await _action(name, request, engine, settings.base_url)
