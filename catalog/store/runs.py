"""Storing one source run: upsert by stable id and content hash, revisions, withdrawals, index.

A :class:`RunWriter` works inside one database transaction that the caller commits only when the
run completed, so a failed or partial run leaves every earlier dataset exactly as it was
(docs/architecture.md, "Rules that protect data"). Rows are written with SQLAlchemy Core executemany: thousands of
datasets a second instead of hundreds through the ORM's unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, delete, insert, select, text, update

from catalog import ids
from catalog.chunks import chunked
from catalog.records import display_text
from catalog.store import ownership, publishers
from catalog.store.prepared import Prepared, facet_values, search_texts
from catalog.store.tables import DIST, DS, FACET, JOBREC, REV, STATE, utcnow

CHUNK = 500
REV_COLS = ("dataset_id", "job_id", "change", "content_hash", "previous", "created_at")
LISTED_TWICE = "listed twice in this run; the first listing was kept"
JOBREC_COLS = ("job_id", "dataset_id", "ref", "outcome", "rule", "severity", "message")


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def bulk_insert(conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
                skip_existing: bool = False) -> None:
    """executemany straight on the driver: for the tens of thousands of child rows of a harvest,
    SQLAlchemy's per-row parameter processing costs more than the database itself.
    ``skip_existing``: a row whose primary key is taken is left out (the stored row stays)."""
    if not rows:
        return
    sqlite = conn.dialect.name == "sqlite"
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    verb = "INSERT OR IGNORE" if skip_existing and sqlite else "INSERT"
    tail = " ON CONFLICT DO NOTHING" if skip_existing and not sqlite else ""
    sql = f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))}){tail}"
    conn.exec_driver_sql(sql, list(rows))


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
    seen_ids: set[str] = field(default_factory=set)


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
    """Writes one source run inside the caller's transaction (``conn``).

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
        self.sqlite = conn.dialect.name == "sqlite"
        self.now = utcnow()
        # the same instant as the driver wants it for raw inserts (SQLite: SQLAlchemy's text form)
        self.now_raw: Any = (
            self.now.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds") if self.sqlite else self.now
        )
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

    # -- problems ---------------------------------------------------------------------------

    def record_failure(self, ref: str, message: str, rule: str = "mapping") -> None:
        """A record that could not be read at all: reported, the run goes on."""
        self.counts.failed += 1
        self._report([{"job_id": self.job_id, "dataset_id": None, "ref": ref[:2000], "outcome": "failed",
                       "rule": rule, "severity": "error", "message": message}])

    def _report(self, rows: list[dict[str, Any]]) -> None:
        """Job records: written, or kept in :attr:`records` by a dry run."""
        if not rows:
            return
        if self.dry:
            self.records.extend(rows)
        else:
            self.conn.execute(insert(JOBREC), rows)

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
            self.counts.seen_ids.add(did)
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

    def write_page(self, prepared: Sequence[Prepared]) -> list[str]:
        """Store a page of prepared records; returns the ids of the page this source keeps.

        Who keeps a dataset is decided here (catalog/store/ownership.py): a dataset another active
        source keeps is skipped as a duplicate ("kept there"), one whose keeper withdrew it or was
        deleted is taken over.
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
                elif keeper.released and (self.dry or ownership.take(self.conn, keeper, to_source=self.source_id)):
                    changed.append(Change(keeper.pk, item, "restored" if keeper.status != "active" else "updated",
                                          keeper))
                else:
                    problems.append(self._kept_there(item.id, item.ref, self._keeper_name(item.id, keeper),
                                                     self._title(item)))
        self._upsert_publishers([*new, *(c.item for c in changed)])
        if new:
            self._insert(new)
        if changed:
            lost = self._update(changed)
            for c in lost:  # another run took it over meanwhile: it stays there
                problems.append(self._kept_there(c.item.id, c.item.ref, self._keeper_name(c.item.id, None),
                                                 self._title(c.item)))
            changed = [c for c in changed if c not in lost]
        self.counts.unchanged += len(unchanged)
        kept = [*unchanged, *new, *(c.item for c in changed)]
        for item in kept:
            self.counts.seen_ids.add(item.id)
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
        """Publisher rows, and each record pointed at its publisher (an alias's at the one it was merged into)."""
        publishers.store(self.conn, items, now=self.now, known=self.publishers)

    def _row(self, item: Prepared, record_json: str) -> dict[str, Any]:
        title = display_text(item.rec.title) or ""
        return {
            "id": item.id, "uri": item.rec.uri, "kind": item.rec.kind, "source_id": self.source_id,
            "publisher_id": item.publisher_id, "title": title[:2000],
            "title_sort": ids.swedish_sort_key(title)[:200], "status": "active", "content_hash": item.hash,
            "record": record_json, "violations": _json(item.violations), "valid": item.valid,
            "quality_score": item.score, "issued": (item.rec.issued or "")[:40] or None,
            "modified": (item.modified or "")[:40] or None, "updated_at": self.now,
            "withdrawn_at": None, "job_id": self.job_id,
        }

    def _insert(self, items: list[Prepared]) -> None:
        if self.dry:
            for p in items:
                self.existing[p.id] = (0, p.hash, "active")
            self._report([{"job_id": self.job_id, "dataset_id": p.id, "ref": p.ref[:2000], "outcome": "added",
                           "rule": None, "severity": None, "message": None} for p in items])
            self.counts.added += len(items)
            return
        self.changed = True
        records = [p.json for p in items]
        rows = [{**self._row(p, rj), "first_seen_at": self.now} for p, rj in zip(items, records, strict=True)]
        self.conn.execute(insert(DS), rows)
        pks: dict[str, int] = {}
        new_ids = [p.id for p in items]
        for chunk in chunked(new_ids, CHUNK):
            found = self.conn.execute(select(DS.c.id, DS.c.pk).where(DS.c.id.in_(chunk)))
            pks.update({row.id: row.pk for row in found})
        for p in items:
            self.existing[p.id] = (pks[p.id], p.hash, "active")
        self._write_children([(pks[p.id], p) for p in items], replace=False)
        bulk_insert(self.conn, "revision", REV_COLS, [(p.id, self.job_id, "added", p.hash, None, self.now_raw)
                                                      for p in items])
        bulk_insert(self.conn, "job_record", JOBREC_COLS, [
            (self.job_id, p.id, p.ref[:2000], "added", None, None, None) for p in items
        ])
        self.counts.added += len(items)

    def _update(self, items: list[Change]) -> list[Change]:
        """Store changed, restored and taken-over datasets; returns those another source holds now
        (taken over by a run that committed while this one ran: they are left as that run stored them)."""
        if self.dry:
            for c in items:
                self.existing[c.item.id] = (c.pk, c.item.hash, "active")
            self._report(self._change_rows(items))
            self.counts.updated += len(items)
            return []
        self.changed = True
        # the revision keeps what this change replaces; the dataset row holds the current record
        previous: dict[int, str] = {}
        for chunk in chunked([c.pk for c in items], CHUNK):
            previous.update({r.pk: r.record for r in self.conn.execute(
                select(DS.c.pk, DS.c.record).where(DS.c.pk.in_(chunk)))})
        rows = []
        for c in items:
            row = self._row(c.item, c.item.json)
            row.pop("id")
            rows.append({**{f"v_{k}": v for k, v in row.items()}, "b_pk": c.pk})
        cols = [c for c in self._row(items[0].item, "") if c != "id"]
        # only a row this source keeps is written: a takeover moved it here first (ownership.take)
        self.conn.execute(
            update(DS).where(DS.c.pk == bindparam("b_pk"), DS.c.source_id == self.source_id)
            .values({c: bindparam(f"v_{c}") for c in cols}),
            rows,
        )
        kept = ownership.still_kept(self.conn, [c.pk for c in items], source_id=self.source_id)
        lost = [c for c in items if c.pk not in kept]
        items = [c for c in items if c.pk in kept]
        for c in lost:
            self.existing.pop(c.item.id, None)
        if not items:
            return lost
        for c in items:
            self.existing[c.item.id] = (c.pk, c.item.hash, "active")
        self._write_children([(c.pk, c.item) for c in items], replace=True)
        self.conn.execute(insert(REV), [
            {"dataset_id": c.item.id, "job_id": self.job_id, "change": c.change, "content_hash": c.item.hash,
             "previous": previous.get(c.pk), "created_at": self.now,
             "from_source_id": c.taken_from.source_id if c.taken_from else None} for c in items
        ])
        self.conn.execute(insert(JOBREC), self._change_rows(items))
        self.counts.updated += len(items)
        return lost

    def _change_rows(self, items: list[Change]) -> list[dict[str, Any]]:
        return [{"job_id": self.job_id, "dataset_id": c.item.id, "ref": c.item.ref[:2000], "outcome": c.change,
                 "rule": None, "severity": None,
                 "message": f"taken over from {c.taken_from.describe()}" if c.taken_from else None}
                for c in items]

    def _write_children(self, items: list[tuple[int, Prepared]], *, replace: bool) -> None:
        """Distributions, facet values and the full-text index of stored datasets."""
        pks = [pk for pk, _ in items]
        if replace:
            for chunk in chunked(pks, CHUNK):
                self.conn.execute(delete(DIST).where(DIST.c.dataset_pk.in_(chunk)))
                self.conn.execute(delete(FACET).where(FACET.c.dataset_pk.in_(chunk)))
                if self.sqlite:
                    marks = ",".join(str(int(pk)) for pk in chunk)
                    self.conn.execute(text(f"DELETE FROM dataset_fts WHERE rowid IN ({marks})"))
        dists: list[dict[str, Any]] = []
        facets: list[tuple[int, str, str]] = []
        fts: list[dict[str, Any]] = []
        seen_dist: set[str] = set()
        for pk, p in items:
            for pos, d in enumerate(p.rec.distributions):
                if d.id is None or d.id in seen_dist:
                    continue
                seen_dist.add(d.id)
                dists.append({
                    "id": d.id, "dataset_pk": pk, "uri": d.uri, "format": d.format,
                    "license": d.license, "access_url": d.access_urls[0] if d.access_urls else None,
                    "download_url": d.download_urls[0] if d.download_urls else None, "position": pos,
                })
            for facet, value in facet_values(p.rec, p.publisher_id, self.source_name):
                facets.append((pk, facet, value))
            fts.append({"pk": pk, **search_texts(p.rec)})
        if dists:
            self._insert_distributions(dists)
        bulk_insert(self.conn, "dataset_facet", ("dataset_pk", "facet", "value"), facets)
        if self.sqlite:
            bulk_insert(self.conn, "dataset_fts",
                        ("rowid", "title", "keywords", "description", "publisher", "stems"),
                        [(f["pk"], f["title"], f["keywords"], f["description"], f["publisher"], f["stems"])
                         for f in fts])
        else:
            self.conn.execute(
                text("UPDATE dataset SET search_vector = "
                     "setweight(to_tsvector('simple', :title), 'A') || "
                     "setweight(to_tsvector('simple', :keywords), 'B') || "
                     "setweight(to_tsvector('simple', :publisher), 'B') || "
                     "setweight(to_tsvector('simple', :description), 'C') || "
                     "setweight(to_tsvector('simple', :stems), 'D') WHERE pk = :pk"),
                fts,
            )

    def _insert_distributions(self, dists: list[dict[str, Any]]) -> None:
        # A distribution URI shared by two datasets (it happens) must not break the run: the
        # dataset stored first keeps it. Looking the ids up first cost PostgreSQL 0.7 s per
        # 500 ids late in a 100,000-dataset run (a plan made while the table was still empty).
        cols = ("id", "dataset_pk", "uri", "format", "license", "access_url", "download_url", "position")
        bulk_insert(self.conn, "distribution", cols, [tuple(d[c] for c in cols) for d in dists],
                    skip_existing=True)

    # -- the end of a run ------------------------------------------------------------------

    def withdraw_missing(self, *, threshold: float) -> None:
        """After a complete, successful run: withdraw what the source no longer lists.

        Nothing is withdrawn when the run listed nothing at all (suspicious: docs/architecture.md), and a run
        that would withdraw more than ``threshold`` of the source's active datasets holds them.
        """
        active = [did for did, (_, _, status) in self.existing.items() if status == "active"]
        missing = [did for did in active if did not in self.counts.seen_ids]
        if not missing:
            return
        if not self.listed:
            self._hold(missing, "the source listed no datasets: an empty result is not taken as deletion")
            self.counts.message = (
                f"the source listed no datasets; {len(missing)} withdrawals held (an empty result "
                "from a source that had datasets is treated as an error, not as deletion)")
            return
        if len(missing) > threshold * len(active):
            self._hold(missing, "withdrawal held for confirmation")
            self.counts.message = (
                f"{len(missing)} of {len(active)} datasets ({len(missing) / len(active):.0%}) would "
                f"be withdrawn, more than the {threshold:.0%} limit; withdrawals held for confirmation")
            return
        message = "no longer listed by the source"
        if self.dry:
            self._report([{"job_id": self.job_id, "dataset_id": did, "ref": did, "outcome": "withdrawn",
                           "rule": None, "severity": None, "message": message} for did in missing])
        else:
            self.changed = True
            withdraw(self.conn, [(self.existing[did][0], did, self.existing[did][1]) for did in missing],
                     job_id=self.job_id, now=self.now, message=message)
        for did in missing:
            pk, h, _ = self.existing[did]
            self.existing[did] = (pk, h, "withdrawn")
        self.counts.withdrawn = len(missing)

    def _hold(self, missing: list[str], message: str) -> None:
        """Name every held withdrawal in the job's records: a later confirmation applies exactly these
        (catalog/services/held.py), not whatever happens to be missing when someone confirms."""
        self.counts.held = len(missing)
        if self.dry:
            self._report([{"job_id": self.job_id, "dataset_id": did, "ref": did, "outcome": "held", "rule": None,
                           "severity": None, "message": message} for did in missing])
            return
        bulk_insert(self.conn, "job_record", JOBREC_COLS,
                    [(self.job_id, did, did, "held", None, None, message) for did in missing])

    def finish(self) -> None:
        """End a complete run: say what other sources keep, and remember it as this source's claims."""
        if self.kept_elsewhere:
            keepers = sorted(set(self.kept_elsewhere.values()))
            note = (f"{len(self.kept_elsewhere)} listed datasets are kept by "
                    f"{', '.join(f'source {k!r}' for k in keepers[:5])}{' and others' if len(keepers) > 5 else ''}"
                    ", which listed them first (rule duplicate)")
            self.counts.message = f"{self.counts.message}; {note}" if self.counts.message else note
        if self.dry:
            return
        ownership.replace_claims(self.conn, self.source_id, self.kept_elsewhere, job_id=self.job_id, now=self.now)
        if self.changed:
            bump_generation(self.conn)


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
