"""Quality checks: validate a document without storing it, and SHACL-check stored datasets (what a
job changed, or a whole source). Called alike by the API routes and the CLI commands; the reports
built on the results are in :mod:`catalog.quality.reports`.

Full SHACL validation is slow (pyshacl: about 1.7 s for 200 datasets), so harvests do not run it:
:func:`validate_changed` checks only the datasets a job added, updated or restored, after the run,
and merges the results into each dataset's stored violations (``"source": "shacl"``), a chunk per
transaction, with one bump of the search generation at the end. After a harvest in ``serve`` it runs in
a child process (:mod:`harvester.shacl_worker`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import orjson
import pyoxigraph as ox
import rdflib
from sqlalchemy import Engine, bindparam, select, update

from catalog.chunks import chunked
from catalog.errors import NotFound
from catalog.formats import dcat_read, dcat_write
from catalog.quality import rules, shacl
from catalog.quality.problems import validation_groups
from catalog.rdf.graph import new_graph, to_rdflib, to_rdflib_term
from catalog.rdf.parse import parse, sniff_format
from catalog.records import DatasetRecord, display_text
from catalog.store import runs
from catalog.store.runs import DS, decode
from catalog.store.tables import JOB, JOBREC

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
    the records and the DCAT-AP 3.0.1 and DCAT-AP-SE 3.0.1 SHACL shapes on the source graph. Nothing is
    stored.

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
        "problems": validation_groups(problems), "items": items,
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
        with engine.begin() as conn:  # a short write per chunk: other writers are not kept waiting long
            conn.execute(update(DS).where(DS.c.pk == bindparam("b_pk")).values(
                violations=bindparam("v_violations"), valid=bindparam("v_valid"),
                quality_score=bindparam("v_score")), updates)
        checked += len(chunk)
    if checked:
        # scores changed: search's quality sort and filter follow, and its indexes are rebuilt once for
        # the whole check rather than once per chunk (issue 15: 101 rebuilds after 20,000 datasets)
        with engine.begin() as conn:
            runs.bump_generation(conn)
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
