"""Registering, changing and deleting sources: the checks first, then the catalogue write.

The kind must have an adapter, the URL must pass the address rules, the schedule must parse and the
mapping must load. Every check failure names the field that is wrong
(:class:`catalog.errors.FieldError`), so the API answers with problem JSON that says which part of the
body to fix.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine

from catalog.errors import FieldError, Forbidden, InvalidInput, UnknownSourceKind
from catalog.schedules import normalise_schedule
from catalog.services import sources
from catalog.services.organisations import Principal
from catalog.settings import Settings
from catalog.store.tables import Source
from harvester import scheduler
from harvester.adapters import get_adapter
from harvester.adapters.base import SourceSpec
from harvester.errors import FetchError, MappingError, SourceRefused
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
    return sources.create_source(engine, name=name, kind=kind, url=url, mapping=mapping,
                                  schedule=schedule, organisation_id=organisation_id)



FIELD_PREFIX = re.compile(r"^(name|kind|url|mapping|schedule):\s*(.*)$", re.S)


def validate_schedule(value: str | None) -> str | None:
    """The schedule normalised (:mod:`catalog.schedule`), or FieldError("schedule") saying what is wrong."""
    try:
        return normalise_schedule(value)
    except InvalidInput as exc:
        match = FIELD_PREFIX.match(exc.message)
        raise FieldError("schedule", match.group(2) if match else exc.message) from exc


def check_spec(spec: SourceSpec, settings: Settings) -> None:
    """:func:`harvester.sources.check_source`, with each refusal tied to the field it is about."""
    try:
        check_source(spec, settings)
    except FieldError:
        raise
    except UnknownSourceKind as exc:
        raise FieldError("kind", exc.message) from exc
    except MappingError as exc:
        raise FieldError("mapping", exc.message) from exc
    except InvalidInput as exc:
        match = FIELD_PREFIX.match(exc.message)
        if match:
            raise FieldError(match.group(1), match.group(2)) from exc
        raise


def add_source(
    engine: Engine, settings: Settings, *, actor: Principal, name: str, kind: str, url: str,
    mapping: str | None = None, schedule: str | None = None, organisation_id: int | None = None,
) -> Source:
    """Register a source owned by the caller's organisation (an administrator may name another)."""
    if organisation_id is not None and not actor.admin and organisation_id != actor.organisation_id:
        raise Forbidden("an organisation registers sources for itself only")
    owner = organisation_id if organisation_id is not None else actor.organisation_id
    if owner is not None:
        from catalog.services.organisations import get_organisation

        get_organisation(engine, owner)
    schedule = validate_schedule(schedule)
    check_spec(SourceSpec(name=name, kind=kind, url=url, mapping=mapping), settings)
    source = register_source(engine, settings, name=name, kind=kind, url=url, mapping=mapping,
                             schedule=schedule, organisation_id=owner)
    sources.record_created(engine, source, actor=actor)
    if source.id is not None:
        scheduler.sync_source(source.id)  # a running scheduler picks the new schedule up at once
    return source


def change_source(
    engine: Engine, settings: Settings, *, actor: Principal, source_id: int, changes: dict[str, Any],
) -> Source:
    """Check and apply a partial update (url, kind, mapping, schedule; organisation_id by administrators)."""
    current = sources.get_source(engine, source_id)
    if not actor.may_write(current):
        raise Forbidden(f"source {source_id} belongs to another organisation")
    if "organisation_id" in changes and not actor.admin:
        raise Forbidden("only an administrator moves a source to another organisation")
    if "schedule" in changes:
        changes = {**changes, "schedule": validate_schedule(changes["schedule"])}
    if {"url", "kind", "mapping"} & set(changes):
        check_spec(SourceSpec(name=current.name, kind=changes.get("kind", current.kind),
                              url=changes.get("url", current.url),
                              mapping=changes.get("mapping", current.mapping)), settings)
    source = sources.update_source(engine, source_id, changes=changes, actor=actor)
    scheduler.sync_source(source_id)
    return source


def remove_source(engine: Engine, *, actor: Principal, source_id: int) -> dict[str, Any]:
    """Delete a source: it is marked deleted and its datasets withdrawn; history stays."""
    current = sources.get_source(engine, source_id)
    if not actor.may_write(current):
        raise Forbidden(f"source {source_id} belongs to another organisation")
    result = sources.delete_source(engine, source_id, actor=actor)
    scheduler.sync_source(source_id)  # a deleted source is never harvested again
    return result
