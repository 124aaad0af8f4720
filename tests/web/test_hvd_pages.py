"""High-value datasets on the portal (issue 14): the facet on /datasets, the category and the
legislation on a dataset's page, and the HVD section of a publisher's page, in Swedish and English."""

from __future__ import annotations

import pytest

from tests.web.dom import Element, parse

HTML = {"Accept": "text/html"}


@pytest.fixture
def harvested(http_server, add_source, harvest) -> None:
    add_source("vader", http_server.url("dcat/hvd.ttl"))
    assert harvest("vader").status == "succeeded"


def _facts(doc: Element) -> dict[str, Element]:
    """The page's facts: each <dt>'s text -> the <dd> after it."""
    out = {}
    for dl in doc.find_all("dl"):
        kids = [c for c in dl.children if isinstance(c, Element)]
        out.update({dt.text: dd for dt, dd in zip(kids, kids[1:], strict=False) if dt.tag == "dt" and dd.tag == "dd"})
    return out


def _ids(client) -> dict[str, str]:
    items = client.get("/api/datasets").json()["items"]
    return {i["title"]: i["id"] for i in items}


def test_the_search_page_has_an_hvd_category_facet(client, harvested) -> None:
    doc = parse(client.get("/datasets", headers=HTML).text)
    heading = doc.find("h3", id="facet-hvd_category")
    assert heading.text == "Kategori av värdefulla datamängder"
    links = [a.text for a in doc.find_all("a") if "hvd_category=c_164e0bf5" in (a.get("href") or "")]
    assert any("Meteorologiska data" in text for text in links)
    filtered = parse(client.get("/datasets", params={"hvd_category": "c_dd313021"}, headers=HTML).text)
    assert "Prognoser" in filtered.text and "Kontorsadresser" not in filtered.text


def test_a_dataset_page_shows_its_hvd_category_and_legislation(client, harvested) -> None:
    dataset_id = _ids(client)["Meteorologiska observationer"]
    sv = parse(client.get(f"/datasets/{dataset_id}", headers=HTML).text)
    facts = _facts(sv)
    assert facts["Värdefull datamängd"].find("a").text == "Meteorologiska data"
    law = facts["Tillämplig lagstiftning"].find("a")
    assert law.get("href") == "http://data.europa.eu/eli/reg_impl/2023/138/oj" and "2023/138" in law.text
    en = parse(client.get(f"/datasets/{dataset_id}", params={"lang": "en"}, headers=HTML).text)
    assert _facts(en)["High-value dataset"].find("a").text == "Meteorological"
    assert "Saknas för en värdefull datamängd" not in facts  # it lacks nothing
    progn = _facts(parse(client.get(f"/datasets/{_ids(client)['Prognoser']}", params={"lang": "sv"},
                                    headers=HTML).text))
    assert progn["Saknas för en värdefull datamängd"].text == (
        "Hänvisar inte till förordning (EU) 2023/138 (tillämplig lagstiftning); Ingen kontaktpunkt")
    office = parse(client.get(f"/datasets/{_ids(client)['Kontorsadresser']}", headers=HTML).text)
    assert "Värdefull datamängd" not in office.text


def test_a_publishers_page_reports_its_high_value_datasets(client, harvested) -> None:
    publisher = client.get("/api/datasets").json()["facets"]["publisher"][0]["value"]
    doc = parse(client.get(f"/publishers/{publisher}", headers=HTML).text)
    section = doc.find("h2", id="hvd-title").parent
    assert "3 av 4 datamängder och API:er är värdefulla datamängder" in section.text
    assert "Ingen kontaktpunkt" in section.text and "Prognoser" in section.text
    assert section.find_all("a", href=f"/datasets?publisher={publisher}&hvd_category=c_164e0bf5")


def test_a_contact_named_in_two_languages_shows_the_name_in_the_pages_language(client, http_server, add_source,
                                                                               harvest) -> None:
    doc = b"""@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
<https://x.example/ds> a dcat:Dataset ; dct:title "Parkering"@sv ;
    dcat:contactPoint [ a vcard:Organization ; vcard:fn "Trafikenheten"@sv, "Traffic unit"@en ;
                        vcard:hasEmail <mailto:trafik@x.example> ] ."""
    add_source("tva", http_server.set("tva.ttl", doc, content_type="text/turtle"))
    assert harvest("tva").status == "succeeded"
    [dataset_id] = _ids(client).values()
    assert "Trafikenheten" in parse(client.get(f"/datasets/{dataset_id}", headers=HTML).text).text
    english = parse(client.get(f"/datasets/{dataset_id}", params={"lang": "en"}, headers=HTML).text).text
    assert "Traffic unit" in english and "Trafikenheten" not in english
