"""Datasets: search results, one dataset's JSON and RDF, and the catalogue's Hydra pages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from catalog import metrics, publisher_types, vocab
from catalog.errors import InvalidInput, NotFound
from catalog.formats import dcat_write
from catalog.normalise import iso
from catalog.rdf.graph import Graph, new_graph
from catalog.records import DatasetRecord, display_text
from catalog.search import highlight, serving, suggest
from catalog.search.page_records import page_records
from catalog.search.searcher import SearchQuery, searcher_for
from catalog.services import hvd
from catalog.settings import Settings
from catalog.store.prepared import access_value
from catalog.store.runs import DS, decode
from catalog.store.tables import DIST, PUB, REV, SRC, Dataset, Source


def _licence_info(iri: str | None) -> dict[str, Any] | None:
    if not iri:
        return None
    code = vocab.licence_code(iri) or iri
    return {"id": code, "uri": iri, "label": vocab.licence_label(code)}


def summary(row: Any, publisher_names: dict[str, str], source_names: dict[int, str],
            services: list[dict[str, Any]] | None = None, rec: DatasetRecord | None = None) -> dict[str, Any]:
    """A search result: the dataset (or service) with, for a service, its endpoint URLs and
    documentation, and for a dataset the services serving it (``services``, from
    :func:`catalog.search.serving.services_of`) with theirs."""
    rec = rec or DatasetRecord.from_dict(decode(row.record))
    licences = rec.licenses()
    description = display_text(rec.description)
    return {
        "id": row.id, "uri": row.uri, "type": row.kind, "title": row.title or None,
        "description": description,
        "publisher": {"id": row.publisher_id, "name": publisher_names.get(row.publisher_id or "")}
        if row.publisher_id else None,
        "formats": rec.formats(),
        "license": _licence_info(licences[0]) if licences else None,
        "access": access_value(rec),
        "modified": row.modified, "status": row.status,
        "quality": {"score": row.quality_score, "valid": bool(row.valid)},
        "source": source_names.get(row.source_id),
        "endpoint_urls": rec.endpoint_urls, "documentation": serving.documentation(rec),
        "services": services or [],
    }


SUGGEST_BELOW = 3  # a search finding fewer datasets than this is offered spelling corrections


def search_datasets(engine: Engine, query: SearchQuery) -> dict[str, Any]:
    """The search contract of GET /api/datasets (README.md, "HTTP API"): total, page, per_page, items, facets,
    suggestions; with a text query each item has a ``highlight``. Timed by query kind (catalog/metrics.py)."""
    with metrics.search_timer(query):
        return _search(engine, query)


def _search(engine: Engine, query: SearchQuery) -> dict[str, Any]:
    rows: list[Any] = []
    services: dict[int, list[dict[str, Any]]] = {}
    recs: dict[int, DatasetRecord] = {}
    searcher = searcher_for(engine)
    with engine.connect() as conn:  # one connection: the generation check, then the page's rows
        hits = searcher.search(query, conn)
        if hits.pks:  # one query: the page's rows (compact columns) with their publisher and source names
            rows = list(conn.execute(select(
                DS.c.pk, DS.c.id, DS.c.uri, DS.c.kind, DS.c.title, DS.c.content_hash, DS.c.status, DS.c.quality_score,
                DS.c.valid, DS.c.modified, DS.c.publisher_id, DS.c.source_id,
                PUB.c.name.label("publisher_name"), SRC.c.name.label("source_name"))
                .select_from(DS.outerjoin(PUB, PUB.c.id == DS.c.publisher_id)
                             .outerjoin(SRC, SRC.c.id == DS.c.source_id))
                .where(DS.c.pk.in_(hits.pks))))
            recs = page_records(engine).records(conn, rows)  # parsed once per content hash
            # the links of the generation searched (not read again: on PostgreSQL a round trip)
            services = serving.services_of(conn, searcher.links(conn, hits.index), recs.items())
        # "did you mean" when the words found few datasets (issue 16): corrections that find more
        found_few = bool(query.q) and hits.total < SUGGEST_BELOW
        suggestions = suggest.suggestions(searcher, query, conn, hits.total) if found_few else []
    by_pk = {r.pk: r for r in rows}
    items = [summary(r, {r.publisher_id: r.publisher_name} if r.publisher_id else {}, {r.source_id: r.source_name},
                     services.get(r.pk), recs[r.pk])
             for r in (by_pk[pk] for pk in hits.pks if pk in by_pk)]
    if query.q and items:  # the words the query matched, marked in each title and description
        matcher = highlight.for_query(query.q)
        for item in items:
            item["highlight"] = highlight.highlight(item["title"], item["description"], matcher)
    return {"total": hits.total, "page": query.page, "per_page": query.per_page, "items": items,
            "facets": hits.facets, "suggestions": suggestions}


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
            "conforms_to": dist.conforms_to, "languages": dist.languages, "documentation": dist.documentation,
            "status": dist.status, "availability": dist.availability,
            "hvd_categories": dist.hvd_categories, "applicable_legislation": dist.applicable_legislation,
            "other_statements": dist.extra,
        })
    themes = [{"id": vocab.theme_code(t) or t, "uri": t,
               "label": vocab.themes().label(vocab.theme_code(t) or t)} for t in rec.themes]
    return {
        "id": ds.id, "uri": ds.uri, "type": ds.kind, "identifier": rec.identifier,
        "title": rec.title, "description": rec.description,
        "display": {"title": display_text(rec.title), "description": display_text(rec.description)},
        "publisher": _publisher(ds.publisher_id, rec),
        "themes": themes, "keywords": rec.keywords, "formats": rec.formats(),
        "license": _licence_info(rec.licenses()[0]) if rec.licenses() else None,
        "licenses": [_licence_info(x) for x in rec.licenses()],
        # the detail field was first specified as "licence"; both spellings are kept for clients of either
        "licence": _licence_info(rec.licenses()[0]) if rec.licenses() else None,
        "access_rights": rec.access_rights, "access": access_value(rec),
        "contact_points": [{"name": c.name, "names": c.names, "email": c.email, "phone": c.phone, "url": c.url,
                            "uri": c.uri}
                           for c in rec.contact_points],
        "hvd": hvd.dataset_hvd(rec),
        "landing_pages": rec.landing_pages, "languages": rec.languages, "spatial": rec.spatial,
        "temporal": rec.temporal, "frequency": rec.frequency, "conforms_to": rec.conforms_to,
        "documentation": rec.documentation,
        "in_series": rec.in_series, "version": rec.version, "spatial_resolution": rec.spatial_resolution,
        "temporal_resolution": rec.temporal_resolution,
        "other_statements": rec.extra, "described": rec.described,
        "distributions": distributions,
        "services": [{"uri": u} for u in rec.served_by],
        "endpoint_urls": rec.endpoint_urls, "endpoint_descriptions": rec.endpoint_descriptions,
        "serves_datasets": rec.serves_datasets,
        "issued": rec.issued, "modified": rec.modified,
        "source": source.name if source else None,
        "status": ds.status, "withdrawn_at": iso(ds.withdrawn_at),
        "first_seen_at": iso(ds.first_seen_at), "updated_at": iso(ds.updated_at),
        "quality": {"score": ds.quality_score, "valid": ds.valid, "violations": decode(ds.violations) or []},
        "notes": rec.notes,
        "revisions": [{"change": r.change, "at": iso(r.created_at), "job_id": r.job_id,
                       "content_hash": r.content_hash} for r in revisions],
    }


def _publisher(publisher_id: str | None, rec: DatasetRecord) -> dict[str, Any] | None:
    """The dataset's publisher, its type stated or inferred from its name (and saying which)."""
    if rec.publisher is None:
        return None
    kind, inferred = publisher_types.resolve(rec.publisher)
    return {"id": publisher_id, "uri": rec.publisher.uri, "name": rec.publisher.name, "type": kind,
            "type_inferred": inferred}


def dataset_graph(engine: Engine, dataset_id: str, *, base_url: str) -> Graph:
    with Session(engine) as session:
        ds = _dataset_row(session, dataset_id)
    g = new_graph()
    rec = DatasetRecord.from_dict(decode(ds.record))
    dcat_write.add_dataset(g, dcat_write.StoredDataset(ds.id, ds.publisher_id, rec), base_url)
    return g


def catalog_publisher(settings: Settings) -> dcat_write.CatalogPublisher:
    """The catalogue's own publisher, as configured (``CATALOG_PUBLISHER_*``)."""
    name = {"sv": settings.catalog_publisher_name_sv}
    if settings.catalog_publisher_name_en:
        name["en"] = settings.catalog_publisher_name_en
    return dcat_write.CatalogPublisher(
        name=name, type=settings.catalog_publisher_type, uri=settings.catalog_publisher_uri,
        email=settings.catalog_publisher_email, homepage=settings.catalog_publisher_homepage)


def catalog_page(engine: Engine, *, page: int, per_page: int, base_url: str, page_url: str,
                 publisher: dcat_write.CatalogPublisher = dcat_write.DEFAULT_PUBLISHER) -> Graph:
    """One Hydra page of the active catalogue, in a stable order (by dataset id)."""
    if page < 1:
        raise InvalidInput("page starts at 1")
    with Session(engine) as session:
        total = session.execute(select(func.count()).select_from(DS).where(DS.c.status == "active")).scalar_one()
        rows = session.execute(
            select(DS.c.id, DS.c.publisher_id, DS.c.record).where(DS.c.status == "active")
            .order_by(DS.c.id).offset((page - 1) * per_page).limit(per_page)).all()
    items = (dcat_write.StoredDataset(r.id, r.publisher_id, DatasetRecord.from_dict(decode(r.record))) for r in rows)
    return dcat_write.catalog_graph(items, base_url=base_url, page=page, per_page=per_page, total=total,
                                    page_url=page_url, publisher=publisher)
