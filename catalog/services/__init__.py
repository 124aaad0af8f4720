"""Use cases, one module per subject (sources, jobs, held runs, datasets, publishers, lists,
organisations, audit, changes, the CKAN read API, health, …): the business rules of the *serve* step.
The API routes, the CLI commands and the portal's pages all call these functions and only render what
they return; nothing here reads a request or writes to a terminal, and nothing here imports
:mod:`harvester` or :mod:`api` (docs/architecture.md).
"""
