"""Tantivy, measured against the catalogue of an earlier search benchmark (docs/decisions/0002).

    .venv/bin/pip install tantivy   # not a dependency of datakatalog
    .venv/bin/python -m benchmarks.search --datasets 100000 --db sqlite:////tmp/s100k.db
    .venv/bin/python -m benchmarks.search_tantivy /tmp/s100k.db

Indexes the SQLite catalogue's full-text columns and facet values in an in-RAM Tantivy index, then
times, in process (no HTTP), what one search needs: the top 20 by BM25 (title, keywords, publisher
and description boosted as datakatalog does), the total, and the six facets' counts as terms
aggregations, one per facet so each respects every filter but its own. Also times fetching every
hit of a common word, which combining Tantivy's matches with datakatalog's own facet arrays needs.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import time
from typing import Any

FACETS = ("publisher", "theme", "format", "license", "keyword", "source")
QUERIES: list[tuple[str | None, dict[str, list[str]]]] = [
    ("data", {}), ("kommun", {}), ("kommun", {"theme": ["ENVI"]}), ("data", {"format": ["CSV", "GEOJSON"]}),
    ("badplatser", {}), (None, {}),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sqlite_file")
    args = parser.parse_args()
    import tantivy

    db = sqlite3.connect(args.sqlite_file)
    t0 = time.perf_counter()
    rows = db.execute("SELECT rowid, title, keywords, description, publisher, stems FROM dataset_fts").fetchall()
    status = dict(db.execute("SELECT pk, status FROM dataset").fetchall())
    facets: dict[int, dict[str, list[str]]] = {}
    for pk, facet, value in db.execute("SELECT dataset_pk, facet, value FROM dataset_facet"):
        facets.setdefault(pk, {}).setdefault(facet, []).append(value)
    t1 = time.perf_counter()

    builder = tantivy.SchemaBuilder()
    for name in ("title", "keywords", "description", "publisher", "stems"):
        builder.add_text_field(name, stored=False)
    for name in FACETS:
        builder.add_text_field("f_" + name, stored=False, tokenizer_name="raw", fast=True)
    builder.add_text_field("status", stored=False, tokenizer_name="raw")
    builder.add_integer_field("pk", stored=False, indexed=True, fast=True)
    schema = builder.build()
    index = tantivy.Index(schema)
    writer = index.writer(heap_size=200_000_000, num_threads=2)
    for pk, title, keywords, description, publisher, stems in rows:
        doc: dict[str, Any] = {"pk": pk, "title": title or "", "keywords": keywords or "",
                               "description": description or "", "publisher": publisher or "",
                               "stems": stems or "", "status": status.get(pk, "active")}
        for name, values in facets.get(pk, {}).items():
            doc["f_" + name] = values
        writer.add_document(tantivy.Document.from_dict(doc, schema))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()
    t2 = time.perf_counter()
    print(f"{searcher.num_docs} datasets: read {t1 - t0:.1f} s, indexed {t2 - t1:.1f} s")

    occur, query = tantivy.Occur, tantivy.Query

    def text_query(word: str) -> Any:
        return query.boolean_query([
            (occur.Should, query.boost_query(query.term_query(schema, field, word), boost))
            for field, boost in (("title", 10.0), ("keywords", 4.0), ("publisher", 2.0), ("description", 1.0))])

    def run(word: str | None, filters: dict[str, list[str]]) -> int:
        base = [(occur.Must, query.term_query(schema, "status", "active"))]
        if word:
            base.append((occur.Must, text_query(word)))
        by_facet = {f: query.term_set_query(schema, "f_" + f, values) for f, values in filters.items()}
        found = searcher.search(query.boolean_query(base + [(occur.Must, q) for q in by_facet.values()]), 20,
                                count=True)
        for facet in FACETS:
            others = base + [(occur.Must, q) for f, q in by_facet.items() if f != facet]
            searcher.aggregate(query.boolean_query(others), {"a": {"terms": {"field": "f_" + facet, "size": 50}}})
        return int(found.count)

    print(f"{'query':45s} {'hits':>7s} {'min ms':>7s} {'median ms':>10s}")
    for word, filters in QUERIES:
        times = []
        for _ in range(9):
            start = time.perf_counter()
            hits = run(word, filters)
            times.append((time.perf_counter() - start) * 1000)
        label = f"{word or '(all)'} {filters or ''}"
        print(f"{label:45s} {hits:7d} {min(times):7.1f} {statistics.median(times):10.1f}")
    common = text_query("data")
    start = time.perf_counter()
    every = searcher.search(common, searcher.num_docs, count=True)
    fetched = time.perf_counter()
    searcher.fast_field_values("pk", [hit[1] for hit in every.hits])
    print(f"every hit of 'data': {(fetched - start) * 1000:.1f} ms for the hits, "
          f"{(time.perf_counter() - fetched) * 1000:.1f} ms more for their dataset keys")


if __name__ == "__main__":
    main()
