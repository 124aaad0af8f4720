"""Security of the HTML pages: response headers (CSP and friends) and CSRF tokens for forms.

The policy allows scripts and styles only from the application itself: templates carry no inline
``<script>`` and no ``style=""`` attribute, so the policy never needs ``'unsafe-inline'``.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from catalog.errors import Forbidden

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
HTML_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}
CSRF_COOKIE = "csrf"
CSRF_FIELD = "csrf_token"
_TOKEN_BYTES = 32


class SecurityHeaders:
    """ASGI middleware: every HTML response gets :data:`HTML_HEADERS` unless it set its own.

    A pure ASGI wrapper rather than Starlette's BaseHTTPMiddleware, which would copy every
    response body through a stream and cost the JSON API time on every request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html"):
                    for name, value in HTML_HEADERS.items():
                        if name.encode() not in names:
                            headers.append((name.encode(), value.encode()))
                else:  # JSON, RDF, files: nosniff still matters, the rest is about documents
                    if b"x-content-type-options" not in names:
                        headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _valid(token: str | None) -> bool:
    return bool(token) and len(token or "") == 43 and all(c.isalnum() or c in "-_" for c in token or "")


def csrf_token(request: Request) -> str:
    """This browser's CSRF token: the one in its ``csrf`` cookie, or a new one.

    A new token is kept on ``request.state`` so that :func:`api.web.render.render` sets the cookie
    (HttpOnly, SameSite=Strict, Secure under an https BASE_URL) on the page carrying the form.
    """
    existing = getattr(request.state, "csrf_token", None)
    if existing:
        return str(existing)
    token = request.cookies.get(CSRF_COOKIE)
    if not _valid(token):
        token = secrets.token_urlsafe(_TOKEN_BYTES)
        request.state.csrf_new = True
    request.state.csrf_token = token
    return str(token)


def check_csrf(request: Request, form_value: str | None) -> None:
    """Raise Forbidden (a 403 page, or problem JSON for non-browsers) unless the form's token is the cookie's."""
    cookie = request.cookies.get(CSRF_COOKIE)
    if not (_valid(cookie) and form_value and hmac.compare_digest(str(cookie), form_value)):
        raise Forbidden("the form has expired or did not come from this site: reload the page and try again")


def secure_cookies(request: Request) -> bool:
    """Cookies are Secure when the public address is https."""
    settings = getattr(request.app.state, "settings", None)
    return bool(settings and str(settings.base_url).startswith("https://"))
