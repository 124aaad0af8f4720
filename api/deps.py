"""Annotated dependencies shared by the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from catalog.settings import Settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_read_engine(request: Request) -> Engine:
    """The engine read-only answers use: DATABASE_READ_URL's (a replica) when set, else the primary."""
    engine: Engine = request.app.state.read_engine
    return engine


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


EngineDep = Annotated[Engine, Depends(get_engine)]
# searches, dataset and publisher pages, DCAT/CKAN output, exports, the change feed: never a write through it
ReadEngineDep = Annotated[Engine, Depends(get_read_engine)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
