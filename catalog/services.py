"""Catalogue use cases, called alike by the API routes and the CLI commands."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from catalog import dcat_out, vocab
from catalog.dcat_out import Graph
from catalog.errors import Conflict, InvalidInput, NotFound
from catalog.models import (
    DIST,
    JOB,
    JOBREC,
    PUB,
    REV,
    SRC,
    Dataset,
    HarvestJob,
    JobRecord,
    Source,
    utcnow,
)
from catalog.records import DatasetRecord, display_text
from catalog.search import FACETS, SORTS, STATUSES, SearchQuery, searcher_for
from catalog.store import DS, decode

MAX_PER_PAGE = 1000


# -- sources ----------------------------------------------------------------------------------


def create_source(
    engine: Engine, *, name: str, kind: str, url: str, mapping: str | None = None,
    schedule: str | None = None, organisation_id: int | None = None,
) -> Source:
    """Save a new source (the caller has checked its kind and URL). Raises Conflict on a taken name."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("a source name is 1 to 100 characters")
    with Session(engine, expire_on_commit=False) as session:
        if session.execute(select(Source).where(SRC.c.name == name)).scalars().first():
            raise Conflict(f"a source named {name!r} exists already")
        source = Source(name=name, kind=kind, url=url, mapping=mapping, schedule=schedule,
                        organisation_id=organisation_id)
        session.add(source)
        session.commit()
        session.refresh(source)
        return source


def get_source(engine: Engine, ref: int | str) -> Source:
    """A source by id or by name."""
    with Session(engine, expire_on_commit=False) as session:
        source: Source | None = None
        if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
            source = session.get(Source, int(ref))
        if source is None:
            source = session.execute(select(Source).where(SRC.c.name == str(ref))).scalars().first()
        if source is None or source.deleted:
            raise NotFound(f"no source {ref!r}")
        return source


def list_sources(engine: Engine) -> list[Source]:
    with Session(engine, expire_on_commit=False) as session:
        rows = session.execute(select(Source).where(SRC.c.deleted.is_(False)).order_by(SRC.c.name))
        return list(rows.scalars())


def source_summary(engine: Engine, source: Source) -> dict[str, Any]:
    """A source as the API and CLI show it: settings, dataset counts and its latest job."""
    with Session(engine) as session:
        counts: dict[str, int] = {row[0]: row[1] for row in session.execute(
            select(DS.c.status, func.count()).where(DS.c.source_id == source.id).group_by(DS.c.status))}
        last = session.execute(
            select(HarvestJob).where(JOB.c.source_id == source.id).order_by(JOB.c.id.desc()).limit(1)
        ).first()
    return {
        "id": source.id, "name": source.name, "kind": source.kind, "url": source.url,
        "mapping": source.mapping, "schedule": source.schedule, "organisation_id": source.organisation_id,
        "created_at": _iso(source.created_at),
        "datasets": {"active": counts.get("active", 0), "withdrawn": counts.get("withdrawn", 0)},
        "last_job": job_summary(last[0]) if last else None,
    }


# -- jobs -------------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def job_summary(job: HarvestJob) -> dict[str, Any]:
    duration = None
    if job.started_at and job.finished_at:
        duration = round((job.finished_at - job.started_at).total_seconds(), 3)
    return {
        "id": job.id, "source_id": job.source_id, "status": job.status, "trigger": job.trigger,
        "created_at": _iso(job.created_at), "started_at": _iso(job.started_at),
        "finished_at": _iso(job.finished_at), "duration_seconds": duration,
        "requests": job.pages,
        "counts": {"seen": job.seen, "added": job.added, "updated": job.updated, "unchanged": job.unchanged,
                   "withdrawn": job.withdrawn, "held": job.held, "invalid": job.invalid, "failed": job.failed},
        "message": job.message,
        # queued or running: counts and problems arrive when the run ends (it is stored all-or-nothing)
        "live": job.status in ("queued", "running"),
        "worker": job.worker, "heartbeat_at": _iso(job.heartbeat_at),
    }


def list_jobs(engine: Engine, source_id: int, *, limit: int = 50) -> list[dict[str, Any]]:
    with Session(engine) as session:
        rows = session.execute(
            select(HarvestJob).where(JOB.c.source_id == source_id).order_by(JOB.c.id.desc()).limit(limit)
        ).all()
    return [job_summary(r[0]) for r in rows]


def get_job(engine: Engine, job_id: int) -> dict[str, Any]:
    """A job's full report: counts, the changes it made and every problem, grouped by rule."""
    from catalog.quality import RULES

    with Session(engine) as session:
        job = session.get(HarvestJob, job_id)
        if job is None:
            raise NotFound(f"no job {job_id}")
        source = session.get(Source, job.source_id)
        records = session.execute(select(JobRecord).where(JOBREC.c.job_id == job_id).order_by(JOBREC.c.id)).all()
    report = job_summary(job)
    report["source"] = source.name if source else None
    changes: dict[str, list[dict[str, Any]]] = {"added": [], "updated": [], "restored": [], "withdrawn": []}
    problems: dict[str, dict[str, Any]] = {}
    for (rec,) in records:
        if rec.outcome in changes:
            changes[rec.outcome].append({"dataset_id": rec.dataset_id, "ref": rec.ref})
            continue
        rule = rec.rule or rec.outcome
        group = problems.get(rule)
        if group is None:
            known = RULES.get(rule)
            group = problems[rule] = {
                "rule": rule, "path": known.path if known else None, "severity": rec.severity,
                "message_sv": known.sv if known else None, "message_en": known.en if known else rec.message,
                "count": 0, "records": [],
            }
        group["count"] += 1
        group["records"].append({"dataset_id": rec.dataset_id, "ref": rec.ref, "outcome": rec.outcome,
                                 "message": rec.message})
    report["changes"] = changes
    report["problems"] = sorted(problems.values(), key=lambda g: (-g["count"], g["rule"]))
    return report


# -- datasets ---------------------------------------------------------------------------------


def _access(rec: DatasetRecord) -> str | None:
    code = vocab.access_code(rec.access_rights)
    if code is None:
        return None
    return {"PUBLIC": "open", "RESTRICTED": "restricted", "NON_PUBLIC": "non-public"}.get(code, code.lower())


def _licence_info(iri: str | None) -> dict[str, Any] | None:
    if not iri:
        return None
    code = vocab.licence_code(iri) or iri
    return {"id": code, "uri": iri, "label": vocab.licence_label(code)}


def summary(row: Any, publisher_names: dict[str, str], source_names: dict[int, str]) -> dict[str, Any]:
    rec = DatasetRecord.from_dict(decode(row.record))
    licences = rec.licenses()
    description = display_text(rec.description)
    return {
        "id": row.id, "uri": row.uri, "type": row.kind, "title": row.title or None,
        "description": description,
        "publisher": {"id": row.publisher_id, "name": publisher_names.get(row.publisher_id or "")}
        if row.publisher_id else None,
        "formats": rec.formats(),
        "license": _licence_info(licences[0]) if licences else None,
        "access": _access(rec),
        "modified": row.modified, "status": row.status,
        "quality": {"score": row.quality_score, "valid": bool(row.valid)},
        "source": source_names.get(row.source_id),
    }


def parse_query(
    *, q: str | None = None, filters: dict[str, list[str]] | None = None, status: str = "active",
    sort: str = "relevance", page: int = 1, per_page: int = 20, min_quality: float | None = None,
) -> SearchQuery:
    """Validate search parameters (raises InvalidInput naming the bad one)."""
    if sort not in SORTS:
        raise InvalidInput(f"sort must be one of {', '.join(SORTS)}")
    if status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}")
    if page < 1:
        raise InvalidInput("page starts at 1")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInput(f"per_page must be between 1 and {MAX_PER_PAGE}")
    if min_quality is not None and not 0 <= min_quality <= 100:
        raise InvalidInput("min_quality must be between 0 and 100")
    clean = {f: [v for v in vs if v] for f, vs in (filters or {}).items() if f in FACETS}
    return SearchQuery(q=(q or "").strip() or None, filters=clean, status=status, sort=sort, page=page,
                       per_page=per_page, min_quality=min_quality)


def search_datasets(engine: Engine, query: SearchQuery) -> dict[str, Any]:
    """The search contract of DESIGN.md: total, page, per_page, items and facets."""
    rows: list[Any] = []
    with engine.connect() as conn:  # one connection: the generation check, then the page's rows
        hits = searcher_for(engine).search(query, conn)
        if hits.pks:  # one query: the page's rows with their publisher and source names
            rows = list(conn.execute(select(
                DS.c.pk, DS.c.id, DS.c.uri, DS.c.kind, DS.c.title, DS.c.record, DS.c.status, DS.c.quality_score,
                DS.c.valid, DS.c.modified, DS.c.publisher_id, DS.c.source_id,
                PUB.c.name.label("publisher_name"), SRC.c.name.label("source_name"))
                .select_from(DS.outerjoin(PUB, PUB.c.id == DS.c.publisher_id)
                             .outerjoin(SRC, SRC.c.id == DS.c.source_id))
                .where(DS.c.pk.in_(hits.pks))))
    by_pk = {r.pk: r for r in rows}
    items = [summary(r, {r.publisher_id: r.publisher_name} if r.publisher_id else {}, {r.source_id: r.source_name})
             for r in (by_pk[pk] for pk in hits.pks if pk in by_pk)]
    return {"total": hits.total, "page": query.page, "per_page": query.per_page, "items": items,
            "facets": hits.facets}


def _dataset_row(session: Session, dataset_id: str) -> Dataset:
    row = session.execute(select(Dataset).where(DS.c.id == dataset_id)).first()
    if row is None:
        raise NotFound(f"no dataset {dataset_id!r}")
    return row[0]


def get_dataset(engine: Engine, dataset_id: str) -> dict[str, Any]:
    """A dataset's full JSON: language maps, distributions, services, quality and history."""
    with Session(engine) as session:
        ds = _dataset_row(session, dataset_id)
        source = session.get(Source, ds.source_id)
        dist_rows = set(session.execute(select(DIST.c.id).where(DIST.c.dataset_pk == ds.pk)).scalars())
        revisions = session.execute(
            select(REV.c.change, REV.c.created_at, REV.c.job_id, REV.c.content_hash)
            .where(REV.c.dataset_id == ds.id).order_by(REV.c.id)).all()
    rec = DatasetRecord.from_dict(decode(ds.record))
    distributions = []
    for dist in rec.distributions:
        distributions.append({
            "id": dist.id, "uri": dist.uri, "title": dist.title, "description": dist.description,
            "access_urls": dist.access_urls, "download_urls": dist.download_urls,
            "format": dist.format, "format_label": vocab.file_types().label(dist.format) if dist.format else None,
            "format_raw": dist.format_raw, "media_type": dist.media_type,
            "license": _licence_info(dist.license), "byte_size": dist.byte_size,
            "issued": dist.issued, "modified": dist.modified, "stored": dist.id in dist_rows,
        })
    themes = [{"id": vocab.theme_code(t) or t, "uri": t,
               "label": vocab.themes().label(vocab.theme_code(t) or t)} for t in rec.themes]
    return {
        "id": ds.id, "uri": ds.uri, "type": ds.kind, "identifier": rec.identifier,
        "title": rec.title, "description": rec.description,
        "display": {"title": display_text(rec.title), "description": display_text(rec.description)},
        "publisher": {"id": ds.publisher_id, "uri": rec.publisher.uri, "name": rec.publisher.name,
                      "type": rec.publisher.type} if rec.publisher else None,
        "themes": themes, "keywords": rec.keywords, "formats": rec.formats(),
        "license": _licence_info(rec.licenses()[0]) if rec.licenses() else None,
        "licenses": [_licence_info(x) for x in rec.licenses()],
        # DESIGN.md spells the detail field "licence"; both spellings are kept for clients of either
        "licence": _licence_info(rec.licenses()[0]) if rec.licenses() else None,
        "access_rights": rec.access_rights, "access": _access(rec),
        "contact_points": [{"name": c.name, "email": c.email, "phone": c.phone, "url": c.url, "uri": c.uri}
                           for c in rec.contact_points],
        "landing_pages": rec.landing_pages, "languages": rec.languages, "spatial": rec.spatial,
        "temporal": rec.temporal, "frequency": rec.frequency, "conforms_to": rec.conforms_to,
        "documentation": rec.documentation,
        "distributions": distributions,
        "services": [{"uri": u} for u in rec.served_by],
        "endpoint_urls": rec.endpoint_urls, "endpoint_descriptions": rec.endpoint_descriptions,
        "serves_datasets": rec.serves_datasets,
        "issued": rec.issued, "modified": rec.modified,
        "source": source.name if source else None,
        "status": ds.status, "withdrawn_at": _iso(ds.withdrawn_at),
        "first_seen_at": _iso(ds.first_seen_at), "updated_at": _iso(ds.updated_at),
        "quality": {"score": ds.quality_score, "valid": ds.valid, "violations": decode(ds.violations) or []},
        "notes": rec.notes,
        "revisions": [{"change": r.change, "at": _iso(r.created_at), "job_id": r.job_id,
                       "content_hash": r.content_hash} for r in revisions],
    }


def dataset_graph(engine: Engine, dataset_id: str, *, base_url: str) -> Graph:
    with Session(engine) as session:
        ds = _dataset_row(session, dataset_id)
    g = dcat_out.new_graph()
    rec = DatasetRecord.from_dict(decode(ds.record))
    dcat_out.add_dataset(g, dcat_out.StoredDataset(ds.id, ds.publisher_id, rec), base_url)
    return g


def catalog_page(engine: Engine, *, page: int, per_page: int, base_url: str, page_url: str) -> Graph:
    """One Hydra page of the active catalogue, in a stable order (by dataset id)."""
    if page < 1:
        raise InvalidInput("page starts at 1")
    with Session(engine) as session:
        total = session.execute(select(func.count()).select_from(DS).where(DS.c.status == "active")).scalar_one()
        rows = session.execute(
            select(DS.c.id, DS.c.publisher_id, DS.c.record).where(DS.c.status == "active")
            .order_by(DS.c.id).offset((page - 1) * per_page).limit(per_page)).all()
    items = (dcat_out.StoredDataset(r.id, r.publisher_id, DatasetRecord.from_dict(decode(r.record))) for r in rows)
    return dcat_out.catalog_graph(items, base_url=base_url, page=page, per_page=per_page, total=total,
                                  page_url=page_url)


def warm_search(engine: Engine) -> None:
    """Start building the search indexes in the background (a server calls this as it starts)."""
    from catalog import search

    search.warm(engine)


def health(engine: Engine) -> dict[str, Any]:
    with Session(engine) as session:
        count = session.execute(select(func.count()).select_from(DS).where(DS.c.status == "active")).scalar_one()
    return {"status": "ok", "database": engine.dialect.name, "datasets": count, "time": utcnow().isoformat(),
            "search": searcher_for(engine).state()}
