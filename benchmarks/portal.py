"""Portal page latency over HTTP: the /datasets result page on a catalogue of N datasets.

    .venv/bin/python -m benchmarks.portal [--datasets 20000] [--db URL] [--requests 240] [--skip-harvest]

Harvests a generated catalogue (benchmarks/gen_catalog.py, as benchmarks/search.py does), starts
`datakatalog serve` in its own process, waits for the search's term index, then times whole HTML
pages from one client: /datasets with the search benchmark's query kinds (text, facets, both,
sorting, paging) in Swedish and English, plus the front page and dataset pages. Prints p50 / p95 /
max per kind and over every /datasets request. The issue's target: p95 ≤ 50 ms for /datasets.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import requests

from benchmarks.search import QUERIES, harvested_catalogue, pct, served

PAGE_QUERIES: dict[str, list[dict[str, Any]]] = {
    **QUERIES,
    "type and access facets": [
        {"type": "dataservice"}, {"access": "open", "theme": "TRAN"}, {"q": "kommun", "type": "dataset"},
        {"access": ["open", "restricted"], "format": "CSV"},
    ],
    "English labels": [{"lang": "en"}, {"q": "data", "lang": "en"}, {"theme": "ENVI", "lang": "en"},
                       {"q": "kommun", "format": "CSV", "lang": "en", "page": 2}],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=20000)
    parser.add_argument("--db", default=None)
    parser.add_argument("--requests", type=int, default=240, help="/datasets requests, spread over the kinds")
    parser.add_argument("--skip-harvest", action="store_true",
                        help="use the catalogue already in --db (from an earlier run) instead of harvesting")
    args = parser.parse_args()
    if args.skip_harvest and not args.db:
        parser.error("--skip-harvest needs --db")

    db_url = args.db if args.skip_harvest else harvested_catalogue(args.datasets, "dk-portal-", args.db)
    html = {"Accept": "text/html"}
    with served(db_url) as base:
        session = requests.Session()
        t0 = time.perf_counter()
        session.get(base + "/datasets", headers=html, timeout=60).raise_for_status()
        print(f"first page (waits for the facet index): {(time.perf_counter() - t0) * 1000:.0f} ms")
        while session.get(base + "/healthz", timeout=10).json()["search"]["term_index"] != "ready":
            time.sleep(0.1)
        print(f"term index ready {time.perf_counter() - t0:.1f} s after the first page")

        def timed(path: str, params: dict[str, Any] | None = None) -> tuple[float, requests.Response]:
            # a fresh cookie jar each time: the language comes from ?lang= alone, as on a first visit
            session.cookies.clear()
            start = time.perf_counter()
            resp = session.get(base + path, params=params, headers=html, timeout=30)
            elapsed = (time.perf_counter() - start) * 1000
            resp.raise_for_status()
            return elapsed, resp

        timings: dict[str, list[float]] = {k: [] for k in PAGE_QUERIES}
        api: list[float] = []
        per_kind = max(1, args.requests // len(PAGE_QUERIES))
        ids: list[str] = []
        for kind, params_list in PAGE_QUERIES.items():
            for i in range(per_kind):
                params = params_list[i % len(params_list)]
                elapsed, resp = timed("/datasets", params)
                assert 'role="search"' in resp.text and 'class="facets"' in resp.text
                timings[kind].append(elapsed)
                # the same search as JSON, at the same moment: what the HTML adds, whatever the machine's load
                api.append(timed("/api/datasets", {k: v for k, v in params.items() if k != "lang"})[0])
        ids = [item["id"] for item in session.get(base + "/api/datasets", params={"per_page": 50}).json()["items"]]
        other: dict[str, list[float]] = {"front page /": [], "dataset page": []}
        for i in range(max(10, per_kind)):
            other["front page /"].append(timed("/", {"lang": "en"} if i % 2 else None)[0])
            other["dataset page"].append(timed(f"/datasets/{ids[i % len(ids)]}")[0])

        def row(kind: str, values: list[float]) -> str:
            return (f"{kind:28s} {len(values):4d} {statistics.median(values):8.1f} {pct(values, 95):8.1f} "
                    f"{max(values):8.1f}")

        print(f"{'/datasets: kind':28s} {'n':>4s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s}")
        every: list[float] = []
        for kind, values in timings.items():
            every += values
            print(row(kind, values))
        print(row("all /datasets", every))
        print(row("the same, /api/datasets", api))
        for kind, values in other.items():
            print(row(kind, values))


if __name__ == "__main__":
    main()
