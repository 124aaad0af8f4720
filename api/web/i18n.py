"""The portal's languages: which one a request gets, its message catalogue, and locale formatting.

Interface texts live in gettext catalogues, ``locale/<lang>/LC_MESSAGES/<area>.po`` (one area per
part of the portal: ``portal``, ``lists``, ``console``). The msgids are the English texts, so English
needs a catalogue only for plurals. Every ``.po`` file of a language is merged into one translation
when first used; a missing or untranslated message falls back to its English msgid.
"""

from __future__ import annotations

import gettext
import io
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, get_group_symbol
from fastapi import Request

from catalog.resources import package_dir

LANGUAGES = ("sv", "en")
DEFAULT = "sv"
COOKIE = "lang"
# Babel locales: dates and numbers as read in Sweden and (for English) in Europe
LOCALES = {"sv": "sv_SE", "en": "en_GB"}
LOCALE_DIR = package_dir("api.web", "locale")


def _accept_language(header: str) -> str | None:
    """The best of LANGUAGES by an Accept-Language header's q-values (``en-GB`` counts as ``en``)."""
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES:
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        # the higher q wins; between equal q the earlier one
        if best is None or (q, -position) > (best[0], best[1]):
            best = (q, -position, primary)
    return best[2] if best else None


def requested(request: Request) -> str | None:
    """The language asked for with ``?lang=`` (to be remembered in the cookie), if a known one."""
    value = request.query_params.get("lang", "").lower()
    return value if value in LANGUAGES else None


def negotiate(request: Request) -> str:
    """``?lang=``, else the ``lang`` cookie, else Accept-Language, else Swedish."""
    lang = requested(request)
    if lang:
        return lang
    cookie = request.cookies.get(COOKIE, "").lower()
    if cookie in LANGUAGES:
        return cookie
    return _accept_language(request.headers.get("accept-language", "")) or DEFAULT


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> gettext.NullTranslations:
    """Every catalogue of ``lang`` merged (fuzzy entries left out), as a gettext translation."""
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    files = sorted(folder.glob("*.po")) if folder.is_dir() else []
    if not files:
        return gettext.NullTranslations()
    merged = Catalog(locale=lang)
    for path in files:
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for message in catalog:
            if message.id and message.string and not message.fuzzy:
                merged[message.id] = message
    buffer = io.BytesIO()
    write_mo(buffer, merged)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def N_(message: str) -> str:  # noqa: N802
    """Marks a message for the catalogue where it is defined; it is translated where it is shown."""
    return message


@lru_cache(maxsize=len(LANGUAGES))
def _locale(lang: str) -> Locale:
    return Locale.parse(LOCALES[lang])


class Translator:
    """The text functions templates get: ``_`` (with %-style named arguments) and ``ngettext``."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT
        self.locale = _locale(self.lang)
        self._t = translations(self.lang)
        self._group = get_group_symbol(self.locale)

    def gettext(self, message: str, **values: Any) -> str:
        text = self._t.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        text = self._t.ngettext(singular, plural, n)
        return text % {"num": self.fmt_number(n), **values}

    def fmt_number(self, value: float | int | None) -> str:
        if value is None:
            return ""
        if isinstance(value, int):  # counts, by the hundred on a result page: Babel's general path is slow
            return f"{value:,}".replace(",", self._group)
        return format_decimal(value, locale=self.locale)

    def fmt_date(self, value: date | datetime | str | None, fmt: str = "long") -> str:
        parsed = _parse_date(value)
        if parsed is None:
            return "" if value is None else str(value)
        day = parsed.date() if isinstance(parsed, datetime) else parsed
        return format_date(day, format=fmt, locale=self.locale)

    def fmt_datetime(self, value: datetime | str | None, fmt: str = "medium") -> str:
        parsed = _parse_date(value)
        if not isinstance(parsed, datetime):
            return self.fmt_date(parsed) if parsed else ("" if value is None else str(value))
        return format_datetime(parsed, format=fmt, locale=self.locale)


def _parse_date(value: date | datetime | str | None) -> date | datetime | None:
    """ISO dates and date-times as stored in records; anything else is not a date (shown as is)."""
    if value is None or isinstance(value, date):
        return value
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
