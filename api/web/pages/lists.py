"""Curated lists for people: make one, add datasets from search and dataset pages, edit, share, print.

Whoever made a list may change it. That right is the list's edit token, kept in the browser in an
HttpOnly, SameSite=Strict cookie (``list_edit``, sent only under ``/lists``) holding the tokens of the
lists this browser may change, most recently used first. The token can also travel as a shareable
edit link (``/lists/{id}?edit=<token>``); following one moves the token into the cookie and redirects
to the clean address at once, so that the secret does not stay in the address bar or the history
(and :class:`RedactEditTokens` keeps it out of the access log).

Every change is a plain POST form carrying the CSRF token, so everything works without JavaScript.
The rules (who may change what, which list is "the current one") live in
:mod:`catalog.services.lists`, shared with the JSON API; this module reads forms and cookies.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import EngineDep, SettingsDep
from api.web import i18n, security
from api.web.render import render
from api.web.views import localise_item
from catalog.errors import Forbidden, InvalidInput
from catalog.services import lists

router = APIRouter(include_in_schema=False)

EDIT_COOKIE = "list_edit"
NOTICE_COOKIE = "list_notice"
COOKIE_PATH = "/lists"
REMEMBERED = 40  # lists whose edit tokens one browser keeps (about 2.3 KB of cookie)
EDIT_COOKIE_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie
NOTICE_AGE = 60
NOTICE_KINDS = ("added", "present", "created", "claimed", "moved", "removed", "saved")
EXPORTS = (("csv", "CSV"), ("xlsx", "Excel (XLSX)"), ("md", "Markdown"), ("ttl", "DCAT-AP-SE (Turtle)"),
           ("rdf", "DCAT-AP-SE (RDF/XML)"), ("jsonld", "DCAT-AP-SE (JSON-LD)"))
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
# what a cookie's Path may hold: no ';', ',' or space (they would end or split the attribute)
_COOKIE_PATH = re.compile(r"/[A-Za-z0-9/._~%:@!$&'()*+=-]*")
_EDIT_PARAM = re.compile(r"([?&]edit=)[^&\s]*")

Field = Annotated[str, Form()]
OptionalField = Annotated[str | None, Form()]


class RedactEditTokens(logging.Filter):
    """Keeps edit tokens out of the access log: ``?edit=<token>`` is logged as ``?edit=…``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, str) and "edit=" in a for a in record.args):
            record.args = tuple(_EDIT_PARAM.sub(r"\1…", a) if isinstance(a, str) else a for a in record.args)
        return True


def _redact_access_log() -> None:
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactEditTokens) for f in logger.filters):
        logger.addFilter(RedactEditTokens())


_redact_access_log()


# -- the edit cookie ------------------------------------------------------------------------------


def held_tokens(request: Request) -> list[tuple[str, str]]:
    """The (list id, edit token) pairs this browser's cookie holds, most recently used first."""
    pairs: list[tuple[str, str]] = []
    for entry in request.cookies.get(EDIT_COOKIE, "").split("~"):
        list_id, _, token = entry.partition(".")
        if _TOKEN.fullmatch(list_id) and _TOKEN.fullmatch(token) and list_id not in dict(pairs):
            pairs.append((list_id, token))
    return pairs[:REMEMBERED]


def _remember(request: Request, response: Response, list_id: str, token: str) -> None:
    """Put ``list_id``'s token first in the edit cookie (the current list is the first one)."""
    pairs = [(list_id, token), *((i, t) for i, t in held_tokens(request) if i != list_id)][:REMEMBERED]
    response.set_cookie(EDIT_COOKIE, "~".join(f"{i}.{t}" for i, t in pairs), max_age=EDIT_COOKIE_AGE,
                        path=COOKIE_PATH, httponly=True, samesite="strict",
                        secure=security.secure_cookies(request))


def _edit_token(request: Request, engine: Any, list_id: str) -> str:
    """This browser's edit token of ``list_id``; Forbidden (a 403 page) when it holds none that works."""
    token = dict(held_tokens(request)).get(list_id)
    if not lists.can_edit(engine, list_id, token):
        lists.list_doc(engine, list_id)  # an unknown list is a 404, not a 403
        raise Forbidden(_t(request)("Only whoever made this list, or has its edit link, can change it."))
    return str(token)


def _t(request: Request) -> Any:
    return i18n.Translator(i18n.negotiate(request)).gettext


# -- confirmations after a redirect ---------------------------------------------------------------


def _notice(request: Request, response: Response, kind: str, list_id: str, path: str) -> None:
    """A one-minute cookie for the page ``path``: what just happened to which list."""
    response.set_cookie(NOTICE_COOKIE, f"{kind}.{list_id}", max_age=NOTICE_AGE, path=path, httponly=True,
                        samesite="lax", secure=security.secure_cookies(request))


def read_notice(request: Request) -> dict[str, str] | None:
    """The confirmation a redirect left for this page: ``kind`` and ``list_id``."""
    kind, _, list_id = request.cookies.get(NOTICE_COOKIE, "").partition(".")
    if kind in NOTICE_KINDS and _TOKEN.fullmatch(list_id):
        return {"kind": kind, "list_id": list_id}
    return None


def _return_path(request: Request, next_value: str | None, base_url: str) -> str | None:
    """Where to go back to: the form's ``next`` (a path on this site), else the Referer of this site."""
    # this site: as the request reached the app, or as the public BASE_URL names it (behind a proxy)
    hosts = {request.url.netloc, request.headers.get("host"), urlsplit(base_url).netloc}
    candidates: list[tuple[str, bool]] = [(next_value or "", False), (request.headers.get("referer", ""), True)]
    for value, absolute in candidates:
        if not value or any(ord(c) < 0x21 or c == "\\" for c in value):
            continue
        parts = urlsplit(value)
        if absolute:
            if parts.netloc not in hosts:
                continue
        elif parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
            continue
        if not _COOKIE_PATH.fullmatch(parts.path):
            continue
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return None


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


# -- pages ----------------------------------------------------------------------------------------


def _mine(request: Request, engine: Any) -> list[dict[str, Any]]:
    return lists.editable_lists(engine, held_tokens(request))


@router.get("/lists")
def lists_home() -> RedirectResponse:
    return RedirectResponse("/lists/new", status_code=303)


@router.get("/lists/new")
def new_list(request: Request, engine: EngineDep) -> Response:
    """The form that makes a list, and the lists this browser can change."""
    return render(request, "lists/new.html", {"mine": _mine(request, engine), "form": {}, "error": None},
                  headers={"Cache-Control": "private, no-store"})


@router.post("/lists")
def create_list(request: Request, engine: EngineDep, settings: SettingsDep, title: Field = "",
                description: Field = "", csrf_token: OptionalField = None) -> Response:
    """Make a list (the same service as POST /api/lists); this browser keeps its edit right."""
    security.check_csrf(request, csrf_token)
    try:
        made = lists.create_list(engine, title=title, description=description, base_url=settings.base_url)
    except InvalidInput as exc:
        return render(request, "lists/new.html",
                      {"mine": _mine(request, engine), "form": {"title": title, "description": description},
                       "error": exc.message}, status_code=422, headers={"Cache-Control": "private, no-store"})
    response = _see_other(f"/lists/{made['id']}")
    _remember(request, response, made["id"], made["edit_token"])
    _notice(request, response, "created", made["id"], f"/lists/{made['id']}")
    return response


@router.post("/lists/add")
def add_to_list(request: Request, engine: EngineDep, settings: SettingsDep, dataset_id: Field = "",
                list_id: OptionalField = None, next: OptionalField = None,  # noqa: A002
                csrf_token: OptionalField = None) -> Response:
    """Add a dataset to the current list (or to ``list_id``), making a list when there is none; then back."""
    security.check_csrf(request, csrf_token)
    if list_id:
        _edit_token(request, engine, list_id)
    tr = i18n.Translator(i18n.negotiate(request))
    title = tr.gettext("List of %(date)s", date=tr.fmt_date(date.today(), "medium"))
    result = lists.add_to_current(engine, tokens=held_tokens(request), dataset_id=dataset_id,
                                  list_id=list_id or None, new_title=title, base_url=settings.base_url)
    back = _return_path(request, next, settings.base_url) or f"/lists/{result['id']}"
    response = _see_other(back)
    if result["edit_token"]:
        _remember(request, response, result["id"], result["edit_token"])
        kind = "created"
    else:
        _remember(request, response, result["id"], dict(held_tokens(request))[result["id"]])
        kind = "added" if result["added"] else "present"
    _notice(request, response, kind, result["id"], urlsplit(back).path)
    return response


@router.get("/lists/{list_id}")
def show_list(request: Request, list_id: str, engine: EngineDep, settings: SettingsDep,
              edit: str | None = None) -> Response:
    """A list with its datasets; with this browser's edit right, the forms that change it."""
    if edit is not None:
        return _claim(request, engine, list_id, edit)
    data = lists.get_list(engine, list_id, base_url=settings.base_url)
    lang = i18n.negotiate(request)
    token = dict(held_tokens(request)).get(list_id)
    editor = lists.can_edit(engine, list_id, token)
    context = {
        "list": {**data, "datasets": [_localise(d, lang) for d in data["datasets"]]},
        "editor": editor,
        "edit_link": f"{settings.base_url.rstrip('/')}/lists/{list_id}?edit={token}" if editor else None,
        "exports": EXPORTS,
        "list_notice": read_notice(request),
        "form": {"title": data["title"], "description": data["description"]},
        "error": None,
    }
    return _list_page(request, context)


def _list_page(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    # an editor's page shows the edit link: never stored by a shared cache
    response = render(request, "lists/list.html", context, status_code=status_code,
                      headers={"Cache-Control": "private, no-store"} if context["editor"] else None)
    if context["list_notice"]:
        response.delete_cookie(NOTICE_COOKIE, path=request.url.path, httponly=True, samesite="lax",
                               secure=security.secure_cookies(request))
    return response


def _claim(request: Request, engine: Any, list_id: str, token: str) -> Response:
    """An edit link: its token goes into the cookie and the address loses it (303 to the clean URL)."""
    if not lists.can_edit(engine, list_id, token):
        lists.list_doc(engine, list_id)  # 404 for an unknown list
        raise Forbidden(_t(request)("This edit link is not valid for this list."))
    response = _see_other(f"/lists/{list_id}")
    response.headers["Referrer-Policy"] = "no-referrer"
    _remember(request, response, list_id, token)
    # a notice cookie is SameSite=Lax: it arrives even when the link was followed from another site,
    # where the Strict edit cookie is held back for this one navigation; the page then says so
    _notice(request, response, "claimed", list_id, f"/lists/{list_id}")
    return response


def _localise(item: dict[str, Any], lang: str) -> dict[str, Any]:
    # the exports' rule: a dataset that states no access rights counts as open
    return {**localise_item(item, lang), "access": item.get("access") or "open"}


@router.post("/lists/{list_id}")
def edit_list(request: Request, list_id: str, engine: EngineDep, settings: SettingsDep, title: Field = "",
              description: Field = "", csrf_token: OptionalField = None) -> Response:
    """Change the title and description."""
    security.check_csrf(request, csrf_token)
    token = _edit_token(request, engine, list_id)
    try:
        lists.update_list(engine, list_id, token=token, base_url=settings.base_url, title=title,
                          description=description)
    except InvalidInput as exc:
        data = lists.get_list(engine, list_id, base_url=settings.base_url)
        lang = i18n.negotiate(request)
        context = {"list": {**data, "datasets": [_localise(d, lang) for d in data["datasets"]]}, "editor": True,
                   "edit_link": f"{settings.base_url.rstrip('/')}/lists/{list_id}?edit={token}",
                   "exports": EXPORTS, "list_notice": None, "form": {"title": title, "description": description},
                   "error": exc.message}
        return _list_page(request, context, status_code=422)
    return _changed(request, list_id, "saved", "#edit")


@router.post("/lists/{list_id}/remove")
def remove_from_list(request: Request, list_id: str, engine: EngineDep, settings: SettingsDep,
                     dataset_id: Field = "", csrf_token: OptionalField = None) -> Response:
    """Take one dataset out of the list."""
    security.check_csrf(request, csrf_token)
    token = _edit_token(request, engine, list_id)
    lists.update_list(engine, list_id, token=token, base_url=settings.base_url, remove=[dataset_id])
    return _changed(request, list_id, "removed", "#datasets")


@router.post("/lists/{list_id}/move")
def move_in_list(request: Request, list_id: str, engine: EngineDep, dataset_id: Field = "",
                 direction: Field = "", csrf_token: OptionalField = None) -> Response:
    """Move one dataset a place up or down."""
    security.check_csrf(request, csrf_token)
    token = _edit_token(request, engine, list_id)
    steps = {"up": -1, "down": 1}
    if direction not in steps:
        raise InvalidInput("direction: up or down")
    lists.move_dataset(engine, list_id, token=token, dataset_id=dataset_id, by=steps[direction])
    return _changed(request, list_id, "moved", f"#item-{dataset_id}")


def _changed(request: Request, list_id: str, kind: str, fragment: str) -> Response:
    response = _see_other(f"/lists/{list_id}{fragment}")
    _notice(request, response, kind, list_id, f"/lists/{list_id}")
    return response


@router.get("/lists/{list_id}/print")
def print_list(request: Request, list_id: str, engine: EngineDep, settings: SettingsDep) -> Response:
    """The list as a hand-out: one block per dataset with its links written out, for paper."""
    data = lists.get_list(engine, list_id, base_url=settings.base_url)
    lang = i18n.negotiate(request)
    base = settings.base_url.rstrip("/")
    return render(request, "lists/print.html", {
        "list": {**data, "datasets": [_localise(d, lang) for d in data["datasets"]]},
        "base_url": base, "list_url": f"{base}/lists/{list_id}", "today": date.today(),
    })

