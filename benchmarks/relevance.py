"""Search relevance on a judged query set: success@5 and nDCG@10 per query group and overall.

    .venv/bin/python -m benchmarks.relevance [--catalogue demo|generated|all] [--datasets 2000]
        [--demo-db URL] [--generated-db URL] [--verbose]

The judged set is benchmarks/judged/queries.toml (its header says how it was judged). The demo
catalogue is harvested with `datakatalog demo --no-serve` into a new SQLite file (or ``--demo-db``
names one already harvested); the generated one is benchmarks/gen_catalog.py's, harvested as
benchmarks/search.py does (or ``--generated-db``). Every query goes through
catalog.services.datasets.search_datasets, the function behind GET /api/datasets, with the default
status (active) and no filters; the first ten results are scored.

- success@5: the share of queries with a relevant dataset (grade ≥ 1) among the first five.
- nDCG@10: discounted cumulative gain of the first ten, gain 2^grade − 1 and discount
  log2(rank + 1), divided by the gain of the ideal order of every judged dataset.

``--verbose`` lists, per query, the relevant datasets missing from the first five and what came
first instead. docs/decisions/0007-search-relevance.md has the figures before and after issue 16.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

JUDGED = Path(__file__).with_name("judged") / "queries.toml"
CATALOGUES = ("demo", "generated")


@dataclass(slots=True)
class Judged:
    """One judged query."""

    q: str
    group: str
    lang: str
    catalogue: str
    relevant: dict[str, int] = field(default_factory=dict)  # demo: dataset id -> grade
    topics: dict[str, int] = field(default_factory=dict)  # generated: topic slug -> grade
    place: str | None = None  # generated: datasets of the topics in this place are graded 2


@dataclass(slots=True)
class Outcome:
    query: Judged
    ranked: list[str]  # dataset ids, first ten
    titles: dict[str, str]
    relevant: dict[str, int]  # resolved grades
    total: int

    @property
    def success(self) -> bool:
        return any(self.relevant.get(i, 0) > 0 for i in self.ranked[:5])

    @property
    def ndcg(self) -> float:
        return ndcg_at(self.ranked, self.relevant, 10)


def ndcg_at(ranked: list[str], relevant: dict[str, int], k: int) -> float:
    """nDCG@k with gain 2^grade − 1; 0 when nothing is relevant."""
    def dcg(grades: Iterable[int]) -> float:
        return sum((2 ** g - 1) / math.log2(rank + 2) for rank, g in enumerate(grades))

    ideal = dcg(sorted((g for g in relevant.values() if g > 0), reverse=True)[:k])
    return dcg(relevant.get(i, 0) for i in ranked[:k]) / ideal if ideal else 0.0


def load(path: Path = JUDGED) -> list[Judged]:
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    out = []
    for entry in data["query"]:
        judged = Judged(q=entry["q"], group=entry["group"], lang=entry["lang"], catalogue=entry["catalogue"],
                        relevant=dict(entry.get("relevant", {})), topics=dict(entry.get("topics", {})),
                        place=entry.get("place"))
        if judged.catalogue not in CATALOGUES:
            raise ValueError(f"{judged.q!r}: catalogue {judged.catalogue!r} is none of {CATALOGUES}")
        if not (judged.relevant or judged.topics):
            raise ValueError(f"{judged.q!r}: no relevant dataset judged")
        out.append(judged)
    return out


def demo_database(workdir: Path) -> str:
    """A new SQLite file holding the demo catalogue, harvested by `datakatalog demo --no-serve`."""
    url = f"sqlite:///{workdir / 'demo.db'}"
    exe = Path(sys.executable).with_name("datakatalog")
    subprocess.run([str(exe), "demo", "--no-serve", "--db", url], check=True, stdout=subprocess.DEVNULL)
    return url


def generated_database(datasets: int) -> str:
    from benchmarks.search import harvested_catalogue

    return harvested_catalogue(datasets, "dk-relevance-")


class _Topics:
    """The generated catalogue's datasets by topic slug, with their Swedish titles (read once)."""

    def __init__(self, engine: Engine) -> None:
        from catalog.records import DatasetRecord
        from catalog.store.runs import DS, decode

        self.by_topic: dict[str, list[tuple[str, str]]] = {}
        with engine.connect() as conn:
            for row in conn.execute(select(DS.c.id, DS.c.record).where(DS.c.status == "active")):
                rec = DatasetRecord.from_dict(decode(row.record))
                for page in rec.landing_pages:
                    if "/oppna-data/" in page:
                        slug = page.rsplit("/", 1)[-1].rsplit("-", 1)[0]
                        self.by_topic.setdefault(slug, []).append((row.id, rec.title.get("sv", "")))

    def grades(self, judged: Judged) -> dict[str, int]:
        out: dict[str, int] = {}
        for slug, grade in judged.topics.items():
            if slug not in self.by_topic:
                raise ValueError(f"{judged.q!r}: no topic {slug!r} in the generated catalogue")
            for dataset_id, title in self.by_topic[slug]:
                in_place = judged.place is not None and f" i {judged.place} " in f"{title} "
                out[dataset_id] = max(out.get(dataset_id, 0), 2 if in_place else grade)
        return out


def evaluate(db_url: str, queries: list[Judged]) -> list[Outcome]:
    """Every query through the search service of GET /api/datasets, first ten results."""
    from catalog.search.query import query_from_params
    from catalog.services.datasets import search_datasets
    from catalog.store.engine import init_engine

    engine = init_engine(db_url)
    topics = _Topics(engine) if any(j.topics for j in queries) else None
    try:
        out = []
        for judged in queries:
            answer = search_datasets(engine, query_from_params({"q": [judged.q], "per_page": ["10"]}))
            items = answer["items"]
            relevant = topics.grades(judged) if judged.topics and topics else judged.relevant
            out.append(Outcome(judged, [i["id"] for i in items], {i["id"]: i["title"] or "" for i in items},
                               relevant, answer["total"]))
        return out
    finally:
        engine.dispose()


def summarise(outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    """Per group and "overall": queries, success@5 and nDCG@10 (means)."""
    groups: dict[str, list[Outcome]] = {}
    for o in outcomes:
        groups.setdefault(o.query.group, []).append(o)
    groups["overall"] = outcomes
    return {name: {"queries": len(os), "success@5": sum(o.success for o in os) / len(os),
                   "ndcg@10": sum(o.ndcg for o in os) / len(os)} for name, os in groups.items() if os}


def report(outcomes: list[Outcome], *, verbose: bool, out: Any = sys.stdout) -> dict[str, dict[str, float]]:
    figures = summarise(outcomes)
    print(f"{'group':<14} {'queries':>7} {'success@5':>10} {'nDCG@10':>8}", file=out)
    for name, f in figures.items():
        print(f"{name:<14} {int(f['queries']):>7} {f['success@5']:>10.2f} {f['ndcg@10']:>8.3f}", file=out)
    if verbose:
        print("\nper query (✗ = nothing relevant in the first five):", file=out)
        for o in outcomes:
            mark = "✓" if o.success else "✗"
            print(f"{mark} [{o.query.catalogue}/{o.query.group}] {o.query.q!r}: nDCG@10 {o.ndcg:.2f}, "
                  f"{o.total} found", file=out)
            missing = [i for i, g in sorted(o.relevant.items(), key=lambda kv: -kv[1])
                       if g == 2 and i not in o.ranked[:5]]
            if missing and o.query.catalogue == "demo":
                print(f"    missing from the first five: {', '.join(missing[:6])}", file=out)
            if not o.success:
                print(f"    first instead: {'; '.join(o.titles[i] for i in o.ranked[:3]) or '(nothing)'}", file=out)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalogue", choices=(*CATALOGUES, "all"), default="all")
    parser.add_argument("--datasets", type=int, default=2000, help="size of the generated catalogue")
    parser.add_argument("--demo-db", help="a database already holding the demo catalogue")
    parser.add_argument("--generated-db", help="a database already holding the generated catalogue")
    parser.add_argument("--queries", type=Path, default=JUDGED)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    queries = load(args.queries)
    wanted = CATALOGUES if args.catalogue == "all" else (args.catalogue,)
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="dk-relevance-") as tmp:
        for catalogue in wanted:
            chosen = [j for j in queries if j.catalogue == catalogue]
            if not chosen:
                continue
            if catalogue == "demo":
                url = args.demo_db or demo_database(Path(tmp))
            else:
                url = args.generated_db or generated_database(args.datasets)
            outcomes += evaluate(url, chosen)
    report(outcomes, verbose=args.verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
