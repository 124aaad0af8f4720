"""A dry run of a source that is not saved: fetch, map and check it, store nothing.

This is what a publisher runs before registering a source: how many datasets it lists, a
normalised sample, every DCAT-AP-SE problem grouped by rule with the dataset named, and why a
page could not be fetched or read. It takes no database at all, so it cannot store anything.
"""

from __future__ import annotations

from typing import Any

from catalog.errors import CatalogError
from catalog.quality.problems import RuleTally
from catalog.records import display_text
from catalog.settings import Settings
from catalog.store.prepared import prepare
from harvester.adapters import get_adapter
from harvester.adapters.base import SourceSpec
from harvester.fetch import Fetcher
from harvester.registration import check_source

SAMPLE_SIZE = 10
MAPPING = {"rule": "mapping", "severity": "error"}
DUPLICATE = {"rule": "duplicate", "severity": "warning", "message": "listed twice; the first listing counts"}


def preview_source(
    settings: Settings, *, kind: str, url: str, mapping: str | None = None, name: str = "preview",
    sample_size: int = SAMPLE_SIZE,
) -> dict[str, Any]:
    """Fetch, map and check a source without saving anything; the answer is a preview report."""
    spec = SourceSpec(name=name, kind=kind, url=url, mapping=mapping)
    check_source(spec, settings)  # the same address rules as registration: a preview fetches too
    fetcher = Fetcher(settings, retries=0)
    counts = {"records": 0, "datasets": 0, "dataservices": 0, "valid": 0, "invalid": 0, "failed": 0,
              "duplicates": 0}
    sample: list[dict[str, Any]] = []
    problems = RuleTally()
    fetch_problems: list[dict[str, Any]] = []
    seen: set[str] = set()
    pages = 0
    complete = False
    try:
        adapter = get_adapter(kind)(spec, fetcher, settings)
        for page in adapter.pages({}):
            pages += 1
            for ref, item in page.records:
                if isinstance(item, Exception):
                    counts["failed"] += 1
                    problems.add(MAPPING, member={"dataset_id": None, "ref": ref, "title": None,
                                                  "message": f"{type(item).__name__}: {item}"})
                    continue
                try:
                    prepared = prepare(ref, item, name)
                except Exception as exc:  # one bad record never sinks a preview either
                    counts["failed"] += 1
                    problems.add(MAPPING, member={"dataset_id": None, "ref": ref, "title": None,
                                                  "message": f"{type(exc).__name__}: {exc}"})
                    continue
                title = display_text(prepared.rec.title)
                if prepared.id in seen:
                    counts["duplicates"] += 1
                    problems.add(DUPLICATE, dataset_id=prepared.id,
                                 member={"dataset_id": prepared.id, "ref": ref, "title": title, "message": None})
                    continue
                seen.add(prepared.id)
                counts["records"] += 1
                counts["dataservices" if prepared.rec.kind == "dataservice" else "datasets"] += 1
                counts["valid" if prepared.valid else "invalid"] += 1
                for v in prepared.violations:
                    problems.add(v, dataset_id=prepared.id,
                                 member={"dataset_id": prepared.id, "ref": ref, "title": title, "focus": v["focus"]})
                if len(sample) < sample_size:
                    sample.append({"id": prepared.id, "uri": prepared.rec.uri, "title": title,
                                   "valid": prepared.valid, "quality_score": prepared.score,
                                   "violations": prepared.violations, "record": prepared.rec.to_dict()})
        complete = True
    except CatalogError as exc:
        fetch_problems.append({"type": type(exc).__name__, "title": exc.title, "message": exc.message})
    except Exception as exc:  # an unexpected failure is reported, never a 500
        fetch_problems.append({"type": type(exc).__name__, "title": "Unexpected error", "message": str(exc)})
    finally:
        fetcher.close()
    return {
        "source": {"name": name, "kind": kind, "url": url, "mapping": mapping},
        "stored": False, "complete": complete, "pages": pages, "requests": fetcher.requests,
        "datasets": counts["records"], "counts": counts, "sample": sample,
        "problems": problems.groups(members="records"),
        "fetch_problems": fetch_problems,
    }
