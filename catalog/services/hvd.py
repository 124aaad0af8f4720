"""High-value datasets as people see them: what a dataset page shows, and a publisher's HVD report
(how many HVD datasets, per category, which lack the facts catalog.quality.hvd asks of them)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, and_, func, or_, select

from catalog import vocab
from catalog.errors import NotFound
from catalog.quality.hvd import FACT_LABELS, FACTS, categories, is_hvd, legislation, missing
from catalog.records import DatasetRecord, display_text
from catalog.search.query import STORED_NAMES
from catalog.store.publishers import resolve
from catalog.store.runs import DS, decode
from catalog.store.tables import FACET, PUB

INCOMPLETE_LISTED = 200  # incomplete datasets a report names; ``incomplete`` counts them all


def dataset_hvd(rec: DatasetRecord) -> dict[str, Any]:
    """What the dataset page and its JSON show: whether it is an HVD, its categories and legislation
    with Swedish and English labels, and the HVD facts it lacks (for an HVD only)."""
    hvd = is_hvd(rec)
    cats = []
    for iri in categories(rec):
        code = vocab.hvd_category_code(iri) or iri
        labels = vocab.hvd_categories().labels(code) or {"sv": code, "en": code}
        cats.append({"code": code, "uri": iri, "label": labels})
    laws = [{"uri": iri, "label": {lang: vocab.legislation_label(iri, lang) for lang in ("sv", "en")}}
            for iri in legislation(rec)]
    return {"is_hvd": hvd, "categories": cats, "legislation": laws, "missing": missing(rec) if hvd else []}


def publisher_hvd(engine: Engine, publisher_id: str) -> dict[str, Any]:
    """One publisher's high-value datasets: how many of its active datasets are HVD, how many per
    category, which lack HVD facts (and how many lack each). An alias's id answers its publisher;
    NotFound when no such publisher is stored."""
    with engine.connect() as conn:
        publisher_id = resolve(conn, [publisher_id])[publisher_id]
        pub = conn.execute(select(PUB.c.id, PUB.c.name).where(PUB.c.id == publisher_id)).first()
        if pub is None:
            raise NotFound(f"no publisher {publisher_id!r}")
        active = (DS.c.publisher_id == publisher_id, DS.c.status == "active")
        total = conn.execute(select(func.count()).select_from(DS).where(*active)).scalar_one()
        # only the records the HVD facets name are read: a publisher's page stays cheap whatever its size
        hvd_pks = select(FACET.c.dataset_pk).where(or_(
            FACET.c.facet == "hvd_category",
            and_(FACET.c.facet == STORED_NAMES["applicable_legislation"], FACET.c.value == vocab.HVD_LEGISLATION)))
        rows = conn.execute(select(DS.c.id, DS.c.record).where(*active, DS.c.pk.in_(hvd_pks))
                            .order_by(DS.c.id)).all()
    hvd = complete = 0
    per_category: dict[str, int] = {}
    per_fact = dict.fromkeys(FACTS, 0)
    incomplete: list[dict[str, Any]] = []
    for row in rows:
        rec = DatasetRecord.from_dict(decode(row.record) or {})
        if not is_hvd(rec):
            continue
        hvd += 1
        for iri in categories(rec):
            code = vocab.hvd_category_code(iri) or iri
            per_category[code] = per_category.get(code, 0) + 1
        lacks = missing(rec)
        if not lacks:
            complete += 1
            continue
        for fact in lacks:
            per_fact[fact] += 1
        if len(incomplete) < INCOMPLETE_LISTED:
            incomplete.append({"id": row.id, "title": display_text(rec.title), "type": rec.kind, "missing": lacks})
    return {
        "publisher": {"id": pub.id, "name": pub.name},
        "datasets": total, "hvd": hvd, "complete": complete, "incomplete": hvd - complete,
        "categories": [{"code": code, "label": vocab.hvd_categories().labels(code) or {"sv": code, "en": code},
                        "datasets": n} for code, n in sorted(per_category.items(), key=lambda kv: (-kv[1], kv[0]))],
        "missing": [{"fact": fact, "label": FACT_LABELS[fact], "datasets": n} for fact, n in per_fact.items() if n],
        "incomplete_datasets": incomplete,
    }
