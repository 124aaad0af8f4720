"""Bounded HTTP fetching with requests: timeouts, a total deadline, a size cap, retries, an address guard.

One :class:`Fetcher` (one ``requests.Session``) per run. What bounds a request:

- connect and read timeouts (``FETCH_TIMEOUT``), and a total deadline per response
  (``FETCH_DEADLINE``) enforced by a watchdog that shuts down every socket the request reads from:
  a read timeout alone never ends a server that trickles one byte every few seconds. The sockets
  are tracked themselves, not through urllib3's connection: for an answer that ends with
  ``Connection: close`` http.client detaches the socket from its connection while the body is
  still being read, and the watchdog must reach it all the same. A connect (and the TLS handshake,
  which CPython bounds by the socket's timeout as a whole) waits at most the budget that is left;
- a body size cap (``FETCH_MAX_BYTES``), checked from ``Content-Length`` and again while streaming;
- redirects followed by hand (``FETCH_MAX_REDIRECTS``), each hop's URL checked before it is asked;
- retries with exponential backoff after connection errors, 429 and 5xx, honouring ``Retry-After``
  up to ``FETCH_RETRY_AFTER_MAX``; timeouts, refusals and oversized bodies are not retried.

Addresses are checked twice: when a URL is about to be requested (:func:`check_url`, clear errors
early) and again at connect time, on the very address the socket connects to. The second check
closes the DNS-rebinding gap: a name that resolved to a public address for the first check and to
169.254.169.254 a moment later is refused, because the connection is made only to addresses that
were checked in the same resolution. Proxies from the environment are not used (``trust_env`` off):
through a proxy the proxy would resolve the name and the guard could not see where it connects.
"""

from __future__ import annotations

import contextlib
import email.utils
import functools
import hashlib
import ipaddress
import re
import socket
import sys
import threading
import time
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection as u3connection

from catalog.settings import Settings
from harvester.errors import (
    FetchError,
    SourceHTTPError,
    SourceRefused,
    SourceTimeout,
    SourceTooLarge,
    SourceUnreachable,
)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024

# Link-local ranges and cloud metadata services: refused even when private sources are allowed.
ALWAYS_REFUSED = [
    ipaddress.ip_network("169.254.0.0/16"),  # link-local; AWS, GCP, Azure, OpenStack metadata
    ipaddress.ip_network("fe80::/10"),  # IPv6 link-local
    ipaddress.ip_network("fd00:ec2::254/128"),  # AWS metadata over IPv6
    ipaddress.ip_network("100.100.100.200/32"),  # Alibaba Cloud metadata
    ipaddress.ip_network("0.0.0.0/8"),  # "this network": 0.0.0.0 reaches the local host
    ipaddress.ip_network("::/128"),
]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


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


def check_address(host: str, addr: Address, *, allow_private: bool) -> None:
    """Refuse an address the rules forbid (raises SourceRefused)."""
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped  # ::ffff:169.254.169.254 is 169.254.169.254
    if any(addr in net for net in ALWAYS_REFUSED):
        raise SourceRefused(f"{host} resolves to {addr}, a link-local or cloud-metadata address: refused")
    if not allow_private and (not addr.is_global or addr.is_multicast):
        raise SourceRefused(
            f"{host} resolves to {addr}, a private or loopback address: refused "
            "(set DATAKATALOG_ALLOW_PRIVATE_SOURCES to allow it)")


def resolve(host: str, port: int, *, allow_private: bool) -> list[tuple[socket.AddressFamily, str]]:
    """Every address ``host`` resolves to, each checked; raises SourceRefused or socket.gaierror."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    out: list[tuple[socket.AddressFamily, str]] = []
    for family, _type, _proto, _name, sockaddr in infos:
        ip = str(sockaddr[0]).split("%", 1)[0]
        check_address(host, ipaddress.ip_address(ip), allow_private=allow_private)
        if (family, str(sockaddr[0])) not in out:
            out.append((family, str(sockaddr[0])))
    return out


def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse schemes other than http(s) and addresses the rules forbid (raises SourceRefused)."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # an unclosed IPv6 bracket ("http://[::1/"), a bracketed non-address
        raise SourceRefused(f"the URL {url[:200]!r} is not a valid URL: {exc}") from exc
    if parts.scheme not in ("http", "https"):
        raise SourceRefused(f"only http and https sources are allowed, not {parts.scheme or 'no scheme'!r}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise SourceRefused(f"the URL {url!r} has an invalid port") from exc
    if not host:
        raise SourceRefused(f"the URL {url!r} has no host")
    try:
        resolve(host, port or (443 if parts.scheme == "https" else 80), allow_private=allow_private)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve {host!r}: {exc.strerror}") from exc


class _Guard:
    """The address policy of one fetcher, the sockets it opened, and the deadline of its current request."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self._lock = threading.Lock()
        self.expired = threading.Event()
        self.deadline: float | None = None  # time.monotonic() by which the current request must be done

    def begin(self, seconds: float) -> None:
        with self._lock:
            self.expired = threading.Event()
            self.deadline = time.monotonic() + seconds

    def end(self) -> None:
        with self._lock:
            self.deadline = None

    def _budget(self, timeout: float | None) -> float | None:
        """``timeout``, shortened to what is left of the current request's deadline."""
        if self.deadline is None:
            return timeout
        left = self.deadline - time.monotonic()
        return left if timeout is None else min(timeout, left)

    def connect(self, conn: HTTPConnection) -> socket.socket:
        """Resolve, check and connect to a checked address only (what urllib3's ``_new_conn`` does, guarded)."""
        try:
            addresses = resolve(conn._dns_host, conn.port or conn.default_port,  # type: ignore[attr-defined]
                                allow_private=self.allow_private)
        except socket.gaierror as exc:
            raise NameResolutionError(conn.host, conn, exc) from exc
        last: OSError | None = None
        for _family, ip in addresses:
            timeout = self._budget(conn.timeout)  # type: ignore[arg-type]
            if timeout is not None and timeout <= 0:
                last = TimeoutError("the deadline passed")
                break
            try:
                sock = u3connection.create_connection(
                    (ip, conn.port or conn.default_port), timeout, source_address=conn.source_address,
                    socket_options=conn.socket_options)
            except TimeoutError as exc:
                last = exc
                continue
            except OSError as exc:
                last = exc
                continue
            sys.audit("http.client.connect", conn, conn.host, conn.port)
            self.watch(sock)
            return sock
        if isinstance(last, TimeoutError):
            raise ConnectTimeoutError(conn, f"Connection to {conn.host} timed out (connect timeout={conn.timeout})")
        raise NewConnectionError(conn, f"Failed to establish a new connection: {last}")

    def watch(self, sock: socket.socket) -> None:
        """Track a socket a request reads from; one that appears after the deadline is cut at once."""
        with self._lock:
            self._sockets.add(sock)
            late = self.expired.is_set()
        if late:
            _shut(sock)

    def abort(self) -> None:
        """The deadline passed: shut down every socket this fetcher opened, so a blocked read returns at once."""
        with self._lock:
            self.expired.set()
            socks = list(self._sockets)
        for sock in socks:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    # socket.socket's own shutdown, also for a TLS socket: it acts on the connection underneath
    # without tearing down the TLS state another thread is reading with
    with contextlib.suppress(OSError):  # closed already, or detached into its TLS socket
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _GuardedHTTPConnection(HTTPConnection):
    def __init__(self, *args: Any, guard: _Guard, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.guard = guard

    def _new_conn(self) -> socket.socket:
        return self.guard.connect(self)


class _GuardedHTTPSConnection(HTTPSConnection):
    def __init__(self, *args: Any, guard: _Guard, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.guard = guard

    def _new_conn(self) -> socket.socket:
        return self.guard.connect(self)

    def connect(self) -> None:
        super().connect()
        if self.sock is not None:  # the TLS socket: the plain one it wraps gave up its descriptor to it
            self.guard.watch(self.sock)


class _GuardedPoolManager(PoolManager):
    def __init__(self, guard: _Guard, **kw: Any) -> None:
        super().__init__(**kw)
        self.guard = guard

    def _new_pool(self, scheme: str, host: str, port: int,
                  request_context: dict[str, Any] | None = None) -> HTTPConnectionPool:
        pool = super()._new_pool(scheme, host, port, request_context)
        cls = _GuardedHTTPSConnection if scheme == "https" else _GuardedHTTPConnection
        pool.ConnectionCls = functools.partial(cls, guard=self.guard)  # type: ignore[assignment]
        return pool


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, guard: _Guard) -> None:
        self.guard = guard
        super().__init__(max_retries=0)  # retries are ours: they honour Retry-After and the settings

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        self._pool_connections = connections
        self._pool_maxsize = maxsize
        self._pool_block = block
        self.poolmanager = _GuardedPoolManager(self.guard, num_pools=connections, maxsize=maxsize, block=block,
                                               **pool_kwargs)


def _reason(exc: Exception) -> str:
    """The operating system's words for a failed connection, without urllib3's wrapping."""
    inner = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
    inner = getattr(inner, "reason", None) or inner
    text = str(inner)
    found = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", text)
    if found:
        return found.group(1).strip()
    return " ".join(text.split())[:200] or type(inner).__name__


def retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # str.isdigit() alone also takes "²", which float() refuses
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = datetime.now(UTC).timestamp() if now is None else now
    return max(0.0, when.timestamp() - current)


class HostPause(Protocol):
    """Retry-After shared by the runs of several workers (harvester/host_pauses.py)."""

    def wait(self, host: str) -> None: ...

    def note(self, host: str, seconds: float) -> None: ...


class Fetcher:
    """Fetches documents within the limits the settings give."""

    def __init__(self, settings: Settings, *, retries: int | None = None, backoff: float | None = None,
                 pauses: HostPause | None = None) -> None:
        self.settings = settings
        self.pauses = pauses
        self.retries = settings.fetch_retries if retries is None else retries
        self.backoff = settings.fetch_backoff if backoff is None else backoff
        self._guard = _Guard(settings.allow_private_sources)
        self.session = requests.Session()
        self.session.trust_env = False  # no environment proxies or .netrc: see the module docstring
        adapter = _GuardedAdapter(self._guard)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = settings.user_agent
        self.session.headers["Accept"] = (
            "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.9, "
            "application/n-triples;q=0.8, application/json;q=0.7, */*;q=0.1")
        self.requests = 0

    def close(self) -> None:
        self.session.close()

    def get(self, url: str, *, headers: dict[str, str] | None = None) -> Response:
        """GET within the bounds; retries connection errors, 429 and 5xx (honouring Retry-After).

        Raises SourceTimeout, SourceTooLarge, SourceRefused, SourceUnreachable, SourceHTTPError or
        FetchError, each with a one-line message naming the URL.
        """
        attempt = 0
        cap = self.settings.fetch_retry_after_max
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:  # a URL Python cannot split: _get_once refuses it with a clear error
            host = ""
        while True:
            if self.pauses is not None:
                self.pauses.wait(host)  # another worker's run may have been asked to wait
            asked: float | None = None
            try:
                resp = self._get_once(url, headers or {})
            except SourceUnreachable:
                if attempt >= self.retries:
                    raise
                delay = self.backoff * (2**attempt)
            else:
                if resp.status < 400:
                    return resp
                asked = retry_after(resp.headers.get("retry-after")) if resp.status in RETRY_STATUSES else None
                if asked is not None and self.pauses is not None:
                    self.pauses.note(host, asked)
                if resp.status not in RETRY_STATUSES or attempt >= self.retries:
                    tries = f" after {attempt + 1} attempts" if attempt else ""
                    raise SourceHTTPError(f"{resp.url}: HTTP {resp.status}{tries}", resp.status)
                delay = asked if asked is not None else self.backoff * (2**attempt)
            attempt += 1
            if asked is not None and self.pauses is not None:
                continue  # the pause just noted is waited out at the top, by this run and every other
            time.sleep(max(0.0, min(delay, cap)))

    def _get_once(self, url: str, headers: dict[str, str]) -> Response:
        """One request and its redirects, within one total deadline; error statuses are returned."""
        s = self.settings
        self._guard.begin(s.fetch_deadline)
        expired = self._guard.expired
        watchdog = threading.Timer(s.fetch_deadline, self._guard.abort)
        watchdog.daemon = True
        watchdog.start()
        current = url
        try:
            for _hop in range(s.fetch_max_redirects + 1):
                where = url if current == url else f"{url} redirects to {current}"
                try:
                    check_url(current, allow_private=s.allow_private_sources)
                    self.requests += 1
                    # the guard checks the address again at connect time (SourceRefused)
                    resp = self.session.get(current, headers=headers, stream=True, allow_redirects=False,
                                            timeout=(s.fetch_timeout, s.fetch_timeout))
                except SourceRefused as exc:
                    raise SourceRefused(f"{where}: {exc.message}") from exc
                except FetchError as exc:
                    raise FetchError(f"{where}: {exc.message}") from exc
                except requests.RequestException as exc:
                    raise self._request_error(current, exc, expired) from exc
                except ValueError as exc:  # requests reads a redirect's Location ahead, even when not following it
                    raise FetchError(f"{where}: redirect to an invalid URL: {exc}") from exc
                with resp:
                    if resp.status_code in REDIRECT_STATUSES:
                        location = resp.headers.get("location")
                        if not location:
                            raise FetchError(f"{current}: HTTP {resp.status_code} redirect without a Location")
                        try:
                            current = urljoin(current, location.strip())
                        except ValueError as exc:
                            raise FetchError(f"{current}: redirect to an invalid URL {location[:200]!r}") from exc
                        continue
                    hdrs = {k.lower(): v for k, v in resp.headers.items()}
                    # an error answer's body is not needed: only its status and Retry-After
                    body = self._read(resp, current, expired) if resp.status_code < 400 else b""
                    return Response(url=current, status=resp.status_code, body=body, headers=hdrs)
            raise FetchError(f"{url}: more than {s.fetch_max_redirects} redirects (last to {current})")
        finally:
            watchdog.cancel()
            self._guard.end()

    def _request_error(self, url: str, exc: requests.RequestException, expired: threading.Event) -> FetchError:
        s = self.settings
        if expired.is_set():
            return SourceTimeout(f"{url}: the answer did not arrive within the {s.fetch_deadline:g} s deadline")
        if isinstance(exc, requests.ConnectTimeout):
            return SourceUnreachable(f"{url}: could not connect within {s.fetch_timeout:g} s")
        if isinstance(exc, requests.Timeout):
            return SourceTimeout(f"{url}: no answer within {s.fetch_timeout:g} s")
        if isinstance(exc, requests.exceptions.SSLError):  # a bad certificate does not heal on retry
            return FetchError(f"{url}: TLS failed: {_reason(exc)}")
        if isinstance(exc, requests.ConnectionError):
            return SourceUnreachable(f"{url}: connection failed: {_reason(exc)}")
        return FetchError(f"{url}: {type(exc).__name__}: {exc}".splitlines()[0])

    def _read(self, resp: requests.Response, url: str, expired: threading.Event) -> bytes:
        s = self.settings
        limit = s.fetch_max_bytes
        declared = resp.headers.get("content-length", "").strip()
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            raise SourceTooLarge(f"{url}: {int(declared):,} bytes declared, over the {limit:,}-byte limit")
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in resp.iter_content(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise SourceTooLarge(f"{url}: body over the {limit:,}-byte limit")
                chunks.append(chunk)
        except requests.RequestException as exc:
            if expired.is_set():
                raise SourceTimeout(f"{url}: the body did not arrive within the {s.fetch_deadline:g} s deadline") \
                    from exc
            if isinstance(exc, requests.ConnectionError) and "timed out" in str(exc).lower():
                raise SourceTimeout(f"{url}: no data for {s.fetch_timeout:g} s while reading the body") from exc
            raise SourceUnreachable(f"{url}: the connection broke while reading the body") from exc
        if expired.is_set():  # the watchdog cut the socket: what arrived is not the whole body
            raise SourceTimeout(f"{url}: the body did not arrive within the {s.fetch_deadline:g} s deadline")
        return b"".join(chunks)
