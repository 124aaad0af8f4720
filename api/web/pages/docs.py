"""``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) without a CDN: their scripts and styles are the
ones the ``fastapi-offline`` package ships (Swagger UI: Apache-2.0, ReDoc: MIT; the licence
notices are at the top of each file), served by the application with long-lived caching."""

from __future__ import annotations

import hashlib
import secrets
from functools import lru_cache
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from api.web import IMMUTABLE
from api.web.render import render
from api.web.security import CSP
from catalog.errors import NotFound

router = APIRouter(include_in_schema=False)

ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
    "favicon.png": "image/png",
}


# two <style> elements ReDoc's bundle adds while loading, before its `nonce` option is read (the
# empty one and the scrollbar styles): allowed by their hashes, as the browser reports them
REDOC_STYLE_HASHES = ("sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
                      "sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc=")


@lru_cache(maxsize=len(ASSETS))
def _asset_hash(name: str) -> str:
    return hashlib.sha256((ASSETS_DIR / name).read_bytes()).hexdigest()[:12]


def asset_url(name: str) -> str:
    return f"/docs/assets/{name}?v={_asset_hash(name)}"


@router.get("/docs/assets/{name}")
def docs_asset(name: str, request: Request) -> FileResponse:
    if name not in ASSETS:
        raise NotFound(f"no documentation asset {name!r}")
    fresh = request.query_params.get("v") == _asset_hash(name)
    return FileResponse(ASSETS_DIR / name, media_type=ASSETS[name],
                        headers={"Cache-Control": IMMUTABLE if fresh else "no-cache"})


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    return render(request, "docs/swagger.html", {
        "openapi_url": request.app.openapi_url, "asset_url": asset_url,
    })


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    # ReDoc writes its styles into <style> elements at run time; they carry this response's nonce
    # (ReDoc's `nonce` option), so the policy still has no 'unsafe-inline'. Its search runs in a
    # worker made from a blob: URL.
    nonce = secrets.token_urlsafe(18)
    styles = " ".join(f"'{h}'" for h in REDOC_STYLE_HASHES)
    policy = (CSP.replace("style-src 'self'", f"style-src 'self' 'nonce-{nonce}' {styles}")
              + "; worker-src 'self' blob:")
    return render(request, "docs/redoc.html", {
        "openapi_url": request.app.openapi_url, "asset_url": asset_url, "nonce": nonce,
    }, headers={"Content-Security-Policy": policy})
