"""Text people write into the catalogue: the one rule for names and titles, and source URLs shown safely.

Names and titles (of sources, organisations, lists, publishers) are shown to everyone, in pages, feeds
and exports. Control characters break those outputs (and NUL cannot be stored in PostgreSQL), and bidi
controls make a name read differently from what it is ("U+202E" turns ``evil‮txt.exe`` around), so
:func:`check_text` refuses both, naming the field. Descriptions may have line breaks and tabs.

A source URL is public (``/api/sources``, the audit log); :func:`url_credentials` finds a user or a
password in one (registration refuses it) and :func:`without_credentials` masks them in a URL stored
before that rule.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from catalog.errors import FieldError

BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f"  # Arabic letter mark, left-to-right and right-to-left marks
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # isolates
)
LINE_BREAKS = frozenset("\n\r\t")


def refused_character(text: str, *, multiline: bool = False) -> str | None:
    """The first character ``text`` may not contain (C0 and C1 controls, DEL, bidi controls), or None.
    ``multiline``: line breaks and tabs are allowed (descriptions)."""
    for ch in text:
        code = ord(ch)
        if code < 0x20 or 0x7F <= code <= 0x9F:
            if multiline and ch in LINE_BREAKS:
                continue
            return ch
        if ch in BIDI_CONTROLS:
            return ch
    return None


def check_text(field: str, text: str, *, multiline: bool = False) -> str:
    """``text`` unchanged, or FieldError(field) naming the control or bidi character it contains."""
    ch = refused_character(text, multiline=multiline)
    if ch is not None:
        kind = "a bidirectional control character" if ch in BIDI_CONTROLS else "a control character"
        raise FieldError(field, f"contains {kind} (U+{ord(ch):04X}); write plain text"
                                + ("" if multiline else " on one line"))
    return text


def url_credentials(url: str) -> bool:
    """Whether a URL carries a user name or a password (``https://user:secret@host/``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return "@" in parts.netloc


def without_credentials(url: str) -> str:
    """The URL with a user name and password replaced by ``***`` (a URL without them unchanged)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"***@{host}"))
