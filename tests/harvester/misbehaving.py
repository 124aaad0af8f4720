"""A real local HTTP server that misbehaves on purpose, for tests of bounded, safe fetching.

Each path gets a behaviour; the same path can be switched from a good document to a bad one, so
a test harvests a source once, breaks it, and harvests it again::

    with running() as server:
        url = server.serve("/cat.ttl", good_turtle)
        ...                                   # harvest: succeeds
        server.trickle("/cat.ttl", every=0.2)  # same URL, now one byte every 0.2 s
        ...                                   # harvest: fails within the deadline

Behaviours: ``serve`` (any status, type, headers, body), ``never_answer``, ``trickle``,
``huge`` (a body of a given size, declared or not), ``error`` (5xx with Retry-After),
``redirect``, ``redirect_loop``, and body builders for the bad documents: :func:`truncated`,
:func:`html_page`, :func:`entity_bomb`, :func:`remote_context_jsonld`.
"""

from __future__ import annotations

import contextlib
import json
import ssl
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

Behaviour = Callable[["_Handler"], None]


class _Handler(BaseHTTPRequestHandler):
    server: MisbehavingServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0]
        with self.server.lock:
            self.server.hits.append(path)
            self.server.headers_seen.append(dict(self.headers.items()))
            behaviour = self.server.routes.get(path)
        if behaviour is None:
            self.reply(404, b"not found", "text/plain")
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up, as it should
            behaviour(self)

    def reply(self, status: int, body: bytes, content_type: str | None = "text/turtle",
              headers: dict[str, str] | None = None, declare_length: bool = True) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if declare_length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)


class MisbehavingServer(ThreadingHTTPServer):
    """Routes paths to behaviours; records every path asked and the request headers."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, tls: tuple[Path, Path] | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.scheme = "http"
        if tls is not None:  # (certificate, key) in PEM files
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self.socket = ctx.wrap_socket(self.socket, server_side=True)
            self.scheme = "https"
        self.routes: dict[str, Behaviour] = {}
        self.hits: list[str] = []
        self.headers_seen: list[dict[str, str]] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()  # releases handlers that hang or trickle

    # -- addressing -----------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def url(self, path: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def count(self, path: str) -> int:
        with self.lock:
            return self.hits.count("/" + path.lstrip("/"))

    def route(self, path: str, behaviour: Behaviour) -> str:
        with self.lock:
            self.routes["/" + path.lstrip("/")] = behaviour
        return self.url(path)

    # -- behaviours -----------------------------------------------------------------------

    def serve(self, path: str, body: bytes | str, content_type: str | None = "text/turtle", status: int = 200,
              headers: dict[str, str] | None = None) -> str:
        data = body.encode() if isinstance(body, str) else body
        return self.route(path, lambda h: h.reply(status, data, content_type, headers))

    def never_answer(self, path: str) -> str:
        """Accept the connection, read the request, and say nothing until the server stops."""

        def run(h: _Handler) -> None:
            self.stopping.wait()

        return self.route(path, run)

    def trickle(self, path: str, *, every: float = 0.5, headers_too: bool = False) -> str:
        """Send one byte every ``every`` seconds, forever: of the body, or already of the headers."""

        def run(h: _Handler) -> None:
            if headers_too:
                data = b"HTTP/1.1 200 OK\r\nContent-Type: text/turtle\r\nX-Slow: " + b"x" * 1_000_000
            else:
                h.send_response(200)
                h.send_header("Content-Type", "text/turtle")
                h.send_header("Content-Length", "1000000")
                h.end_headers()
                h.wfile.flush()
                data = b"# " + b"." * 1_000_000
            for i in range(len(data)):
                if self.stopping.wait(every):
                    return
                h.wfile.write(data[i : i + 1])
                h.wfile.flush()

        return self.route(path, run)

    def huge(self, path: str, size: int, *, declare_length: bool = True, chunk: int = 64 * 1024) -> str:
        """A Turtle comment of ``size`` bytes, with or without a Content-Length announcing it."""

        def run(h: _Handler) -> None:
            h.send_response(200)
            h.send_header("Content-Type", "text/turtle")
            if declare_length:
                h.send_header("Content-Length", str(size))
            else:
                h.send_header("Connection", "close")
                h.close_connection = True
            h.end_headers()
            sent = 0
            block = b"#" + b"x" * (chunk - 2) + b"\n"
            while sent < size and not self.stopping.is_set():
                part = block[: size - sent]
                h.wfile.write(part)
                sent += len(part)

        return self.route(path, run)

    def error(self, path: str, status: int = 500, *, retry_after: str | None = None,
              then: tuple[bytes, str] | None = None, times: int | None = None) -> str:
        """Answer ``status`` (with Retry-After); after ``times`` answers, serve ``then`` instead."""
        answered = [0]

        def run(h: _Handler) -> None:
            if then is not None and times is not None and answered[0] >= times:
                h.reply(200, then[0], then[1])
                return
            answered[0] += 1
            headers = {"Retry-After": retry_after} if retry_after is not None else {}
            h.reply(status, b"<html><body>Internal error</body></html>", "text/html", headers)

        return self.route(path, run)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        return self.route(path, lambda h: h.reply(status, b"", None, {"Location": location}))

    def redirect_loop(self, path_a: str, path_b: str) -> str:
        """``path_a`` redirects to ``path_b`` and back, for ever."""
        self.redirect(path_b, "/" + path_a.lstrip("/"))
        return self.redirect(path_a, "/" + path_b.lstrip("/"))

    # -- lifecycle ------------------------------------------------------------------------

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # clients that give up are expected here
            super().handle_error(request, client_address)

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()


@contextmanager
def running(tls: tuple[Path, Path] | None = None) -> Iterator[MisbehavingServer]:
    """A started server (HTTPS with ``tls``), stopped (and every hanging handler released) afterwards."""
    server = MisbehavingServer(tls)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop()


# -- bad documents ----------------------------------------------------------------------------


def truncated(body: bytes, marker: bytes = b"dct:title") -> bytes:
    """``body`` cut inside a statement past its middle, as a dropped connection leaves it."""
    return body[: body.index(marker, len(body) // 2) + len(marker) + 3]


def html_page() -> bytes:
    """A portal's error page, the kind served with the RDF Content-Type of the URL asked for."""
    return (b"<!DOCTYPE html>\n<html lang=\"sv\"><head><title>Sidan hittades inte</title></head>\n"
            b"<body><h1>404</h1><p>Sidan du letar efter finns inte.</p></body></html>\n")


def entity_bomb(levels: int = 10, fanout: int = 10) -> bytes:
    """RDF/XML with nested internal entities ("billion laughs"): fanout**levels copies when expanded."""
    decls = ['<!ENTITY lol0 "lol">']
    decls += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * fanout}">' for i in range(1, levels + 1)]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [\n' + "\n".join(decls) + "\n]>\n"
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"\n'
        '         xmlns:dcat="http://www.w3.org/ns/dcat#" xmlns:dct="http://purl.org/dc/terms/">\n'
        '  <dcat:Dataset rdf:about="https://bomb.example/d">\n'
        f"    <dct:title>&lol{levels};</dct:title>\n"
        "  </dcat:Dataset>\n</rdf:RDF>\n"
    ).encode()


def remote_context_jsonld(context_url: str) -> bytes:
    """A DCAT dataset in JSON-LD whose @context is a remote document (which must never be fetched)."""
    return json.dumps({
        "@context": context_url,
        "@id": "https://remote.example/d",
        "@type": "dcat:Dataset",
        "title": "Fjärrkontext",
    }).encode()
