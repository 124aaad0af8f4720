"""Log lines: the current harvest job and HTTP request as context, and one JSON object a line when asked.

``LOG_FORMAT=json`` (catalog.settings) makes every line of a process one JSON object with ``time``,
``level``, ``logger`` and ``message``, plus ``job_id`` while a harvest runs (set by harvester/runner.py)
and ``request_id`` while an HTTP request is answered (set by api/observability.py), and ``exception``
with the traceback when there is one. The default, ``text``, keeps the format the commands always had.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson

JOB_ID: ContextVar[int | None] = ContextVar("datakatalog_job_id", default=None)
REQUEST_ID: ContextVar[str | None] = ContextVar("datakatalog_request_id", default=None)
FORMATS = ("text", "json")
TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# uvicorn configures these itself, with handlers of their own that do not pass lines on to the root
UVICORN = ("uvicorn", "uvicorn.error", "uvicorn.access")


@contextmanager
def job_context(job_id: int | None) -> Iterator[None]:
    """Lines logged inside carry ``job_id`` (in this thread and in contexts copied from it)."""
    token = JOB_ID.set(job_id)
    try:
        yield
    finally:
        JOB_ID.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, and the ids known."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        job_id = getattr(record, "job_id", None) or JOB_ID.get()
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        if job_id is not None:
            line["job_id"] = job_id
        if request_id is not None:
            line["request_id"] = request_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.stack_info:
            line["exception"] = self.formatStack(record.stack_info)
        return orjson.dumps(line, default=str).decode()


def configure(log_format: str, *, level: int = logging.INFO) -> logging.Handler | None:
    """Make every line of this process JSON when ``log_format`` is ``json`` (the root logger and uvicorn's
    own loggers) and return the handler; ``text`` leaves logging as it is. Called again after uvicorn
    set up its loggers (the app's start): the JSON handler already there is kept."""
    if log_format != "json":
        return None
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h.formatter, JsonFormatter)), None)
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        for old in list(root.handlers):
            if type(old) is logging.StreamHandler:  # basicConfig's text lines (other handlers, e.g. a test's, stay)
                root.removeHandler(old)
        root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # one line per plugin at each start
    for name in UVICORN:
        logger = logging.getLogger(name)
        if logger.handlers:  # only loggers uvicorn configured: the others pass their lines to the root
            logger.handlers = [handler]
    return handler
