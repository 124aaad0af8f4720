"""“Did you mean” speed at the vocabulary of a large catalogue (issue 16).

    .venv/bin/python -m benchmarks.suggest [--words 250000] [--queries 300]
    .venv/bin/python -m benchmarks.suggest --datasets 100000 [--db URL]

The generated benchmark catalogue repeats thirty topics, so its vocabulary is small; a real
catalogue of 100,000 datasets has a few hundred thousand distinct words. This builds a term index of
``--words`` made-up Swedish-looking words (syllables of Swedish words, lengths 3–20, counts falling
off like a real vocabulary's), times building the suggestion vocabulary from it (once per catalogue
generation) and correcting ``--queries`` words with one or two typos, å/ä/ö dropped in some, and
prints the figures (p50 / p95 / max).

With ``--datasets`` it times whole searches instead, in process through the search service of
GET /api/datasets, on the generated catalogue (harvested as benchmarks/search.py does, or ``--db``):
misspelt words that find nothing, so that the service looks for corrections and counts what each
finds, beside the same words spelt right; then the highlighting of their pages of results alone.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import numpy as np

from catalog.search import highlight, suggest, term_index

SYLLABLES = ("bad", "plat", "ser", "håll", "för", "sko", "lor", "vat", "ten", "kva", "li", "tet", "ladd",
             "stol", "par", "ke", "ring", "cy", "kel", "strå", "väg", "ar", "be", "te", "ning", "kom", "mun",
             "stad", "göte", "borg", "mal", "mö", "luft", "trafik", "ol", "yck", "or", "bib", "lio", "tek",
             "snö", "röj", "vård", "cen", "tral", "er", "na", "en", "et", "buss", "tåg", "ö", "å", "ä")


def vocabulary_words(n: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    words: set[str] = set()
    while len(words) < n:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 6)))
        if 3 <= len(word) <= 20:
            words.add(word)
    return sorted(words)


def typo(word: str, rng: random.Random) -> str:
    chars = list(word.translate(str.maketrans("åäö", "aao")) if rng.random() < 0.5 else word)
    for _ in range(rng.randint(1, 2)):
        i = rng.randrange(len(chars))
        kind = rng.random()
        if kind < 0.4:
            chars[i] = rng.choice("abcdefghiklmnoprstuv")
        elif kind < 0.7 and len(chars) > 4:
            del chars[i]
        else:
            chars.insert(i, rng.choice("aeiorstn"))
    return "".join(chars)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


TYPOS = {"badplatsr": "badplatser", "hallplatsr": "hållplatser", "forskolr": "förskolor",
         "luftkvalitt": "luftkvalitet", "bibliotk": "bibliotek", "lekplatsr": "lekplatser",
         "naturreservt": "naturreservat", "trafikolycor": "trafikolyckor", "upphandlngar": "upphandlingar",
         "parkering stokholm": "parkering stockholm"}


def whole_searches(db_url: str, rounds: int = 20) -> None:
    from catalog.search.query import query_from_params
    from catalog.search.searcher import searcher_for
    from catalog.services.datasets import search_datasets
    from catalog.store.engine import init_engine

    engine = init_engine(db_url)
    searcher = searcher_for(engine)
    searcher.terms_for(searcher.index(), wait=True)
    for q in TYPOS:  # the suggestion vocabulary is built by the first search that needs it
        search_datasets(engine, query_from_params({"q": [q]}))
    terms = searcher.terms_for(searcher.index())
    if terms is not None:
        suggest.vocabulary_of(terms, wait=True)
    for label, queries in (("misspelt (with suggestions)", list(TYPOS)), ("spelt right", list(TYPOS.values()))):
        times, offered = [], 0
        for _ in range(rounds):
            for q in queries:
                started = time.perf_counter()
                answer = search_datasets(engine, query_from_params({"q": [q]}))
                times.append((time.perf_counter() - started) * 1000)
                offered += bool(answer["suggestions"])
        print(f"{label}: {len(times)} searches, p50 {statistics.median(times):.1f} ms, p95 {pct(times, 95):.1f} ms, "
              f"max {max(times):.1f} ms; {offered} answered with suggestions")
    # highlighting alone: a page of 20 results marked with a new matcher (a query text not seen
    # before: its expansion included) and with the one kept for the text
    pages = {q: search_datasets(engine, query_from_params({"q": [q]}))["items"] for q in TYPOS.values()}
    for label, fresh in (("new query text", True), ("query text seen before", False)):
        times = []
        for _ in range(rounds):
            for q, items in pages.items():
                if fresh:
                    highlight.for_query.cache_clear()
                started = time.perf_counter()
                matcher = highlight.for_query(q)
                for item in items:
                    highlight.highlight(item["title"], item["description"], matcher)
                times.append((time.perf_counter() - started) * 1000)
        print(f"highlighting a page of {max(len(i) for i in pages.values())}, {label}: "
              f"p50 {statistics.median(times):.2f} ms, p95 {pct(times, 95):.2f} ms")
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=250_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--datasets", type=int, help="time whole searches on a generated catalogue of this size")
    parser.add_argument("--db", help="a database already holding the generated catalogue")
    args = parser.parse_args(argv)
    if args.datasets or args.db:
        from benchmarks.search import harvested_catalogue

        whole_searches(args.db or harvested_catalogue(args.datasets, "dk-suggest-"))
        return 0
    words = vocabulary_words(args.words)
    n = len(words)
    rng = np.random.default_rng(1)
    counts = np.minimum(rng.zipf(1.6, size=n), 5000)  # datasets per word
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    terms = term_index.TermIndex(generation=1, size=100_000, words=words, ptr=ptr,
                                 doc=np.zeros(int(ptr[-1]), dtype=np.int32),
                                 bits=np.full(int(ptr[-1]), term_index.TITLE, dtype=np.uint8))
    started = time.perf_counter()
    vocab = suggest.vocabulary(terms)
    built = time.perf_counter() - started
    print(f"vocabulary: {n:,} words ({int(ptr[-1]):,} postings), built in {built * 1000:.0f} ms")
    prng = random.Random(2)
    queries = [typo(w, prng) for w in prng.sample([w for w in words if len(w) >= 5], args.queries)]
    times, found = [], 0
    for q in queries:
        started = time.perf_counter()
        out = suggest.corrections(vocab, q)
        times.append((time.perf_counter() - started) * 1000)
        found += bool(out)
    print(f"corrections of {len(queries)} misspelt words: p50 {statistics.median(times):.2f} ms, "
          f"p95 {pct(times, 95):.2f} ms, max {max(times):.2f} ms; {found} with a suggestion")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
