"""Bounded HTTP fetching with requests: timeouts, a size cap, a redirect limit, an address guard.

One :class:`Fetcher` (one ``requests.Session``) per run. Every redirect is followed by hand so
that each hop's address is checked before it is requested.
"""

from __future__ import annotations

import hashlib
import ipaddress
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests

from catalog.settings import Settings
from harvester.errors import (
    FetchError,
    SourceHTTPError,
    SourceRefused,
    SourceTimeout,
    SourceTooLarge,
)

MAX_REDIRECTS = 5
RETRY_STATUSES = {429, 500, 502, 503, 504}
CHUNK = 256 * 1024

# Cloud metadata services and link-local ranges: refused even when private sources are allowed.
ALWAYS_REFUSED = [
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("fe80::/10"),
    ipaddress.ip_network("fd00:ec2::254/128"),
    ipaddress.ip_network("100.100.100.200/32"),
    ipaddress.ip_network("0.0.0.0/8"),
]


@dataclass(slots=True)
class Response:
    url: str
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    def sha(self) -> str:
        return hashlib.blake2b(self.body, digest_size=16).hexdigest()


def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse schemes other than http(s) and addresses the rules forbid (raises SourceRefused)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise SourceRefused(f"only http and https sources are allowed, not {parts.scheme or 'no scheme'!r}")
    host = parts.hostname
    if not host:
        raise SourceRefused(f"the URL {url!r} has no host")
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80),
                                   proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve {host!r}: {exc.strerror}") from exc
    for info in infos:
        addr = ipaddress.ip_address(info[4][0])
        if any(addr in net for net in ALWAYS_REFUSED):
            raise SourceRefused(f"{host} resolves to {addr}, a link-local or metadata address: refused")
        if not allow_private and (addr.is_private or addr.is_loopback or addr.is_reserved
                                  or addr.is_multicast or addr.is_unspecified):
            raise SourceRefused(
                f"{host} resolves to {addr}, a private or loopback address: refused "
                "(set DATAKATALOG_ALLOW_PRIVATE_SOURCES to allow it)")


class Fetcher:
    """Fetches documents within the limits the settings give."""

    def __init__(self, settings: Settings, *, retries: int = 2, backoff: float = 0.5) -> None:
        self.settings = settings
        self.retries = retries
        self.backoff = backoff
        self.session = requests.Session()
        self.session.headers["User-Agent"] = settings.user_agent
        self.session.headers["Accept"] = (
            "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.9, "
            "application/n-triples;q=0.8, application/json;q=0.7, */*;q=0.1")
        self.requests = 0

    def close(self) -> None:
        self.session.close()

    def get(self, url: str, *, headers: dict[str, str] | None = None) -> Response:
        """GET with retries on connection errors, 429 and 5xx (honouring Retry-After)."""
        attempt = 0
        while True:
            try:
                return self._get_once(url, headers or {})
            except SourceHTTPError as exc:
                if exc.status_code not in RETRY_STATUSES or attempt >= self.retries:
                    raise
                delay = getattr(exc, "retry_after", None) or self.backoff * (2**attempt)
            except (SourceTimeout, FetchError) as exc:
                if isinstance(exc, SourceRefused | SourceTooLarge) or attempt >= self.retries:
                    raise
                delay = self.backoff * (2**attempt)
            attempt += 1
            time.sleep(min(delay, 30.0))

    def _get_once(self, url: str, headers: dict[str, str]) -> Response:
        deadline = time.monotonic() + self.settings.fetch_timeout * 4
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            check_url(current, allow_private=self.settings.allow_private_sources)
            self.requests += 1
            try:
                resp = self.session.get(current, headers=headers, stream=True, allow_redirects=False,
                                        timeout=(self.settings.fetch_timeout, self.settings.fetch_timeout))
            except requests.Timeout as exc:
                raise SourceTimeout(f"{current}: no answer within {self.settings.fetch_timeout:g} s") from exc
            except requests.RequestException as exc:
                raise FetchError(f"{current}: {type(exc).__name__}: {exc}") from exc
            with resp:
                if resp.is_redirect or resp.status_code in (301, 302, 303, 307, 308):
                    location = resp.headers.get("location")
                    if not location:
                        raise FetchError(f"{current}: redirect without a Location")
                    current = urljoin(current, location)
                    continue
                body = self._read(resp, current, deadline)
                hdrs = {k.lower(): v for k, v in resp.headers.items()}
                if resp.status_code >= 400:
                    err = SourceHTTPError(f"{current}: HTTP {resp.status_code} {resp.reason or ''}".strip(),
                                          resp.status_code)
                    retry_after = hdrs.get("retry-after", "")
                    if retry_after.isdigit():
                        err.retry_after = float(retry_after)  # type: ignore[attr-defined]
                    raise err
                return Response(url=current, status=resp.status_code, body=body, headers=hdrs)
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")

    def _read(self, resp: requests.Response, url: str, deadline: float) -> bytes:
        limit = self.settings.fetch_max_bytes
        declared = resp.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise SourceTooLarge(f"{url}: {int(declared):,} bytes, over the {limit:,}-byte limit")
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in resp.iter_content(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise SourceTooLarge(f"{url}: body over the {limit:,}-byte limit")
                if time.monotonic() > deadline:
                    raise SourceTimeout(f"{url}: the body did not arrive within the total deadline")
                chunks.append(chunk)
        except requests.RequestException as exc:
            raise SourceTimeout(f"{url}: reading the body failed: {exc}") from exc
        return b"".join(chunks)
