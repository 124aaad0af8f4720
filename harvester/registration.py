"""Registering, changing and deleting sources: one check of what is asked, then the catalogue write.

:func:`check_source` is the one check: the kind must have an adapter, the URL must pass the address
rules (its host is resolved once), and the adapter must accept the configuration (a JSON-API source's
mapping profile is parsed once). A refusal is a :class:`catalog.errors.FieldError` naming the field
that is wrong, raised where the field is known, so the API answers with problem JSON that says which
part of the body to fix and the CLI prints ``field: reason``.

Who may register, change or delete which source is not decided here: the caller has decided it
(the API in :mod:`api.auth`; the CLI acts as the local administrator). ``actor`` is passed for the
audit log only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from catalog.errors import FieldError, UnknownSourceKind
from catalog.schedules import normalise_schedule
from catalog.services import mappings, sources
from catalog.services.organisations import Principal, get_organisation
from catalog.settings import Settings
from catalog.store.tables import Source
from catalog.text import check_text, url_credentials
from harvester import scheduler
from harvester.adapters import get_adapter
from harvester.adapters.base import SourceSpec
from harvester.detection import Detection, detect_kind
from harvester.errors import FetchError, MappingError, SourceRefused
from harvester.fetch import Fetcher, check_url

MAX_URL = 2000


def check_url_field(url: str, settings: Settings) -> None:
    """The address rules for a source URL: FieldError("url") for a refused one."""
    if len(url) > MAX_URL:
        raise FieldError("url", f"at most {MAX_URL:,} characters")
    if url_credentials(url):
        raise FieldError("url", "a source URL may not carry a user name or password: it is shown to everyone "
                                "(/api/sources, the audit log); remove them from the URL (datakatalog harvests "
                                "public catalogues and keeps no credentials)")
    try:
        check_url(url, allow_private=settings.allow_private_sources)
    except SourceRefused as exc:
        raise FieldError("url", exc.message) from exc
    except FetchError:
        pass  # a host that does not resolve today may resolve at harvest time; the job will say so


def detect(url: str, settings: Settings, *, has_mapping: bool) -> Detection:
    """The kind of a source given without one: its URL passes the address rules first, then is asked
    (harvester/detection.py). FieldError saying what was found when it is no source datakatalog reads."""
    check_url_field(url, settings)
    return detect_kind(url, settings, has_mapping=has_mapping)


def check_source(spec: SourceSpec, settings: Settings) -> None:
    """Refuse an unknown kind, a bad URL or a broken mapping before anything is saved or fetched."""
    try:
        adapter_cls = get_adapter(spec.kind)
    except UnknownSourceKind as exc:
        raise FieldError("kind", exc.message) from exc
    if spec.profile is not None:
        if spec.mapping is not None:
            raise FieldError("mapping_profile", "give mapping (a bundled profile's name) or mapping_profile "
                                                "(a profile's text), not both")
        if spec.kind != "jsonapi":
            raise FieldError("mapping_profile", f"only a jsonapi source reads a mapping profile, not a {spec.kind} one")
    check_url_field(spec.url, settings)
    try:
        adapter_cls(spec, Fetcher(settings), settings).validate()
    except MappingError as exc:
        raise FieldError("mapping", exc.message) from exc


def register_source(
    engine: Engine, settings: Settings, *, name: str, kind: str | None, url: str, mapping: str | None = None,
    schedule: str | None = None, organisation_id: int | None = None, mapping_profile: str | None = None,
    uploaded_by: str = "",
) -> Source:
    """Check and save a new source (its schedule is validated and stored normalised); not audited.
    ``mapping_profile``: the text of its own mapping profile, stored as version 1. Without ``kind`` the
    URL is asked what it is (:func:`detect`)."""
    check_text("name", name)  # before the URL is asked anything
    schedule = normalise_schedule(schedule)
    if kind is None:
        kind = detect(url, settings, has_mapping=mapping is not None or mapping_profile is not None).kind
    check_source(SourceSpec(name=name, kind=kind, url=url, mapping=mapping, profile=mapping_profile), settings)
    return sources.create_source(engine, name=name, kind=kind, url=url, mapping=mapping,
                                  schedule=schedule, organisation_id=organisation_id, profile=mapping_profile,
                                  uploaded_by=uploaded_by)


def add_source(
    engine: Engine, settings: Settings, *, actor: Principal, name: str, kind: str | None, url: str,
    mapping: str | None = None, schedule: str | None = None, organisation_id: int | None = None,
    mapping_profile: str | None = None,
) -> Source:
    """Register a source owned by ``organisation_id`` (None: no organisation), audited, and schedule it.
    Without ``kind`` it is detected (:func:`add_detected_source` also says what was found)."""
    return add_detected_source(engine, settings, actor=actor, name=name, kind=kind, url=url, mapping=mapping,
                               schedule=schedule, organisation_id=organisation_id,
                               mapping_profile=mapping_profile)[0]


def add_detected_source(
    engine: Engine, settings: Settings, *, actor: Principal, name: str, kind: str | None, url: str,
    mapping: str | None = None, schedule: str | None = None, organisation_id: int | None = None,
    mapping_profile: str | None = None,
) -> tuple[Source, Detection | None]:
    """:func:`add_source`, and the detection when ``kind`` was not given (recorded in the audit log)."""
    check_text("name", name)
    if organisation_id is not None:
        get_organisation(engine, organisation_id)
    detected = None
    if kind is None:
        normalise_schedule(schedule)  # what needs no fetch is refused before the URL is asked
        detected = detect(url, settings, has_mapping=mapping is not None or mapping_profile is not None)
        kind = detected.kind
    source = register_source(engine, settings, name=name, kind=kind, url=url, mapping=mapping,
                             schedule=schedule, organisation_id=organisation_id, mapping_profile=mapping_profile,
                             uploaded_by=actor.actor)
    sources.record_created(engine, source, actor=actor, detected=detected.found if detected else None)
    if source.id is not None:
        scheduler.sync_source(source.id)  # a running scheduler picks the new schedule up at once
    return source, detected


def change_source(
    engine: Engine, settings: Settings, *, actor: Principal, source_id: int, changes: dict[str, Any],
) -> Source:
    """Check and apply a partial update (url, kind, mapping or mapping_profile, schedule, organisation_id)."""
    current = sources.get_source(engine, source_id)
    if "schedule" in changes:
        changes = {**changes, "schedule": normalise_schedule(changes["schedule"])}
    if {"url", "kind", "mapping", "mapping_profile"} & set(changes):
        if "mapping_profile" in changes and changes["mapping_profile"] is None:
            raise FieldError("mapping_profile", "cannot be null (set mapping to use a bundled profile instead)")
        if "mapping_profile" in changes:
            mapping, profile = changes.get("mapping"), changes["mapping_profile"]
        elif "mapping" in changes:
            mapping, profile = changes["mapping"], None
        else:  # the mapping in use stays: checked against the new kind or URL
            mapping, profile = current.mapping, mappings.current_text(engine, current)
        check_source(SourceSpec(name=current.name, kind=changes.get("kind", current.kind),
                                url=changes.get("url", current.url), mapping=mapping, profile=profile), settings)
    source = sources.update_source(engine, source_id, changes=changes, actor=actor)
    scheduler.sync_source(source_id)
    return source


def set_mapping(engine: Engine, settings: Settings, *, actor: Principal, source_id: int, text: str) -> Source:
    """Upload a new version of a source's mapping profile (checked as at registration) and use it."""
    return change_source(engine, settings, actor=actor, source_id=source_id, changes={"mapping_profile": text})


def remove_source(engine: Engine, *, actor: Principal, source_id: int) -> dict[str, Any]:
    """Delete a source: it is marked deleted and its datasets withdrawn; history stays."""
    result = sources.delete_source(engine, source_id, actor=actor)
    scheduler.sync_source(source_id)  # a deleted source is never harvested again
    return result
