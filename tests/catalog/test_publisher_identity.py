"""One publisher is one publisher (issue 13, problem 5): an organisation number in any notation is one
publisher; the same name and type is proposed for a merge; merges are audited, refused across two
organisation numbers, reversible, and kept by later harvests; an organisation linked to its publisher
sees the quality of what it publishes, wherever it was harvested (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from catalog.errors import Conflict, NotFound
from catalog.quality import reports
from catalog.search.query import parse_query
from catalog.services import audit, ckan, organisations, publishers, publishers_identity
from catalog.services.datasets import search_datasets
from catalog.store.tables import DS, FACET, ORGPUB, PUB, SRC
from tests.conftest import FixtureHTTPServer, HarvestFn

ADMIN = organisations.Principal(actor="test-admin", admin=True)
UPPSALA_DCAT = "se2120003005-a396a1"      # dporg:SE2120003005 in the demo's DCAT catalogue
UPPSALA_CKAN = "uppsala-kommun-f028b7"    # the demo CKAN portal's organization, no number
SKANE = "se2321000255-25fba8"             # Region Skåne: SE2321000255 (DCAT) and 232100-0255 (Trafiklab)


def counts(engine: Engine) -> dict[str, int]:
    """Rows that a merge must never lose: datasets, publishers, publisher facet values, audit entries."""
    with engine.connect() as conn:
        return {
            "datasets": conn.execute(select(func.count()).select_from(DS)).scalar_one(),
            "publishers": conn.execute(select(func.count()).select_from(PUB)).scalar_one(),
            "publisher_facets": conn.execute(select(func.count()).select_from(FACET)
                                             .where(FACET.c.facet == "publisher")).scalar_one(),
            "audit": len(audit.list_audit(engine, limit=1000)),
        }


def by_publisher(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {r[0]: r[1] for r in conn.execute(select(DS.c.publisher_id, func.count()).group_by(DS.c.publisher_id))}


def facet(engine: Engine, **filters: list[str]) -> dict[str, int]:
    result = search_datasets(engine, parse_query(filters=filters, per_page=100))
    return {e["label"]: e["count"] for e in result["facets"]["publisher"]}


def test_one_organisation_number_in_two_notations_is_one_publisher(demo: Engine) -> None:
    # Region Skåne (SE2321000255 in DCAT) and "Region Skåne, Skånetrafiken" (232100-0255 at Trafiklab)
    assert by_publisher(demo)[SKANE] == 7  # 5 from the DCAT catalogue, 2 (an API and its data) from Trafiklab
    with demo.connect() as conn:
        skane = conn.execute(select(PUB).where(PUB.c.org_number == "2321000255")).all()
        sources = conn.execute(select(func.count(func.distinct(DS.c.source_id)))
                               .where(DS.c.publisher_id == SKANE)).scalar_one()
    assert [r.id for r in skane] == [SKANE] and sources == 2
    # the name is the one given under the number's own IRI, whichever source was harvested last
    assert skane[0].name == "Region Skåne"
    assert facet(demo)["Region Skåne"] == 7
    detail = publishers.get_publisher(demo, SKANE)
    assert detail["org_number"] == "232100-0255" and detail["aliases"] == []
    assert {s["name"] for s in detail["sources"]} == {"kommuner", "trafiklab"}


def test_same_name_and_type_is_proposed_and_a_merge_makes_one_publisher_nothing_lost(demo: Engine) -> None:
    [proposal] = publishers_identity.candidates(demo)
    assert (proposal["keep"]["id"], proposal["merge"]["id"]) == (UPPSALA_DCAT, UPPSALA_CKAN)
    assert proposal["keep"]["org_number"] == "212000-3005" and proposal["merge"]["org_number"] is None
    assert "same name" in proposal["reason"]
    labels = search_datasets(demo, parse_query(per_page=1))["facets"]["publisher"]
    assert [e["label"] for e in labels].count("Uppsala kommun") == 2  # the problem as filed

    before, spread = counts(demo), by_publisher(demo)
    result = publishers_identity.merge(demo, UPPSALA_DCAT, UPPSALA_CKAN, actor=ADMIN)
    after = counts(demo)

    assert result["datasets_moved"] == 5
    assert result["publisher"]["id"] == UPPSALA_DCAT and result["publisher"]["org_number"] == "212000-3005"
    assert [a["id"] for a in result["publisher"]["aliases"]] == [UPPSALA_CKAN]
    # nothing lost: every dataset, publisher row and facet value is still there; one audit entry more
    assert after == {**before, "audit": before["audit"] + 1}
    assert by_publisher(demo)[UPPSALA_DCAT] == spread[UPPSALA_DCAT] + spread[UPPSALA_CKAN] == 10
    assert UPPSALA_CKAN not in by_publisher(demo)
    entries = [e["label"] for e in search_datasets(demo, parse_query(per_page=1))["facets"]["publisher"]]
    assert entries.count("Uppsala kommun") == 1
    assert facet(demo)["Uppsala kommun"] == 10
    [entry] = [e for e in audit.list_audit(demo) if e["action"] == "publisher.merge"]
    assert entry["actor"] == "test-admin" and entry["details"] == {
        "publisher": UPPSALA_CKAN, "into": UPPSALA_DCAT, "datasets": 5}
    assert publishers_identity.candidates(demo) == []


def test_an_alias_id_resolves_to_its_publisher_everywhere(demo: Engine) -> None:
    publishers_identity.merge(demo, UPPSALA_DCAT, UPPSALA_CKAN, actor=ADMIN)
    page = publishers.get_publisher(demo, UPPSALA_CKAN)
    assert (page["id"], page["requested"]) == (UPPSALA_DCAT, UPPSALA_CKAN)
    assert page["datasets"]["active"] == 10
    assert {s["name"] for s in page["sources"]} == {"kommuner", "kommunportal"}
    # a bookmarked search by the old id finds every dataset of the publisher
    assert search_datasets(demo, parse_query(filters={"publisher": [UPPSALA_CKAN]}))["total"] == 10
    assert reports.publisher_quality(demo, UPPSALA_CKAN)["publisher"]["id"] == UPPSALA_DCAT
    assert [p["id"] for p in publishers.list_publishers(demo)].count(UPPSALA_CKAN) == 0
    shown = ckan.call_action(demo, "organization_show", {"id": UPPSALA_CKAN}, base_url="http://x")
    assert shown["id"] == UPPSALA_DCAT and shown["package_count"] == 10
    names = ckan.call_action(demo, "organization_list", {}, base_url="http://x")
    assert UPPSALA_CKAN not in names and UPPSALA_DCAT in names
    with pytest.raises(NotFound):
        publishers.get_publisher(demo, "no-such-publisher")


def test_a_merge_across_two_organisation_numbers_is_refused_and_changes_nothing(demo: Engine) -> None:
    before, spread = counts(demo), by_publisher(demo)
    with pytest.raises(Conflict, match=r"212000-3005.*232100-0255"):
        publishers_identity.merge(demo, UPPSALA_DCAT, SKANE, actor=ADMIN)
    # an alias of a numbered publisher carries its number into the check too
    publishers_identity.merge(demo, UPPSALA_CKAN, UPPSALA_DCAT, actor=ADMIN)
    with pytest.raises(Conflict, match="two organisation numbers"):
        publishers_identity.merge(demo, SKANE, UPPSALA_CKAN, actor=ADMIN)
    with pytest.raises(Conflict, match="one publisher already"):
        publishers_identity.merge(demo, UPPSALA_DCAT, UPPSALA_CKAN, actor=ADMIN)
    after = counts(demo)
    assert after == {**before, "audit": before["audit"] + 1}  # only the allowed merge was recorded
    assert by_publisher(demo)[SKANE] == spread[SKANE]


def test_unmerge_gives_back_exactly_the_merged_datasets_and_is_not_proposed_again(demo: Engine) -> None:
    before, spread = counts(demo), by_publisher(demo)
    publishers_identity.merge(demo, UPPSALA_DCAT, UPPSALA_CKAN, actor=ADMIN)
    result = publishers_identity.unmerge(demo, UPPSALA_CKAN, actor=ADMIN)
    assert result["datasets_moved"] == 5 and result["from"] == UPPSALA_DCAT
    assert result["publisher"] == {"id": UPPSALA_CKAN, "org_number": None, "aliases": []}
    assert by_publisher(demo) == spread
    assert counts(demo) == {**before, "audit": before["audit"] + 2}
    assert facet(demo)["Uppsala kommun"] == 5  # two entries again, five each
    assert [e["action"] for e in audit.list_audit(demo)][:2] == ["publisher.unmerge", "publisher.merge"]
    assert publishers_identity.candidates(demo) == []  # a person took them apart: not proposed again
    with pytest.raises(Conflict, match="merged into none"):
        publishers_identity.unmerge(demo, UPPSALA_CKAN, actor=ADMIN)


# -- later harvests keep a merge ----------------------------------------------------------------

DOC = """@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
<{pub}> a foaf:Organization ; foaf:name "Uppsala kommun"@sv .
<https://example.se/catalog> a dcat:Catalog ; dct:title "K"@sv ; dcat:dataset {datasets} .
"""
DATASET = """<https://{host}/dataset/{n}> a dcat:Dataset ; dct:title "{title}"@sv ; dct:description "D"@sv ;
    dct:publisher <{pub}> ."""


def _catalogue(host: str, pub: str, titles: list[str]) -> str:
    sets = ", ".join(f"<https://{host}/dataset/{n}>" for n in range(len(titles)))
    return DOC.format(pub=pub, datasets=sets) + "\n".join(
        DATASET.format(host=host, n=n, title=t, pub=pub) for n, t in enumerate(titles))


def test_a_merge_holds_for_every_later_harvest(
    engine: Engine, http_server: FixtureHTTPServer, add_source: Callable[..., Any], harvest: HarvestFn,
) -> None:
    numbered, plain = "http://dataportal.se/organisation/SE2120003005", "https://portal.example.se/org/uppsala"
    add_source("a", http_server.set("a.ttl", _catalogue("a.example.se", numbered, ["A0", "A1"])))
    add_source("b", http_server.set("b.ttl", _catalogue("b.example.se", plain, ["B0", "B1", "B2"])))
    assert harvest("a").added == 2 and harvest("b").added == 3
    alias = next(p for p in by_publisher(engine) if p.startswith("uppsala-"))
    publishers_identity.merge(engine, UPPSALA_DCAT, alias, actor=ADMIN)
    assert by_publisher(engine) == {UPPSALA_DCAT: 5}

    # b changes one title and adds a dataset; a full run maps every page again
    http_server.set("b.ttl", _catalogue("b.example.se", plain, ["B0", "B1 ändrad", "B2", "B3"]))
    job = harvest("b", full=True)
    assert (job.added, job.updated, job.unchanged) == (1, 1, 2)
    assert by_publisher(engine) == {UPPSALA_DCAT: 6}
    assert facet(engine) == {"Uppsala kommun": 6}
    with engine.connect() as conn:
        assert conn.execute(select(PUB.c.merged_into).where(PUB.c.id == alias)).scalar_one() == UPPSALA_DCAT
    # taken apart again, b's next harvest stores under its own publisher
    publishers_identity.unmerge(engine, alias, actor=ADMIN)
    http_server.set("b.ttl", _catalogue("b.example.se", plain, ["B0", "B1 ändrad", "B2", "B3", "B4"]))
    assert harvest("b").added == 1
    assert by_publisher(engine) == {UPPSALA_DCAT: 2, alias: 5}


# -- organisations and their publishers --------------------------------------------------------


def test_an_organisation_linked_to_its_publisher_sees_what_it_publishes_from_any_source(demo: Engine) -> None:
    org, _token = organisations.create_organisation(demo, name="Uppsala kommun", actor=ADMIN)
    assert org.id is not None
    empty = reports.organisation_quality(demo, org.id)
    assert (empty["datasets"], empty["sources"], empty["publishers"]) == (0, [], [])

    publishers_identity.merge(demo, UPPSALA_DCAT, UPPSALA_CKAN, actor=ADMIN)
    # linked by the alias's id: the link is to the publisher it is part of
    link = organisations.link_publisher(demo, "Uppsala kommun", UPPSALA_CKAN, actor=ADMIN)
    assert (link["publisher"], link["linked"], link["publishers"]) == (UPPSALA_DCAT, True, [UPPSALA_DCAT])
    again = organisations.link_publisher(demo, org.id, UPPSALA_DCAT, actor=ADMIN)
    assert again["linked"] is False

    report = reports.organisation_quality(demo, org.id)
    assert report["datasets"] == 10 == report["valid"] + report["invalid"]
    assert {(s["name"], s["datasets"], s["own"]) for s in report["sources"]} == {
        ("kommuner", 5, False), ("kommunportal", 5, False)}
    assert report["publishers"] == [{"id": UPPSALA_DCAT, "name": "Uppsala kommun", "datasets": 10,
                                     "invalid": report["invalid"]}]
    assert organisations.list_organisations(demo)[0]["publishers"] == [UPPSALA_DCAT]
    assert [e["action"] for e in audit.list_audit(demo)][0] == "organisation.link_publisher"

    organisations.unlink_publisher(demo, org.id, UPPSALA_CKAN, actor=ADMIN)
    assert reports.organisation_quality(demo, org.id)["datasets"] == 0
    with demo.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ORGPUB)).scalar_one() == 0
    with pytest.raises(NotFound):
        organisations.unlink_publisher(demo, org.id, UPPSALA_DCAT, actor=ADMIN)
    with pytest.raises(NotFound):
        organisations.link_publisher(demo, org.id, "no-such-publisher", actor=ADMIN)


def test_a_dataset_of_the_organisations_own_source_and_its_publisher_counts_once(demo: Engine) -> None:
    org, _ = organisations.create_organisation(demo, name="Uppsala kommun", actor=ADMIN)
    assert org.id is not None
    with demo.begin() as conn:
        conn.execute(SRC.update().where(SRC.c.name == "kommuner").values(organisation_id=org.id))
    organisations.link_publisher(demo, org.id, UPPSALA_DCAT, actor=ADMIN)
    report = reports.organisation_quality(demo, org.id)
    assert report["datasets"] == 42  # the whole kommuner source; its five Uppsala datasets are not counted twice
    own = {s["name"]: s for s in report["sources"]}
    assert own["kommuner"]["own"] is True and own["kommuner"]["datasets"] == 42 and "kommunportal" not in own
