"""Search: the *index* step's in-memory side and the search half of *serve*. One parser of search
parameters for the API, the CLI and both exports (:mod:`~catalog.search.query`), full-text matching
and facet counts over the rows the store wrote (:mod:`~catalog.search.searcher`), the term index for
words that match much, and Swedish and English stemming (docs/architecture.md).
"""
