"""Normalisers shared by every adapter and output: dates, times, e-mail addresses, URLs."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from catalog.rdf.namespaces import XSD

# -- times we store ---------------------------------------------------------------------------


def iso(value: datetime | None, *, naive: bool = False) -> str | None:
    """ISO 8601 text of a stored time (``naive``: without the offset, as CKAN writes UTC times)."""
    if value is None:
        return None
    return (value.replace(tzinfo=None) if naive else value).isoformat()


# -- dates sources send -----------------------------------------------------------------------

_YEAR = re.compile(r"-?\d{4}")
_PARTIAL_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


def normalise_date(raw: str | None, notes: list[str] | None = None, *, datatype: str | None = None) -> str | None:
    """An ISO 8601 date or date-time from the loose spellings sources send ("2021", "2021-03-04",
    "20210304", "04/03/2021", date-times with or without a zone); unreadable ones kept with a note.

    ``datatype`` is the XSD datatype IRI of an RDF literal: an xsd:gYear keeps a year before 1 CE.
    """
    raw = (raw or "").strip()
    if not raw:
        return None
    if datatype == XSD + "gYear" and _YEAR.fullmatch(raw):
        return raw
    if _PARTIAL_DATE.fullmatch(raw):
        if not is_valid_date(raw) and notes is not None:
            notes.append(f"impossible date {raw!r} kept as text")
        return raw
    try:
        return date.fromisoformat(raw).isoformat()  # "20240102" is a date, not midnight
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).isoformat()
    except ValueError:
        pass
    for pattern in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(raw, pattern)
        except ValueError:
            continue
        if parsed.hour or parsed.minute or parsed.second:
            return parsed.isoformat()
        return date(parsed.year, parsed.month, parsed.day).isoformat()
    if notes is not None:
        notes.append(f"unreadable date {raw!r} kept as text")
    return raw


def is_valid_date(value: str | None) -> bool:
    """Whether a stored date (as :func:`normalise_date` gives it) names a real day or time: a year,
    a year and month, a calendar date or an ISO 8601 date-time. "2020-13-45", "2021-02-30" and
    "yesterday at noon" are kept as the source said them, but are not valid (issue 15)."""
    if not value:
        return True
    if _YEAR.fullmatch(value):
        return True
    if len(value) == 7 and _PARTIAL_DATE.fullmatch(value):
        return 1 <= int(value[5:7]) <= 12
    try:
        date.fromisoformat(value)
        return True
    except ValueError:
        pass
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True
    except ValueError:
        return False


def sortable_date(value: str | None) -> str | None:
    """The date to sort a record by: its own when valid, none when impossible (sorted as missing)."""
    return value if value and is_valid_date(value) else None


def normalise_timestamp(value: object, notes: list[str], what: str) -> str | None:
    """An ISO 8601 date-time to the second from a system timestamp ("2021-03-04T09:12:33.123456");
    a plain date stays a date; an unreadable one is kept as text with a note naming ``what``."""
    if not isinstance(value, str) or not value.strip():
        return None
    raw = value.strip()
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        notes.append(f"unreadable {what} {raw!r} kept as text")
        return raw
    if len(raw) == 10:
        return parsed.date().isoformat()
    return parsed.isoformat(timespec="seconds")


# -- e-mail addresses -------------------------------------------------------------------------


def mailto(value: str | None) -> str | None:
    """An e-mail address as a ``mailto:`` IRI; text that is no address (no "@") is given back as it is."""
    if not value:
        return value
    value = value.strip()
    if "@" in value and not value.startswith("mailto:"):
        return "mailto:" + value
    return value


def email_iri(value: str | None) -> str | None:
    """The ``mailto:`` IRI of an e-mail address, or None for a value that is no address."""
    if not value or "@" not in value:
        return None
    return mailto(value)


# -- URLs -------------------------------------------------------------------------------------

_WEB_URL = re.compile(r"^https?://\S+$")
_IRI_SCHEMES = ("http://", "https://", "mailto:", "tel:", "ftp://", "urn:")


def is_web_url(value: str | None) -> bool:
    """An http(s) URL without spaces."""
    return bool(value) and bool(_WEB_URL.match(value or ""))


def looks_like_url(text: str) -> bool:
    """Text that starts like an IRI a catalogue links to (web, mail, telephone, FTP or URN)."""
    return text.startswith(_IRI_SCHEMES)


def web_url(value: str | None) -> str | None:
    """A URL with the scheme portals often drop put back: a bare ``www.`` host is not an IRI."""
    if value and value.startswith("www."):
        return "http://" + value
    return value


# -- periods of time --------------------------------------------------------------------------

_OPEN_END = ("", "..")


def temporal_interval(raw: str | None, notes: list[str] | None = None) -> dict[str, str] | None:
    """The start and end of an ISO 8601 time interval given as text ("2019-01-01/2020-12-31",
    "2019/2020", "2019-03/..": an open end is left out; a lone "2019" is that year); None, with a note,
    for text that is no interval of dates (a duration such as "2019-01-01/P1Y" keeps its start)."""
    text = (raw or "").strip()
    if not text:
        return None
    parts = text.split("/")
    if len(parts) == 1 and _PARTIAL_DATE.fullmatch(text) and is_valid_date(text):
        return {"start": text, "end": text}  # one year, month or day: the period it names
    if len(parts) != 2 or all(p.strip() in _OPEN_END for p in parts):
        if notes is not None:
            notes.append(f"temporal coverage {text!r} is no ISO 8601 interval; not mapped")
        return None
    period: dict[str, str] = {}
    for name, part in zip(("start", "end"), parts, strict=True):
        part = part.strip()
        if part in _OPEN_END:
            continue
        if name == "end" and part.upper().startswith("P"):
            if notes is not None:
                notes.append(f"temporal coverage {text!r}: the duration {part!r} is not mapped, only the start")
            continue
        value = normalise_date(part)
        if value is None or not is_valid_date(value) or not _looks_dated(value):
            if notes is not None:
                notes.append(f"temporal coverage {text!r} is no ISO 8601 interval; not mapped")
            return None
        period[name] = value
    return period or None


def _looks_dated(value: str) -> bool:
    return bool(_PARTIAL_DATE.match(value))


# -- language tags on text (issue 14) -----------------------------------------------------------

TAGGED_NOTE = "untagged text tagged"


def language_tag(value: str | None) -> str | None:
    """The BCP 47 tag (``sv``) of a language given as an EU language IRI, an EU code or a tag; None
    for a language without a two-letter tag we know."""
    from catalog import vocab

    code = vocab.language_code(value)
    if code is None:
        return None
    # vocab's table of two-letter tags is the one home of that mapping (read in reverse here)
    return next((tag for tag, eu in vocab._ISO639_1.items() if eu == code), None)


def single_language(values: list[str]) -> str | None:
    """The tag of the one language a catalogue declares (``dct:language``), or None when it declares
    none, several, or one we cannot tag."""
    tags = {language_tag(v) for v in values}
    if len(tags) != 1:
        return None
    return tags.pop()


def tag_untagged(rec: Any, lang: str) -> bool:
    """Give ``lang`` to the untagged titles, descriptions and keywords of a record and its
    distributions, where the source's catalogue declares that one language; text already given in
    ``lang`` is left as it is (the untagged value stays untagged beside it). Notes what it did and
    returns True when it tagged something. ``rec`` is a :class:`catalog.records.DatasetRecord`."""
    tagged: list[str] = []

    def tag(owner: str, name: str, value: dict[str, Any]) -> None:
        if "" in value and lang not in value:
            value[lang] = value.pop("")
            tagged.append(f"{owner}{name}")

    for name in ("title", "description", "keywords"):
        tag("", name, getattr(rec, name))
    for n, dist in enumerate(rec.distributions):
        for name in ("title", "description"):
            tag(f"distribution {n + 1} ", name, getattr(dist, name))
    if tagged:
        rec.notes.append(f"{TAGGED_NOTE} {lang!r}, the catalogue's only language: {', '.join(tagged)}")
    return bool(tagged)
