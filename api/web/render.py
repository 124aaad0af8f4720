"""Rendering a page: one Jinja2 environment (autoescaping everything) and the helpers every template gets."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape

from api.web import i18n, security
from api.web.i18n import N_
from catalog.resources import package_dir

# found through importlib.resources, so a wheel (or a zip) carries them (docs/architecture.md)
TEMPLATES_DIR = package_dir("api.web", "templates")
STATIC_DIR = package_dir("api.web", "static")


@pass_context
def _date_filter(ctx: Any, value: Any, fmt: str = "long") -> str:
    return str(ctx["date"](value, fmt))


@pass_context
def _datetime_filter(ctx: Any, value: Any, fmt: str = "medium") -> str:
    return str(ctx["datetime"](value, fmt))


@pass_context
def _number_filter(ctx: Any, value: Any) -> str:
    return str(ctx["number"](value))


# autoescape for every template whatever its name
env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)
# locale-aware filters: `{{ d.modified|date }}`, `{{ total|number }}` (the language is the page's)
env.filters.update({"date": _date_filter, "datetime": _datetime_filter, "number": _number_filter})


@lru_cache(maxsize=256)
def static_hash(path: str) -> str | None:
    """A short hash of a static file's content (None when there is no such file)."""
    file = (STATIC_DIR / path).resolve()
    if not file.is_relative_to(STATIC_DIR.resolve()) or not file.is_file():
        return None
    return hashlib.sha256(file.read_bytes()).hexdigest()[:12]


def static(path: str) -> str:
    """The URL of a static file, with its content hash so that it can be cached for a year."""
    digest = static_hash(path)
    return f"/static/{path}?v={digest}" if digest else f"/static/{path}"


def _items(params: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in params if v != ""]


def url_with(path: str, params: Iterable[tuple[str, str]]) -> str:
    query = urlencode(_items(params))
    return f"{path}?{query}" if query else path


def changed_params(request: Request, changes: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The request's query parameters with ``changes`` applied, in their order.

    A change to None removes the parameter, a list or tuple sets every value of it, anything else
    sets one value.
    """
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    for name, value in changes.items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            kept.extend((name, str(v)) for v in value)
        else:
            kept.append((name, str(value)))
    return kept


class PageUrls:
    """URL helpers bound to one request: links that keep the parameters a user chose.

    A result page links every facet value (hundreds of links): the encoded rest of the query
    string is computed once per parameter name, so each link costs one value's encoding.
    """

    def __init__(self, request: Request) -> None:
        self.request = request
        self.path = request.url.path
        self.items = request.query_params.multi_items()
        self._rest: dict[str, str] = {}

    def page_url(self, **changes: Any) -> str:
        """The current URL with ``changes`` (None removes a parameter)."""
        return url_with(self.path, changed_params(self.request, changes))

    def _with_values(self, name: str, values: list[str]) -> str:
        rest = self._rest.get(name)
        if rest is None:  # the query without this parameter and without the page (links go to page 1)
            rest = self._rest[name] = urlencode([(k, v) for k, v in self.items if k not in (name, "page") and v])
        own = urlencode([(name, v) for v in values if v])
        query = "&".join(part for part in (rest, own) if part)
        return f"{self.path}?{query}" if query else self.path

    def add_param(self, name: str, value: str) -> str:
        """The current URL with one more value of a multi-valued parameter, back on page 1."""
        values = [v for k, v in self.items if k == name]
        return self._with_values(name, values if value in values else [*values, value])

    def remove_param(self, name: str, value: str | None = None) -> str:
        """The current URL without one value of a parameter (or without all of them), back on page 1."""
        values = [] if value is None else [v for k, v in self.items if k == name and v != value]
        return self._with_values(name, values)


def render(request: Request, template: str, context: dict[str, Any], *, status_code: int = 200,
           headers: Mapping[str, str] | None = None) -> HTMLResponse:
    """Render a page in the request's language, with the helpers every template may use."""
    lang = i18n.negotiate(request)
    tr = i18n.Translator(lang)
    urls = PageUrls(request)
    body = env.get_template(template).render({
        "request": request,
        "lang": lang,
        "other_languages": [x for x in i18n.LANGUAGES if x != lang],
        "_": tr.gettext,
        "gettext": tr.gettext,
        "ngettext": tr.ngettext,
        "number": tr.fmt_number,
        "date": tr.fmt_date,
        "datetime": tr.fmt_datetime,
        "csrf_token": lambda: security.csrf_token(request),
        "csrf_field": security.CSRF_FIELD,
        "page_url": urls.page_url,
        "add_param": urls.add_param,
        "remove_param": urls.remove_param,
        "static": static,
        **context,
    })
    response = HTMLResponse(body, status_code=status_code, headers=dict(headers or {}))
    secure = security.secure_cookies(request)
    chosen = i18n.requested(request)
    if chosen and request.cookies.get(i18n.COOKIE) != chosen:
        response.set_cookie(i18n.COOKIE, chosen, max_age=365 * 24 * 3600, samesite="lax", secure=secure)
    if getattr(request.state, "csrf_new", False):
        response.set_cookie(security.CSRF_COOKIE, security.csrf_token(request), httponly=True,
                            samesite="strict", secure=secure)
    # the language (and the CSRF token) follow Accept-Language and the cookies
    response.headers.setdefault("Vary", "Accept-Language, Cookie")
    response.headers.setdefault("Content-Language", lang)
    return response


def wants_html(request: Request) -> bool:
    """A browser asking for a page: not an API, catalogue or health path, and text/html accepted."""
    path = request.url.path
    if path.startswith(("/api/", "/catalog.", "/healthz")) or path in ("/api", "/openapi.json"):
        return False
    return "text/html" in request.headers.get("accept", "")


ERROR_TITLES = {
    400: N_("Bad request"),
    403: N_("Forbidden"),
    404: N_("Page not found"),
    405: N_("Method not allowed"),
    410: N_("Gone"),
    422: N_("Invalid input"),
    500: N_("Something went wrong"),
}


def error_page(request: Request, status: int, detail: str | None = None, *,
               headers: Mapping[str, str] | None = None) -> HTMLResponse:
    """The error page (404, 410, 403, 422 …) in the request's language."""
    return render(request, "error.html", {"status": status, "title": ERROR_TITLES.get(status, "Error"),
                                          "detail": detail}, status_code=status, headers=headers)
