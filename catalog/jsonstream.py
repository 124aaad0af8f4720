"""JSON written piece by piece, so that a long list need not be held whole to be printed.

:func:`iter_json` gives the same text as ``json.dumps(value, ensure_ascii=False, indent=2,
default=str)``, in pieces; a list may be any iterable (a generator reading rows from the database),
which is consumed as the text is written. A harvest's ``--json`` report of 100,000 changes is written
this way (catalog/services/jobs.py's :func:`~catalog.services.jobs.job_report`), and so is
``GET /api/jobs/{id}`` (compact, with :func:`iter_json_bytes`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any


def _key(key: Any) -> str:
    """A mapping key as JSON writes it (keys are strings; numbers, booleans and null become text)."""
    if isinstance(key, str):
        return json.dumps(key, ensure_ascii=False)
    if key is True or key is False or key is None:
        return f'"{json.dumps(key)}"'
    if isinstance(key, int | float):
        return f'"{json.dumps(key)}"'
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def iter_json(value: Any, indent: int | None = 2, _level: int = 0) -> Iterator[str]:
    """``value`` as JSON text, in pieces (see the module's docstring). ``indent=None`` gives the
    compact text of ``separators=(",", ":")``, as FastAPI's JSON responses are written."""
    inner = "" if indent is None else "\n" + " " * (indent * (_level + 1))
    outer = "" if indent is None else "\n" + " " * (indent * _level)
    if isinstance(value, Mapping):
        if not value:
            yield "{}"
            return
        colon = ":" if indent is None else ": "
        first = True
        for key, item in value.items():
            yield ("{" + inner if first else "," + inner) + _key(key) + colon
            first = False
            yield from iter_json(item, indent, _level + 1)
        yield outer + "}"
    elif isinstance(value, Iterable) and not isinstance(value, str | bytes | bytearray):
        first = True
        for item in value:
            yield "[" + inner if first else "," + inner
            first = False
            yield from iter_json(item, indent, _level + 1)
        yield "[]" if first else outer + "]"
    else:
        yield json.dumps(value, ensure_ascii=False, default=str)


def _chunks(value: Any, indent: int | None, size: int) -> Iterator[str]:
    """:func:`iter_json`'s pieces joined into chunks of about ``size`` characters."""
    buffer: list[str] = []
    held = 0
    for piece in iter_json(value, indent):
        buffer.append(piece)
        held += len(piece)
        if held >= size:
            yield "".join(buffer)
            buffer.clear()
            held = 0
    if buffer:
        yield "".join(buffer)


def iter_json_bytes(value: Any, indent: int | None = None, size: int = 65536) -> Iterator[bytes]:
    """:func:`iter_json`'s text as UTF-8, in chunks of about ``size`` bytes (a streamed response's body)."""
    for chunk in _chunks(value, indent, size):
        yield chunk.encode()


def write_json(value: Any, out: IO[str], indent: int | None = 2) -> None:
    """Write ``value`` as JSON and a newline to ``out``, some 64 kB at a time."""
    for chunk in _chunks(value, indent, 65536):
        out.write(chunk)
    out.write("\n")
