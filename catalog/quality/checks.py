"""Quality use cases: validate a document without storing it, SHACL-check what a job changed, and
quality figures per publisher. Called alike by the API routes and the CLI commands.

Full SHACL validation is slow (pyshacl: about 1.7 s for 200 datasets), so harvests do not run it:
:func:`validate_changed` checks only the datasets a job added, updated or restored, after the run,
and merges the results into each dataset's stored violations (``"source": "shacl"``).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import orjson
import pyoxigraph as ox
import rdflib
from sqlalchemy import Engine, bindparam, func, select, update

from catalog.chunks import chunked
from catalog.errors import NotFound
from catalog.formats import dcat_read, dcat_write
from catalog.quality import rules, shacl
from catalog.rdf.graph import new_graph, to_rdflib, to_rdflib_term
from catalog.rdf.parse import parse, sniff_format
from catalog.records import DatasetRecord, display_text
from catalog.store import runs
from catalog.store.runs import DS, decode
from catalog.store.tables import JOB, JOBREC, PUB

CHUNK = 200  # datasets per pyshacl run: one run per chunk costs far less than one per dataset


# -- validating a document without storing it ------------------------------------------------


def _rdflib_graph(body: bytes, fmt: ox.RdfFormat, base_iri: str | None) -> rdflib.Graph:
    g = rdflib.Graph()
    for t in ox.parse(body, format=fmt, base_iri=base_iri, without_named_graphs=False):
        g.add((to_rdflib_term(t.subject), to_rdflib_term(t.predicate),  # type: ignore[arg-type]
               to_rdflib_term(t.object)))
    return g


def validate_document(body: bytes, *, content_type: str | None = None, base_iri: str | None = None,
                      run_shacl: bool = True) -> dict[str, Any]:
    """Check a DCAT catalogue as it stands: map every resource, run the mandatory DCAT-AP-SE checks on
    the records and the DCAT-AP 3.0.1 SHACL shapes on the source graph. Nothing is stored.

    Raises ParseError when the document is not RDF.
    """
    fmt = sniff_format(body, content_type, base_iri)
    index = parse(body, fmt=fmt, base_iri=base_iri)
    problems: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()
    for ref, rec in dcat_read.iter_resources(index):
        if isinstance(rec, Exception):
            problems.append({"rule": "mapping", "path": None, "severity": "violation", "focus": ref,
                             "value": None, "source": "mapping", "message_sv": f"Posten kunde inte läsas: {rec}",
                             "message_en": f"The record could not be read: {rec}"})
            continue
        counts[rec.kind] += 1
        found = [{**v, "source": "mandatory"} for v in rules.check_mandatory(rec)]
        problems.extend(found)
        items.append({"ref": rec.uri or ref, "kind": rec.kind, "title": display_text(rec.title),
                      "valid": rules.is_valid(found), "score": rules.score(rec)})
    if run_shacl:
        shacl_problems = shacl.validate(_rdflib_graph(body, fmt, base_iri), strict_ranges=False)
        problems.extend(shacl_problems)
        by_focus: dict[str, int] = Counter(p["focus"] for p in shacl_problems if p["severity"] == "violation")
        for item in items:
            if by_focus.get(item["ref"]):
                item["valid"] = False
    violations = sum(1 for p in problems if p["severity"] == "violation")
    return {
        "valid": violations == 0, "syntax": fmt.name, "triples": index.triples,
        "datasets": counts["dataset"], "dataservices": counts["dataservice"],
        "violations": violations, "warnings": sum(1 for p in problems if p["severity"] != "violation"),
        "problems": shacl.group(problems), "items": items,
    }


# -- SHACL after a harvest ---------------------------------------------------------------------


def _validate_rows(engine: Engine, rows: list[Any], base_url: str) -> dict[str, int]:
    """SHACL-check stored datasets (their DCAT output), and merge the results into their rows."""
    checked = flagged = 0
    for chunk in chunked(rows, CHUNK):
        graph = new_graph()
        owners: dict[str, set[str]] = {}
        records: dict[str, DatasetRecord] = {}
        for row in chunk:
            rec = DatasetRecord.from_dict(decode(row.record))
            records[row.id] = rec
            single = new_graph()
            dcat_write.add_dataset(single, dcat_write.StoredDataset(row.id, row.publisher_id, rec), base_url)
            for t in single.triples:
                graph.add((t.subject, t.predicate, t.object))  # type: ignore[arg-type]
                if isinstance(t.subject, ox.NamedNode):
                    owners.setdefault(t.subject.value, set()).add(row.id)
        results = shacl.validate(to_rdflib(graph))
        per_dataset: dict[str, list[dict[str, Any]]] = {row.id: [] for row in chunk}
        for problem in results:
            for dataset_id in owners.get(problem["focus"], ()):
                per_dataset[dataset_id].append(problem)
        updates = []
        for row in chunk:
            kept = [v for v in decode(row.violations) or [] if v.get("source") != "shacl"]
            found = per_dataset[row.id]
            merged = kept + found
            if any(p["severity"] == "violation" for p in found):
                flagged += 1
            updates.append({"b_pk": row.pk, "v_violations": orjson.dumps(merged).decode(),
                            "v_valid": rules.is_valid(merged),
                            "v_score": rules.score(records[row.id], shacl=found)})
        with engine.begin() as conn:
            conn.execute(update(DS).where(DS.c.pk == bindparam("b_pk")).values(
                violations=bindparam("v_violations"), valid=bindparam("v_valid"),
                quality_score=bindparam("v_score")), updates)
            runs.bump_generation(conn)  # scores changed: search's quality sort and filter follow
        checked += len(chunk)
    return {"checked": checked, "with_violations": flagged}


def _rows(engine: Engine, where: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(DS.c.pk, DS.c.id, DS.c.publisher_id, DS.c.record, DS.c.violations)
                                 .where(where).order_by(DS.c.id)))


def validate_changed(engine: Engine, job_id: int, *, base_url: str) -> dict[str, int]:
    """SHACL-validate the datasets a job added, updated or restored; store the results per dataset."""
    with engine.connect() as conn:
        if conn.execute(select(JOB.c.id).where(JOB.c.id == job_id)).first() is None:
            raise NotFound(f"no job {job_id}")
        ids = sorted({r[0] for r in conn.execute(select(JOBREC.c.dataset_id).where(
            JOBREC.c.job_id == job_id, JOBREC.c.outcome.in_(("added", "updated", "restored")),
            JOBREC.c.dataset_id.is_not(None)))})
    rows: list[Any] = []
    for batch in chunked(ids, runs.CHUNK):
        rows.extend(_rows(engine, DS.c.id.in_(batch) & (DS.c.status == "active")))
    return {"job_id": job_id, **_validate_rows(engine, rows, base_url)}


def validate_stored(engine: Engine, *, base_url: str, source_id: int | None = None) -> dict[str, int]:
    """SHACL-validate every active dataset (of one source, when given); store the results."""
    where = DS.c.status == "active"
    if source_id is not None:
        where = where & (DS.c.source_id == source_id)
    return _validate_rows(engine, _rows(engine, where), base_url)


# -- quality per publisher ---------------------------------------------------------------------


def _publisher_stats(engine: Engine, publisher_id: str | None) -> list[dict[str, Any]]:
    where = DS.c.status == "active"
    if publisher_id is not None:
        where = where & (DS.c.publisher_id == publisher_id)
    with engine.connect() as conn:
        names = {r.id: r.name for r in conn.execute(select(PUB.c.id, PUB.c.name))}
        rows = conn.execute(select(DS.c.publisher_id, DS.c.quality_score, DS.c.valid, DS.c.violations)
                            .where(where, DS.c.publisher_id.is_not(None)))
        stats: dict[str, dict[str, Any]] = {}
        for row in rows:
            s = stats.setdefault(row.publisher_id, {"scores": [], "valid": 0, "rules": Counter(), "info": {}})
            s["scores"].append(float(row.quality_score or 0))
            s["valid"] += 1 if row.valid else 0
            for v in decode(row.violations) or []:
                s["rules"][v["rule"]] += 1
                s["info"].setdefault(v["rule"], v)
    out = []
    for pid, s in stats.items():
        n = len(s["scores"])
        out.append({
            "publisher": {"id": pid, "name": names.get(pid)}, "datasets": n,
            "average_score": round(sum(s["scores"]) / n, 1), "min_score": min(s["scores"]),
            "max_score": max(s["scores"]), "valid": s["valid"], "invalid": n - s["valid"],
            "most_failed_rules": [
                {"rule": rule, "datasets": count, "severity": s["info"][rule]["severity"],
                 "message_sv": s["info"][rule].get("message_sv"), "message_en": s["info"][rule].get("message_en")}
                for rule, count in s["rules"].most_common(10)],
        })
    return sorted(out, key=lambda p: (-p["average_score"], p["publisher"]["id"]))


def publishers_quality(engine: Engine) -> list[dict[str, Any]]:
    """Every publisher's average score, validity counts and most-failed rules (best first)."""
    return _publisher_stats(engine, None)


def publisher_quality(engine: Engine, publisher_id: str) -> dict[str, Any]:
    """One publisher's quality figures; NotFound when it publishes no active dataset."""
    found = _publisher_stats(engine, publisher_id)
    if not found:
        with engine.connect() as conn:
            if conn.execute(select(func.count()).select_from(PUB).where(PUB.c.id == publisher_id)).scalar_one():
                name = conn.execute(select(PUB.c.name).where(PUB.c.id == publisher_id)).scalar_one()
                return {"publisher": {"id": publisher_id, "name": name}, "datasets": 0, "average_score": None,
                        "min_score": None, "max_score": None, "valid": 0, "invalid": 0, "most_failed_rules": []}
        raise NotFound(f"no publisher {publisher_id!r}")
    return found[0]
