"""HTTP routes, one module per resource, mounted in the order of :data:`ROUTERS`.

Order matters where paths overlap: ``/api/datasets/export`` is declared before
``/api/datasets/{id}`` so that "export" is never read as a dataset id.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import (
    catalog,
    changes,
    ckan,
    dataset_exports,
    datasets,
    harvests,
    jobs,
    lists,
    organisations,
    publishers,
    quality,
    sources,
    sources_write,
    validate,
)

ROUTERS: tuple[APIRouter, ...] = (
    dataset_exports.router,  # before datasets: /api/datasets/export
    datasets.router,
    catalog.router,
    sources.router,
    sources_write.router,
    harvests.router,
    jobs.router,
    lists.router,
    changes.router,
    quality.router,
    publishers.router,
    validate.router,
    organisations.router,
    ckan.router,
)
