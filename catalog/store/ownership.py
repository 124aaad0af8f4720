"""Which source keeps a dataset that more than one source lists, and when it passes to another.

A dataset id is stored once, by one source: its *keeper*. The rules (README, "Sources that list the
same datasets"):

- **First come, first kept.** A source that lists a dataset another *active* source keeps (an
  active dataset of a source that is not deleted) skips it: its report says "kept there", and the
  run records a *claim* (table ``dataset_claim``) so that the keeper's reports say who else lists it.
- **Takeover.** A source that lists a dataset whose keeper was deleted, or whose keeper withdrew it
  (no longer lists it), takes it over: the dataset is restored under the new source, with a revision
  naming the source it came from (``revision.from_source_id``) and a ``taken_over`` record in the job
  report. A takeover is a compare-and-set on the keeper and the dataset's status, so of two runs
  racing for one dataset only one wins and the other reports "kept there": a dataset never moves
  between two active sources by itself.
- **Hand-over.** Between two active sources only an administrator moves a dataset
  (:func:`catalog.services.sources.hand_over`), audited; the sources' organisations do not matter to
  any of these rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, or_, select, update

from catalog.chunks import chunked
from catalog.store.tables import CLAIM, DS, SRC

CHUNK = 500


@dataclass(slots=True, frozen=True)
class Keeper:
    """Who stores a dataset now, and the dataset's state there."""

    pk: int
    content_hash: str
    status: str
    source_id: int
    source_name: str
    source_deleted: bool

    @property
    def released(self) -> bool:
        """Its source was deleted or withdrew it: a source that lists it may take it over."""
        return self.source_deleted or self.status != "active"

    def describe(self) -> str:
        why = "deleted" if self.source_deleted else "withdrawn there"
        return f"source {self.source_name!r} ({why})"


def keepers(conn: Connection, dataset_ids: Sequence[str], *, other_than: int) -> dict[str, Keeper]:
    """The keepers of these ids that are not source ``other_than``."""
    out: dict[str, Keeper] = {}
    for chunk in chunked(list(dataset_ids), CHUNK):
        rows = conn.execute(
            select(DS.c.id, DS.c.pk, DS.c.content_hash, DS.c.status, DS.c.source_id, SRC.c.name, SRC.c.deleted)
            .join(SRC, SRC.c.id == DS.c.source_id)
            .where(DS.c.id.in_(chunk), DS.c.source_id != other_than))
        out.update({r.id: Keeper(r.pk, r.content_hash, r.status, r.source_id, r.name, bool(r.deleted))
                    for r in rows})
    return out


def take(conn: Connection, *, pk: int, keeper: int, status: str, to_source: int) -> bool:
    """Move one released dataset to ``to_source`` if its keeper and status are still what the run read;
    False when another run changed either first (its swap committed before this one's)."""
    moved = conn.execute(update(DS).where(
        DS.c.pk == pk, DS.c.source_id == keeper, DS.c.status == status,
    ).values(source_id=to_source))
    return moved.rowcount == 1


def still_kept(conn: Connection, pks: Sequence[int], *, source_id: int) -> set[int]:
    """Of these dataset rows, the ones ``source_id`` still keeps (after an update guarded on it)."""
    kept: set[int] = set()
    for chunk in chunked(list(pks), CHUNK):
        kept.update(conn.execute(select(DS.c.pk).where(DS.c.pk.in_(chunk), DS.c.source_id == source_id)).scalars())
    return kept


def listed_elsewhere(conn: Connection, dataset_ids: Iterable[str], *, keeper: int) -> dict[str, list[str]]:
    """Of the ids ``keeper`` keeps, those other sources (not deleted) listed at their last run:
    id -> their names."""
    out: dict[str, list[str]] = {}
    for chunk in chunked(list(dataset_ids), CHUNK):
        rows = conn.execute(
            select(CLAIM.c.dataset_id, SRC.c.name).join(SRC, SRC.c.id == CLAIM.c.source_id)
            .where(CLAIM.c.dataset_id.in_(chunk), CLAIM.c.source_id != keeper, SRC.c.deleted.is_(False))
            .order_by(SRC.c.name))
        for r in rows:
            out.setdefault(r.dataset_id, []).append(r.name)
    return out


def replace_claims(conn: Connection, source_id: int, dataset_ids: Iterable[str], *, job_id: int | None,
                   now: Any) -> None:
    """The datasets ``source_id`` listed but did not keep in its last complete run."""
    conn.execute(delete(CLAIM).where(CLAIM.c.source_id == source_id))
    rows = [{"source_id": source_id, "dataset_id": did, "job_id": job_id, "listed_at": now}
            for did in sorted(set(dataset_ids))]
    for chunk in chunked(rows, CHUNK):
        conn.execute(insert(CLAIM), chunk)


def add_claims(conn: Connection, source_id: int, dataset_ids: Sequence[str], *, now: Any) -> None:
    """Claims of ``source_id`` besides those it has (an administrator handed these datasets away)."""
    have = set(conn.execute(select(CLAIM.c.dataset_id).where(CLAIM.c.source_id == source_id)).scalars())
    rows = [{"source_id": source_id, "dataset_id": did, "job_id": None, "listed_at": now}
            for did in dict.fromkeys(dataset_ids) if did not in have]
    for chunk in chunked(rows, CHUNK):
        conn.execute(insert(CLAIM), chunk)


def claims_to_read(conn: Connection, source_id: int) -> int:
    """How many datasets this source claims that it could now take over or already keeps (handed
    over to it): its next run must read every page, since unchanged pages are not read."""
    query = (select(CLAIM.c.dataset_id)
             .join(DS, DS.c.id == CLAIM.c.dataset_id).join(SRC, SRC.c.id == DS.c.source_id)
             .where(CLAIM.c.source_id == source_id,
                    or_(DS.c.source_id == source_id, DS.c.status != "active", SRC.c.deleted.is_(True))))
    return len(conn.execute(query).all())


def forget_claims(conn: Connection, source_id: int) -> None:
    """A deleted source lists nothing any more."""
    conn.execute(delete(CLAIM).where(CLAIM.c.source_id == source_id))


def claimed_from(conn: Connection, *, lister: int, keeper: int) -> list[tuple[int, str, str, str]]:
    """The datasets ``keeper`` keeps (active) that ``lister`` listed at its last run:
    (pk, id, content hash, status)."""
    rows = conn.execute(
        select(DS.c.pk, DS.c.id, DS.c.content_hash, DS.c.status)
        .join(CLAIM, and_(CLAIM.c.dataset_id == DS.c.id, CLAIM.c.source_id == lister))
        .where(DS.c.source_id == keeper).order_by(DS.c.id))
    return [(r.pk, r.id, r.content_hash, r.status) for r in rows]
