"""Exports of many datasets at once (CSV, JSON, XLSX, Markdown, DCAT-AP-SE RDF), part of the *serve*
step: the datasets a search or a curated list selects, streamed as a file for the API's export routes
and ``datakatalog export`` alike (docs/architecture.md).
"""
