"""Registering sources: the kind must have an adapter and the URL must pass the address rules."""

from __future__ import annotations

from sqlalchemy import Engine

from catalog import services
from catalog.errors import InvalidInput
from catalog.models import Source
from catalog.schedule import normalise_schedule
from catalog.settings import Settings
from harvester.adapters.base import SourceSpec, get_adapter
from harvester.errors import FetchError, SourceRefused
from harvester.fetch import Fetcher, check_url


def check_source(spec: SourceSpec, settings: Settings) -> None:
    """Refuse an unknown kind, a bad URL or a broken mapping before anything is saved."""
    adapter_cls = get_adapter(spec.kind)
    if len(spec.url) > 2000:
        raise InvalidInput("url: at most 2,000 characters")
    try:
        check_url(spec.url, allow_private=settings.allow_private_sources)
    except SourceRefused as exc:
        raise InvalidInput(f"url: {exc.message}") from exc
    except FetchError:
        pass  # a host that does not resolve today may resolve at harvest time; the job will say so
    adapter_cls(spec, Fetcher(settings), settings).validate()


def register_source(
    engine: Engine, settings: Settings, *, name: str, kind: str, url: str, mapping: str | None = None,
    schedule: str | None = None, organisation_id: int | None = None,
) -> Source:
    """Check and save a new source (its schedule is validated and stored normalised)."""
    schedule = normalise_schedule(schedule)
    check_source(SourceSpec(name=name, kind=kind, url=url, mapping=mapping), settings)
    return services.create_source(engine, name=name, kind=kind, url=url, mapping=mapping,
                                  schedule=schedule, organisation_id=organisation_id)
