"""``Retry-After`` shared per host across workers (PostgreSQL): a host that asked one run to wait is left
alone by every run and every claim until then.

A pause is one ``catalog_state`` row (``retry_after:<host>`` -> the UTC instant it ends), so it needs no
table of its own and is seen by every process of the catalogue. A fetch waits out its host's pause
(at most ``fetch_retry_after_max`` seconds) before each request; :func:`harvester.job_lifecycle.claim_queued`
claims no job of a paused host. On SQLite one process harvests one source at a time, and the fetch's own
retry already honours the header: no pauses are kept there.
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from catalog.settings import Settings
from catalog.store.engine import is_sqlite
from catalog.store.tables import STATE, utcnow

log = logging.getLogger(__name__)

PREFIX = "retry_after:"


def state_key(host: str) -> str:
    key = PREFIX + host
    return key if len(key) <= 100 else PREFIX + hashlib.sha256(host.encode()).hexdigest()[:40]


def paused_until(conn: Connection, host: str) -> datetime | None:
    """When the host's pause ends, if it has one that has not yet."""
    value = conn.execute(select(STATE.c.value).where(STATE.c.key == state_key(host))).scalar()
    if not value:
        return None
    until = datetime.fromisoformat(value)
    return until if until > utcnow() else None


class HostPauses:
    """What a :class:`harvester.fetch.Fetcher` is given to share its hosts' Retry-After answers."""

    def __init__(self, engine: Engine, longest: float) -> None:
        self.engine = engine
        self.longest = longest

    def wait(self, host: str) -> None:
        """Sleep until the host's pause (set by any worker) ends, at most ``longest`` seconds."""
        try:
            with self.engine.connect() as conn:
                until = paused_until(conn, host)
        except Exception as exc:  # noqa: BLE001 - politeness must not fail a run
            log.info("host pause of %s not read: %s", host, exc)
            return
        if until is not None:
            seconds = min((until - utcnow()).total_seconds(), self.longest)
            if seconds > 0:
                log.info("%s asked to wait: pausing %.1f s before the next request", host, seconds)
                time.sleep(seconds)

    def note(self, host: str, seconds: float) -> None:
        """The host answered Retry-After: pause it for everyone (a later end already set is kept)."""
        until = (utcnow() + timedelta(seconds=min(seconds, self.longest))).isoformat()
        key = state_key(host)
        try:
            with self.engine.begin() as conn:
                current = conn.execute(select(STATE.c.value).where(STATE.c.key == key)).scalar()
                if current is None:
                    try:
                        with conn.begin_nested():
                            conn.execute(insert(STATE).values(key=key, value=until))
                        return
                    except IntegrityError:
                        current = ""
                if not current or current < until:  # ISO instants of one zone compare as text
                    conn.execute(update(STATE).where(STATE.c.key == key).values(value=until))
        except Exception as exc:  # noqa: BLE001
            log.info("host pause of %s not recorded: %s", host, exc)


def for_engine(engine: Engine, settings: Settings) -> HostPauses | None:
    """Shared pauses on PostgreSQL; None on SQLite (one harvest at a time there)."""
    return None if is_sqlite(engine) else HostPauses(engine, settings.fetch_retry_after_max)
