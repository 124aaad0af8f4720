"""Storing one source run: upsert by stable id and content hash, revisions, withdrawals, index.

A :class:`RunWriter` decides, page by page, what each record is (new, updated, unchanged, kept by
another source, taken over …) reading the live tables, and writes what it decided into its run's
staging tables (catalog/store/staging.py), each batch its own short transaction. Only a complete run
is applied to the live tables, by :meth:`RunWriter.commit` in one short transaction (the swap), so a
failed or partial run leaves every earlier dataset exactly as it was (docs/architecture.md, "Rules
that protect data") and, on SQLite, the catalogue's write lock is held for the swap only, not for the
whole run: the API's writes no longer queue behind a harvest (issue 15, problem 5).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, insert, select, update

from catalog.chunks import chunked
from catalog.errors import Conflict
from catalog.records import display_text
from catalog.store import ownership, publishers, staging
from catalog.store.engine import patient
from catalog.store.prepared import Prepared, parts
from catalog.store.tables import DS, JOBREC, REV, SRC, STATE, utcnow

log = logging.getLogger(__name__)

CHUNK = 500
LISTED_TWICE = "listed twice in this run; the first listing was kept"


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


@dataclass(slots=True)
class RunCounts:
    seen: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    held: int = 0
    invalid: int = 0
    failed: int = 0
    message: str | None = None


def bump_generation(conn: Connection) -> None:
    """Tell search caches that the catalogue changed."""
    current = conn.execute(select(STATE.c.value).where(STATE.c.key == "generation")).scalar()
    if current is None:
        conn.execute(insert(STATE).values(key="generation", value="1"))
    else:
        conn.execute(
            update(STATE).where(STATE.c.key == "generation").values(value=str(int(current) + 1))
        )


def generation(conn: Connection) -> int:
    value = conn.execute(select(STATE.c.value).where(STATE.c.key == "generation")).scalar()
    return int(value) if value else 0


def withdraw(conn: Connection, datasets: Sequence[tuple[int, str, str]], *, job_id: int, now: Any,
             message: str) -> None:
    """Withdraw datasets given as (pk, id, content hash): status, one revision each and a job record
    each, inside the caller's transaction. The caller bumps the search generation."""
    if not datasets:
        return
    for pks in chunked([pk for pk, _, _ in datasets], CHUNK):
        conn.execute(update(DS).where(DS.c.pk.in_(pks)).values(
            status="withdrawn", withdrawn_at=now, updated_at=now, job_id=job_id))
    conn.execute(insert(REV), [
        {"dataset_id": did, "job_id": job_id, "change": "withdrawn", "content_hash": content_hash,
         "previous": None, "created_at": now} for _, did, content_hash in datasets
    ])
    conn.execute(insert(JOBREC), [
        {"job_id": job_id, "dataset_id": did, "ref": did, "outcome": "withdrawn", "rule": None,
         "severity": None, "message": message} for _, did, _ in datasets
    ])


class RunWriter:
    """Writes one source run through its own connection (``conn``): each page into the run's staging
    tables, committed batch by batch; :meth:`commit` applies the run, :meth:`close` drops its staging.

    ``dry``: decide everything a run decides (what is added, updated, unchanged, restored, taken over,
    kept by another source, withdrawn or held, and every problem) reading the database but writing
    nothing; the job records it would write are kept in :attr:`records`, the first ``sample_size``
    records it would store in :attr:`sample`. This is how a preview reports what a harvest would do.
    """

    def __init__(self, conn: Connection, *, source_id: int, source_name: str, job_id: int,
                 dry: bool = False, sample_size: int = 0) -> None:
        self.conn = conn
        self.dry = dry
        self.records: list[dict[str, Any]] = []
        self.sample: list[Prepared] = []
        self.sample_size = sample_size
        # every id this run listed (kept here or not), to tell a second listing in the run
        self.listed: set[str] = set()
        # ids this run listed that another source keeps -> that source's name (claims, at the end)
        self.kept_elsewhere: dict[str, str] = {}
        # records kept by kind (dataset, dataservice), of the pages read (not of unchanged pages)
        self.kinds: dict[str, int] = {}
        self.source_id = source_id
        self.source_name = source_name
        self.job_id = job_id
        self.counts = RunCounts()
        self.now = utcnow()
        # id -> (pk, content hash, status) of every dataset this source has stored
        self.existing: dict[str, tuple[int, str, str]] = {
            row.id: (row.pk, row.content_hash, row.status)
            for row in conn.execute(
                select(DS.c.id, DS.c.pk, DS.c.content_hash, DS.c.status).where(
                    DS.c.source_id == self.source_id
                )
            )
        }
        self.publishers: dict[str, str] = {}  # publisher id as derived -> the publisher it belongs to
        self.changed = False
        # (pk, id, content hash) of the datasets a complete run withdraws, applied by commit()
        self.withdrawals: list[tuple[int, str, str]] = []
        self.withdraw_message: str | None = None  # why withdrawals were held, if they were
        self.swap_seconds: float | None = None  # how long commit() held the write lock
        self.staged = 0  # the last staged dataset's seq
        self.seqs: dict[str, int] = {}  # dataset id -> its staged row's seq, for its children (this batch)
        if not dry:
            staging.create(conn)
            conn.commit()

    def _commit(self) -> None:
        """End a batch: what it staged is the run's, and no lock or snapshot is held between batches."""
        if not self.dry:
            self.conn.commit()

    # -- problems ---------------------------------------------------------------------------

    def record_failure(self, ref: str, message: str, rule: str = "mapping") -> None:
        """A record that could not be read at all: reported, the run goes on."""
        self.counts.failed += 1
        self._report([{"job_id": self.job_id, "dataset_id": None, "ref": ref[:2000], "outcome": "failed",
                       "rule": rule, "severity": "error", "message": message}])
        self._commit()

    def _report(self, rows: list[dict[str, Any]]) -> None:
        """Job records: staged, or kept in :attr:`records` by a dry run."""
        if not rows:
            return
        if self.dry:
            self.records.extend(rows)
        else:
            staging.add(self.conn, staging.S_JOBREC, staging.JOBREC_COLS,
                        [tuple(r[c] for c in staging.JOBREC_COLS) for r in rows])

    def _violation_rows(self, dataset_id: str, ref: str, violations: Iterable[dict[str, Any]],
                        title: str | None = None) -> list[dict[str, Any]]:
        rows = []
        for v in violations:
            row = {"job_id": self.job_id, "dataset_id": dataset_id, "ref": ref[:2000],
                   "outcome": "invalid" if v["severity"] == "violation" else "warning",
                   "rule": v["rule"], "severity": v["severity"], "message": v["message_en"]}
            if self.dry:  # a preview names the record and the node, as the stored violation does
                row.update(problem=v, title=title)
            rows.append(row)
        return rows

    def _note(self, dataset_id: str, ref: str, rule: str, message: str, title: str | None = None) -> dict[str, Any]:
        """An informational record of the report: the dataset is stored, and this is worth knowing."""
        row = {"job_id": self.job_id, "dataset_id": dataset_id, "ref": ref[:2000], "outcome": "note",
               "rule": rule, "severity": "info", "message": message}
        if self.dry:
            row["title"] = title
        return row

    def _listed_elsewhere_notes(self, refs: dict[str, str]) -> list[dict[str, Any]]:
        """Notes on the datasets this source keeps that other sources list too (their claims)."""
        others = ownership.listed_elsewhere(self.conn, list(refs), keeper=self.source_id) if refs else {}
        return [self._note(did, refs[did], "listed_elsewhere",
                           f"also listed by {', '.join(f'source {n!r}' for n in names)}; kept here, "
                           "where it was listed first")
                for did, names in others.items()]

    def _kept_there(self, dataset_id: str, ref: str, keeper: str, title: str | None = None) -> dict[str, Any]:
        self.kept_elsewhere[dataset_id] = keeper
        row = {"job_id": self.job_id, "dataset_id": dataset_id, "ref": ref[:2000], "outcome": "skipped",
               "rule": "duplicate", "severity": "warning",
               "message": f"already harvested from source {keeper!r}; kept there"}
        if self.dry:
            row["title"] = title
        return row

    # -- pages ------------------------------------------------------------------------------

    def mark_seen(self, dataset_ids: Sequence[str], claimed: Sequence[str] = ()) -> None:
        """Datasets of a page whose bytes did not change since the last run: unchanged, still listed.

        Their stored violations are listed in this job's report again, so that every report is
        complete whether or not a page had to be parsed; so are the datasets of the page that another
        source keeps (``claimed``: the page listed them, the last run did not keep them).
        """
        fresh = [d for d in dataset_ids if d in self.existing and d not in self.listed]
        for did in fresh:
            self.listed.add(did)
        self.counts.seen += len(fresh)
        self.counts.unchanged += len(fresh)
        problems: list[dict[str, Any]] = []
        refs: dict[str, str] = {}
        for chunk in chunked(fresh, CHUNK):
            rows = self.conn.execute(select(DS.c.id, DS.c.uri, DS.c.violations, DS.c.valid).where(DS.c.id.in_(chunk)))
            for row in rows:
                refs[row.id] = row.uri or row.id
                if not row.valid:
                    self.counts.invalid += 1
                problems.extend(self._violation_rows(row.id, row.uri or row.id, decode(row.violations) or []))
        problems.extend(self._listed_elsewhere_notes(refs))
        # a page whose bytes did not change lists what it listed: datasets another source keeps (then,
        # or since an administrator handed them over) are reported as kept there again (a keeper that
        # let one go makes the runner read every page: harvester/runner.py)
        others = [d for d in dict.fromkeys([*dataset_ids, *claimed]) if d not in self.listed and d not in self.existing]
        for did, keeper in ownership.keepers(self.conn, others, other_than=self.source_id).items():
            self.listed.add(did)
            problems.append(self._kept_there(did, did, keeper.source_name))
        self._report(problems)
        self._commit()

    def write_page(self, prepared: Sequence[Prepared]) -> list[str]:
        """Store a page of prepared records; returns the ids of the page this source keeps.

        Who keeps a dataset is decided here (catalog/store/ownership.py): a dataset another active
        source keeps is skipped as a duplicate ("kept there"), one whose keeper withdrew it or was
        deleted is taken over (a compare-and-set in :meth:`commit`: a run that lost the race reports it
        kept there).
        """
        problems: list[dict[str, Any]] = []
        own: list[Prepared] = []
        others: list[Prepared] = []
        for item in prepared:
            if item.id in self.listed:
                problems.append(self._problem(item, "duplicate", "warning", LISTED_TWICE))
                continue
            self.listed.add(item.id)
            (own if item.id in self.existing else others).append(item)
        new: list[Prepared] = []
        unchanged: list[Prepared] = []
        changed: list[Change] = []
        for item in own:
            pk, content_hash, status = self.existing[item.id]
            if status != "active":
                changed.append(Change(pk, item, "restored"))
            elif content_hash != item.hash:
                changed.append(Change(pk, item, "updated"))
            else:
                unchanged.append(item)
        if others:
            found = ownership.keepers(self.conn, [p.id for p in others], other_than=self.source_id)
            for item in others:
                keeper = found.get(item.id)
                if keeper is None:
                    new.append(item)
                elif keeper.released:
                    changed.append(Change(keeper.pk, item, "restored" if keeper.status != "active" else "updated",
                                          keeper))
                else:
                    problems.append(self._kept_there(item.id, item.ref, self._keeper_name(item.id, keeper),
                                                     self._title(item)))
        self._upsert_publishers([*new, *(c.item for c in changed)])
        if new:
            self._insert(new)
        if changed:
            self._update(changed)
        self.counts.unchanged += len(unchanged)
        kept = [*unchanged, *new, *(c.item for c in changed)]
        for item in kept:
            self.kinds[item.rec.kind] = self.kinds.get(item.rec.kind, 0) + 1
            if not item.valid:
                self.counts.invalid += 1
            problems.extend(self._violation_rows(item.id, item.ref, item.violations, self._title(item)))
            if len(self.sample) < self.sample_size:
                self.sample.append(item)
        self.counts.seen += len(kept)
        problems.extend(self._note(c.item.id, c.item.ref, "taken_over",
                                   f"taken over from {c.taken_from.describe()}", self._title(c.item))
                        for c in changed if c.taken_from is not None)
        problems.extend(self._listed_elsewhere_notes({p.id: p.ref for p in kept}))
        self._report(problems)
        self._commit()
        return [p.id for p in kept]

    def _title(self, item: Prepared) -> str | None:
        return display_text(item.rec.title) if self.dry else None

    def _keeper_name(self, dataset_id: str, keeper: ownership.Keeper | None) -> str:
        """The keeper as it is now (a run that lost a race names the run that won)."""
        if keeper is not None and not keeper.released:
            return keeper.source_name
        now = ownership.keepers(self.conn, [dataset_id], other_than=self.source_id).get(dataset_id)
        return now.source_name if now else keeper.source_name if keeper else "?"

    def _problem(self, item: Prepared, rule: str, severity: str, message: str) -> dict[str, Any]:
        row = {"job_id": self.job_id, "dataset_id": item.id, "ref": item.ref[:2000],
               "outcome": "skipped", "rule": rule, "severity": severity, "message": message}
        if self.dry:
            row["title"] = self._title(item)
        return row

    def _upsert_publishers(self, items: Iterable[Prepared]) -> None:
        """Publisher rows (staged), and each record pointed at its publisher (an alias's at the one it
        was merged into)."""
        publishers.store(self.conn, items, now=self.now, known=self.publishers, write=self._stage_publishers)

    def _stage_publishers(self, conn: Connection, fresh: list[dict[str, Any]], stale: list[dict[str, Any]]) -> None:
        if self.dry:
            return
        cols = staging.PUB_COLS[:-1]
        staging.add(conn, staging.S_PUB, staging.PUB_COLS,
                    [(*(r[c] for c in cols), 0) for r in fresh] + [(*(r[c] for c in cols), 1) for r in stale])

    def _staged(self, item: Prepared, op: str, change: str, pk: int | None = None,
                keeper: ownership.Keeper | None = None) -> tuple[Any, ...]:
        """A row of the staged datasets (staging.DS_COLS); its ``seq`` keys the item's staged children."""
        self.staged += 1
        self.seqs[item.id] = self.staged
        st = parts(item, self.source_name)
        return (self.staged, item.id, op, pk, change, keeper.source_id if keeper else None,
                keeper.status if keeper else None, item.ref[:2000], item.rec.uri, item.rec.kind, item.publisher_id,
                st.title, st.title_sort, item.hash, item.json, _json(item.violations),
                item.valid, item.score, (item.rec.issued or "")[:40] or None, (item.modified or "")[:40] or None)

    def _insert(self, items: list[Prepared]) -> None:
        # PostgreSQL: each new dataset's key, reserved now (the swap reads none back); SQLite: numbered in the swap
        keys = None if self.dry else staging.reserve_keys(self.conn, len(items))
        for i, p in enumerate(items):
            self.existing[p.id] = (keys[i] if keys else 0, p.hash, "active")
        self.counts.added += len(items)
        if self.dry:
            self._report([{"job_id": self.job_id, "dataset_id": p.id, "ref": p.ref[:2000], "outcome": "added",
                           "rule": None, "severity": None, "message": None} for p in items])
            return
        # their "added" lines are not staged: the swap writes them from the staged datasets it stores
        # (staging.apply_job_records), the ones lost to another run left out
        self.changed = True
        self.seqs = {}
        staging.add(self.conn, staging.S_DS, staging.DS_COLS,
                    [self._staged(p, "insert", "added", keys[i] if keys else None) for i, p in enumerate(items)])
        self._stage_children(items)

    def _update(self, items: list[Change]) -> None:
        """Stage changed, restored and taken-over datasets (:meth:`commit` writes them, with a revision
        that keeps the record each replaces)."""
        for c in items:
            self.existing[c.item.id] = (c.pk, c.item.hash, "active")
        self._report(self._change_rows(items))
        self.counts.updated += len(items)
        if self.dry:
            return
        self.changed = True
        self.seqs = {}
        staging.add(self.conn, staging.S_DS, staging.DS_COLS,
                    [self._staged(c.item, "update", c.change, c.pk, c.taken_from) for c in items])
        self._stage_children([c.item for c in items])

    def _change_rows(self, items: list[Change]) -> list[dict[str, Any]]:
        return [{"job_id": self.job_id, "dataset_id": c.item.id, "ref": c.item.ref[:2000], "outcome": c.change,
                 "rule": None, "severity": None,
                 "message": f"taken over from {c.taken_from.describe()}" if c.taken_from else None}
                for c in items]

    def _stage_children(self, items: list[Prepared]) -> None:
        """Distributions, facet values and full-text texts of staged datasets, by their staged row."""
        dists: list[tuple[Any, ...]] = []
        facets: list[tuple[int, str, str]] = []
        fts: list[tuple[Any, ...]] = []
        seen_dist: set[str] = set()
        for p in items:
            ds = self.seqs[p.id]
            st = parts(p, self.source_name)
            for d in st.dists:
                if d[0] in seen_dist:
                    continue
                seen_dist.add(d[0])
                dists.append((ds, *d))
            # the publisher facet names the publisher the record was stored under (an alias's, the one
            # it was merged into: publishers.store), which may differ from the one derived when prepared
            facets.extend((ds, facet, p.publisher_id if facet == "publisher" and p.publisher_id else value)
                          for facet, value in st.facets)
            fts.append((ds, *st.texts))
        staging.add(self.conn, staging.S_DIST, staging.DIST_COLS, dists)
        staging.add(self.conn, staging.S_FACET, staging.FACET_COLS, facets)
        staging.add(self.conn, staging.S_FTS, staging.FTS_COLS, fts)

    # -- the end of a run ------------------------------------------------------------------

    def withdraw_missing(self, *, threshold: float) -> None:
        """After a complete, successful run: withdraw what the source no longer lists.

        Nothing is withdrawn when the run listed nothing at all (suspicious: docs/architecture.md), and a run
        that would withdraw more than ``threshold`` of the source's active datasets holds them.
        """
        active = [did for did, (_, _, status) in self.existing.items() if status == "active"]
        # a dataset this source keeps was seen if this run listed it (the run keeps what it lists and
        # keeps): one set of ids per run, not two
        missing = [did for did in active if did not in self.listed]
        if not missing:
            return
        if not self.listed:
            self._hold(missing, "the source listed no datasets: an empty result is not taken as deletion")
            self.counts.message = self.withdraw_message = (
                f"the source listed no datasets; {len(missing)} withdrawals held (an empty result "
                "from a source that had datasets is treated as an error, not as deletion)")
            return
        if len(missing) > threshold * len(active):
            self._hold(missing, "withdrawal held for confirmation")
            self.counts.message = self.withdraw_message = (
                f"{len(missing)} of {len(active)} datasets ({len(missing) / len(active):.0%}) would "
                f"be withdrawn, more than the {threshold:.0%} limit; withdrawals held for confirmation")
            return
        message = "no longer listed by the source"
        if self.dry:
            self._report([{"job_id": self.job_id, "dataset_id": did, "ref": did, "outcome": "withdrawn",
                           "rule": None, "severity": None, "message": message} for did in missing])
        else:
            self.changed = True
            self.withdrawals = [(self.existing[did][0], did, self.existing[did][1]) for did in missing]
        for did in missing:
            pk, h, _ = self.existing[did]
            self.existing[did] = (pk, h, "withdrawn")
        self.counts.withdrawn = len(missing)

    def _hold(self, missing: list[str], message: str) -> None:
        """Name every held withdrawal in the job's records: a later confirmation applies exactly these
        (catalog/services/held.py), not whatever happens to be missing when someone confirms."""
        self.counts.held = len(missing)
        self._report([{"job_id": self.job_id, "dataset_id": did, "ref": did, "outcome": "held", "rule": None,
                       "severity": None, "message": message} for did in missing])
        self._commit()

    def finish(self) -> None:
        """End a complete run's decisions: say what other sources keep (:meth:`commit` stores them as this
        source's claims)."""
        self.counts.message = self._message()

    def _message(self) -> str | None:
        if not self.kept_elsewhere:
            return self.withdraw_message
        keepers = sorted(set(self.kept_elsewhere.values()))
        note = (f"{len(self.kept_elsewhere)} listed datasets are kept by "
                f"{', '.join(f'source {k!r}' for k in keepers[:5])}{' and others' if len(keepers) > 5 else ''}"
                ", which listed them first (rule duplicate)")
        return f"{self.withdraw_message}; {note}" if self.withdraw_message else note

    # -- the swap --------------------------------------------------------------------------

    def commit(self, *, state: str) -> None:
        """Apply the complete run to the live tables in one transaction (the swap) and commit it:
        publishers, takeovers, datasets with their revisions, distributions, facet and full-text rows,
        the job's records, withdrawals, claims, the source's page memory (``state``) and the search
        generation. Set-based statements from the staging tables, so the transaction (and on SQLite
        the write lock) lasts a fraction of the run (figures: benchmarks/harvest.py)."""
        assert not self.dry, "a dry run stores nothing"
        conn = self.conn
        me = self.source_id
        with patient(conn):  # SQLite: wait for another run's swap rather than fail
            # the first statement writes: on SQLite it takes the write lock before anything is read
            if conn.execute(update(SRC).where(SRC.c.id == me, SRC.c.deleted.is_(False))
                            .values(state=state)).rowcount != 1:
                raise Conflict(f"source {self.source_name!r} was deleted during its harvest; nothing was stored")
            started = time.perf_counter()
            staging.apply_publishers(conn, now=self.now)
            for row in staging.staged_takeovers(conn):
                ownership.take(conn, pk=row.pk, keeper=row.taken_source, status=row.taken_status, to_source=me)
            staging.mark_lost(conn, source_id=me)
            staging.apply_datasets(conn, source_id=me, job_id=self.job_id, now=self.now)
            self._report_lost(staging.lost(conn))
            staging.apply_job_records(conn, job_id=self.job_id)
            self._apply_withdrawals()
            ownership.replace_claims(conn, me, self.kept_elsewhere, job_id=self.job_id, now=self.now)
            if self.changed:
                bump_generation(conn)
            conn.commit()
            self.swap_seconds = time.perf_counter() - started
        log.info("job %s: the swap held the write lock %.2f s", self.job_id, self.swap_seconds)

    def _report_lost(self, rows: list[Any]) -> None:
        """Datasets another run stored or took over while this one ran (or an administrator handed
        over): they stay where they are, and this run reports them kept there."""
        if not rows:
            return
        staging.forget_lost_records(self.conn, [r.id for r in rows])
        now = ownership.keepers(self.conn, [r.id for r in rows], other_than=self.source_id)
        problems = []
        for r in rows:
            keeper = now.get(r.id)
            problems.append(self._kept_there(r.id, r.ref or r.id, keeper.source_name if keeper else "?"))
            self.counts.seen -= 1
            if r.change == "added":
                self.counts.added -= 1
            else:
                self.counts.updated -= 1
            if not r.valid:
                self.counts.invalid -= 1
            self.kinds[r.kind] = self.kinds.get(r.kind, 1) - 1
        self._report(problems)
        self.counts.message = self._message()

    def _apply_withdrawals(self) -> None:
        """Withdraw what the run decided to, of what this source still keeps active."""
        if not self.withdrawals:
            return
        rows: list[tuple[int, str, str]] = []
        for chunk in chunked(self.withdrawals, CHUNK):
            ours = set(self.conn.execute(select(DS.c.pk).where(
                DS.c.pk.in_([pk for pk, _, _ in chunk]), DS.c.source_id == self.source_id,
                DS.c.status == "active")).scalars())
            rows.extend(w for w in chunk if w[0] in ours)
        withdraw(self.conn, rows, job_id=self.job_id, now=self.now, message="no longer listed by the source")
        self.counts.withdrawn = len(rows)

    def close(self) -> None:
        """Drop the run's staging tables, whatever happened (a failed run's are dropped unapplied)."""
        if self.dry:
            return
        try:
            self.conn.rollback()
            if staging.vanish_with_connection(self.conn):
                # closing the connection drops them: SQLite deletes its temporary database whole, where
                # DROP TABLE walked and freed every page of it (2.7 s of a 100,000-dataset first harvest)
                self.conn.invalidate()
                return
            staging.drop(self.conn)
            self.conn.commit()
        except Exception:  # noqa: BLE001 - the connection is gone: its temporary tables went with it
            log.warning("job %s: could not drop its staging tables", self.job_id, exc_info=True)


@dataclass(slots=True)
class Change:
    """A stored dataset the run writes again: ``change`` is updated or restored; ``taken_from`` the
    keeper it is taken over from."""

    pk: int
    item: Prepared
    change: str
    taken_from: ownership.Keeper | None = None


def decode(value: str | None) -> Any:
    return orjson.loads(value) if value else None
