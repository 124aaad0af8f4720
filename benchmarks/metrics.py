"""What watching costs: the time of a GET /metrics scrape, and the bookkeeping every request and search pays.

    python -m benchmarks.metrics --db sqlite:////path/to/a/harvested.db [--scrapes 200]

Give it a copy of a harvested catalogue (opening it may upgrade its schema). Prints the scrape's p50 /
p95 / max over in-process HTTP (the app's TestClient, so without a socket), its size, and the per-call
cost of the request middleware's and the search timer's work measured alone.
"""

from __future__ import annotations

import argparse
import statistics
import time
import timeit
import uuid

from fastapi.testclient import TestClient

from api.app import create_app
from catalog import metrics
from catalog.search.query import SearchQuery
from catalog.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--scrapes", type=int, default=200)
    args = parser.parse_args()
    token = "bench-metrics-token"
    app = create_app(Settings(database_url=args.db, metrics_token=token))
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as client:
        started = time.perf_counter()
        client.get("/api/datasets", params={"q": "vatten"})  # the facet index, so generations are held
        print(f"first search (builds the facet index): {time.perf_counter() - started:.1f} s")
        times = []
        size = 0
        for _ in range(args.scrapes):
            t0 = time.perf_counter()
            resp = client.get("/metrics", headers=headers)
            times.append((time.perf_counter() - t0) * 1000)
            size = len(resp.content)
        times.sort()
        print(f"GET /metrics x{args.scrapes}: p50 {statistics.median(times):.2f} ms, "
              f"p95 {times[int(len(times) * 0.95) - 1]:.2f} ms, max {times[-1]:.2f} ms, {size:,} bytes")
    n = 100_000
    per = timeit.timeit(lambda: (uuid.uuid4().hex, metrics.HTTP_SECONDS.labels("GET", "/bench", "200").observe(0.01)),
                        number=n) / n
    print(f"request bookkeeping (a request id and one histogram observation): {per * 1e6:.2f} µs")
    query = SearchQuery(q="vatten", filters={"theme": ["ENVI"]})

    def timed() -> None:
        with metrics.search_timer(query):
            pass

    per = timeit.timeit(timed, number=n) / n
    print(f"search timer (classify the query, observe): {per * 1e6:.2f} µs")


if __name__ == "__main__":
    main()
