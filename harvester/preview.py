"""A dry run of a source that is not saved: fetch, map and check it, store nothing.

This is what a publisher runs before registering a source: how many datasets it lists, a
normalised sample, every DCAT-AP-SE problem grouped by rule with the dataset named, and why a
page could not be fetched or read.

It runs the harvest's own code: the runner's walk over the pages (:func:`harvester.runner.run_pages`)
into a *dry* :class:`~catalog.store.runs.RunWriter`, which reads the catalogue to decide what each
record would be (new, updated, unchanged, kept by another source that listed it first, taken over
from a deleted or withdrawing one, listed twice, invalid) and what would be withdrawn or held, and
writes nothing. So its counts are the counts the harvest would report. A preview under the name of
a registered source is compared with that source's datasets; under any other name, with none.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from catalog.errors import CatalogError
from catalog.quality.problems import RuleTally
from catalog.records import display_text
from catalog.settings import Settings
from catalog.store import runs
from catalog.store.tables import SRC
from harvester.adapters import get_adapter
from harvester.adapters.base import SourceSpec
from harvester.detection import NotFetched
from harvester.fetch import Fetcher
from harvester.registration import check_source, detect
from harvester.runner import run_pages

SAMPLE_SIZE = 10
CHANGES = {"added", "updated", "restored", "withdrawn", "held"}
UNSAVED = 0  # no source has this id: an unsaved source keeps no dataset yet


def preview_source(
    settings: Settings, *, engine: Engine, kind: str | None, url: str, mapping: str | None = None,
    name: str = "preview", sample_size: int = SAMPLE_SIZE, mapping_profile: str | None = None,
) -> dict[str, Any]:
    """Fetch, map and check a source without saving anything; the answer is a preview report.
    ``mapping_profile``: the text of a mapping profile to try (checked as registration checks it).
    Without ``kind`` the URL is asked what it is, as registration asks it (``detected`` says what)."""
    detected = None
    if kind is None:
        try:
            detected = detect(url, settings, has_mapping=mapping is not None or mapping_profile is not None)
        except NotFetched as exc:  # as a preview of a given kind reports a page it cannot fetch
            return _unfetched(name, url, mapping, exc.cause)
        kind = detected.kind
    spec = SourceSpec(name=name, kind=kind, url=url, mapping=mapping, profile=mapping_profile)
    check_source(spec, settings)  # the same address rules as registration: a preview fetches too
    fetcher = Fetcher(settings, retries=0)
    fetch_problems: list[dict[str, Any]] = []
    pages = 0
    complete = False
    with engine.connect() as conn:
        registered = conn.execute(select(SRC.c.id).where(SRC.c.name == name, SRC.c.deleted.is_(False))).scalar()
        writer = runs.RunWriter(conn, source_id=registered or UNSAVED, source_name=name, job_id=0, dry=True,
                                sample_size=sample_size)

        def count_page(*_: Any) -> None:
            nonlocal pages
            pages += 1

        try:
            adapter = get_adapter(kind)(spec, fetcher, settings)
            run_pages(writer, adapter, {}, source_name=name, threshold=settings.withdraw_threshold,
                      progress=count_page)
            complete = True
        except CatalogError as exc:
            fetch_problems.append({"type": type(exc).__name__, "title": exc.title, "message": exc.message})
        except Exception as exc:  # an unexpected failure is reported, never a 500
            fetch_problems.append({"type": type(exc).__name__, "title": "Unexpected error", "message": str(exc)})
        finally:
            fetcher.close()
            conn.rollback()  # it wrote nothing; end the read transaction all the same
    return {
        "source": {"name": name, "kind": kind, "url": url, "mapping": mapping},
        "detected": detected.found if detected else None,
        "stored": False, "complete": complete, "pages": pages, "requests": fetcher.requests,
        "datasets": writer.counts.seen, "counts": _counts(writer), "sample": _sample(writer),
        "problems": _problems(writer.records), "fetch_problems": fetch_problems,
        "message": writer.counts.message,
    }


def _unfetched(name: str, url: str, mapping: str | None, exc: CatalogError) -> dict[str, Any]:
    counts = dict.fromkeys(("seen", "added", "updated", "unchanged", "withdrawn", "held", "invalid", "failed",
                            "records", "datasets", "dataservices", "valid", "duplicates"), 0)
    return {"source": {"name": name, "kind": None, "url": url, "mapping": mapping}, "detected": None,
            "stored": False, "complete": False, "pages": 0, "requests": 1, "datasets": 0, "counts": counts,
            "sample": [], "problems": [], "message": None,
            "fetch_problems": [{"type": type(exc).__name__, "title": exc.title, "message": exc.message}]}


def _counts(writer: runs.RunWriter) -> dict[str, int]:
    c = writer.counts
    services = writer.kinds.get("dataservice", 0)
    return {
        # what the job report of a harvest would count (JobCounts)
        "seen": c.seen, "added": c.added, "updated": c.updated, "unchanged": c.unchanged,
        "withdrawn": c.withdrawn, "held": c.held, "invalid": c.invalid, "failed": c.failed,
        # the records the source lists, as stored (each once) and as skipped
        "records": c.seen, "datasets": c.seen - services, "dataservices": services, "valid": c.seen - c.invalid,
        "duplicates": sum(1 for r in writer.records if r["rule"] == "duplicate"),
    }


def _sample(writer: runs.RunWriter) -> list[dict[str, Any]]:
    return [{"id": p.id, "uri": p.rec.uri, "title": display_text(p.rec.title), "valid": p.valid,
             "quality_score": p.score, "violations": p.violations, "record": p.rec.to_dict()}
            for p in writer.sample]


def _problems(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The job records the harvest would write, grouped by rule as a job report groups them."""
    tally = RuleTally()
    for r in records:
        if r["outcome"] in CHANGES:
            continue
        member: dict[str, Any] = {"dataset_id": r["dataset_id"], "ref": r["ref"], "title": r.get("title")}
        problem = r.get("problem")
        if problem is not None:  # a violation: described as the rule describes it, with its node
            member["focus"] = problem.get("focus")
            tally.add(problem, dataset_id=r["dataset_id"], member=member)
            continue
        member["message"] = r["message"]
        tally.add({"rule": r["rule"] or r["outcome"], "severity": r["severity"], "message": r["message"]},
                  dataset_id=r["dataset_id"], member=member)
    return tally.groups(members="records")
