"""The demo's local source server: the bundled example sources, served over HTTP on loopback."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import Engine, update
from sqlmodel import Session

from catalog.errors import NotFound
from catalog.services.sources import get_source
from catalog.settings import Settings
from catalog.store.tables import Source
from harvester.demo import all_handlers
from harvester.registration import register_source

MEDIA_TYPES = {".ttl": "text/turtle", ".rdf": "application/rdf+xml", ".jsonld": "application/ld+json",
               ".nt": "application/n-triples", ".json": "application/json"}


# A fixed port when it is free, so that a second demo run sees the same source URLs (a CKAN
# portal's landing pages are built from its URL) and finds nothing changed.
DEMO_PORT = 8765


class _QuietHandler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, **MEDIA_TYPES}
    root: Path = Path(".")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        for handle in all_handlers():
            answer = handle(parts.path, query, self.root)
            if answer is not None:
                status, content_type, body = answer
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
        super().do_GET()


class DemoServer:
    """Serves a folder on 127.0.0.1 (a free port) in a background thread."""

    def __init__(self, directory: Path, port: int = DEMO_PORT) -> None:
        handler_cls = type("DemoHandler", (_QuietHandler,), {"root": Path(directory)})
        handler = functools.partial(handler_cls, directory=str(directory))
        try:
            self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        except OSError:  # taken: any free port (source URLs, and URLs derived from them, then change)
            self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> DemoServer:
        self.thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def ensure_demo_sources(engine: Engine, settings: Settings, spec: dict[str, Any], base_url: str) -> list[Source]:
    """Register the demo's sources, or point existing ones at this run's server."""
    sources: list[Source] = []
    for entry in spec.get("source", []):
        url = f"{base_url}/{entry['path']}"
        try:
            source = get_source(engine, entry["name"])
        except NotFound:
            source = register_source(engine, settings, name=entry["name"], kind=entry["kind"], url=url,
                                     mapping=entry.get("mapping"), schedule=entry.get("schedule"))
        else:
            with Session(engine) as session:
                session.execute(update(Source).where(Source.id == source.id).values(url=url))  # type: ignore[arg-type]
                session.commit()
            source.url = url
        sources.append(source)
    return sources
