"""The portal's pages, one module per area, included in the order of :data:`PAGES`.

Order matters where paths overlap: a fixed path (``/lists/new``) comes before a parameterised one
(``/lists/{id}``) of the same module, and modules do not share path prefixes.
"""

from __future__ import annotations

from fastapi import APIRouter

from api.web.pages import console, datasets, docs, home, lists, publishers

PAGES: tuple[APIRouter, ...] = (
    home.router,
    datasets.router,
    publishers.router,
    docs.router,
    lists.router,
    console.router,
)
