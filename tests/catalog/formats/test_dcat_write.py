"""Writing DCAT-AP-SE: records rendered as RDF, serialised, parsed back and read again."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from catalog.formats.dcat_read import iter_resources
from catalog.formats.dcat_write import StoredDataset, add_dataset, catalog_graph
from catalog.rdf.graph import Graph, serialize
from catalog.rdf.namespaces import DCAT, DCT, FOAF, HYDRA, RDF, RDFS, SKOS, VCARD, XSD
from catalog.rdf.parse import GraphIndex, parse
from catalog.rdf.syntaxes import WRITTEN_MEDIA_TYPES
from catalog.records import Agent, ContactPoint, DatasetRecord, Distribution

BASE = "https://katalog.example"
EU = "http://publications.europa.eu/resource/authority/"
CC0 = "http://creativecommons.org/publicdomain/zero/1.0/"


def record() -> DatasetRecord:
    return DatasetRecord(
        uri="https://x.example/ds/bad", identifier="bad", title={"sv": "Badplatser", "en": "Bathing sites"},
        description={"sv": "Var man kan bada."}, keywords={"sv": ["bad", "strand"]},
        themes=[EU + "data-theme/ENVI"], license="CC0-1.0", access_rights=EU + "access-right/PUBLIC",
        issued="2019", modified="2021-03-04", publisher=Agent(name={"sv": "Malmö stad"}, email="mailto:a@malmo.se"),
        contact_points=[ContactPoint(name="Kundtjänst", email="mailto:k@malmo.se")],
        landing_pages=["https://x.example/sida"], languages=[EU + "language/SWE"], spatial=["Skåne"],
        frequency=EU + "frequency/ANNUAL", temporal=[{"start": "2020-01-01", "end": "2020-12-31T12:00:00"}],
        distributions=[Distribution(download_urls=["https://x.example/bad.csv"], access_urls=["https://x.example/bad.csv"],
                                    format="CSV", byte_size=1200, title={"sv": "CSV-fil"})],
    )


def written(rec: DatasetRecord, mime: str = "text/turtle") -> GraphIndex:
    g = Graph()
    add_dataset(g, StoredDataset("ds-1", "pub-1", rec), BASE + "/")
    return parse(serialize(g, mime), content_type=mime)


def values(g: GraphIndex, subject: str, predicate: str) -> list[str]:
    return sorted(t.value for t in g.objects(subject, predicate))


def test_a_dataset_is_typed_titled_and_linked_with_absolute_iris() -> None:
    g = written(record())
    ds = "https://x.example/ds/bad"
    assert values(g, ds, RDF + "type") == [DCAT + "Dataset"]
    assert sorted((t.value, t.language) for t in g.objects(ds, DCT + "title")) == [
        ("Badplatser", "sv"), ("Bathing sites", "en")]
    assert values(g, ds, DCAT + "keyword") == ["bad", "strand"]
    assert values(g, ds, DCAT + "theme") == [EU + "data-theme/ENVI"]
    assert values(g, EU + "data-theme/ENVI", RDF + "type") == [SKOS + "Concept"]
    assert not [s for s in g.spo if s.startswith("_:")]  # DCAT-AP-SE: no blank nodes


def test_the_publisher_contact_and_distribution_get_minted_iris_under_the_base_url() -> None:
    g = written(record())
    ds = "https://x.example/ds/bad"
    assert values(g, ds, DCT + "publisher") == [BASE + "/id/publisher/pub-1"]
    assert values(g, BASE + "/id/publisher/pub-1", FOAF + "name") == ["Malmö stad"]
    assert values(g, BASE + "/id/publisher/pub-1", FOAF + "mbox") == ["mailto:a@malmo.se"]
    assert values(g, ds, DCAT + "contactPoint") == [BASE + "/id/contact/ds-1-0"]
    assert values(g, BASE + "/id/contact/ds-1-0", VCARD + "hasEmail") == ["mailto:k@malmo.se"]
    [dist] = values(g, ds, DCAT + "distribution")
    assert dist == BASE + "/id/distribution/ds-1-0"
    assert values(g, dist, DCT + "format") == [EU + "file-type/CSV"]
    assert values(g, dist, DCAT + "mediaType") == ["https://www.iana.org/assignments/media-types/text/csv"]
    assert values(g, dist, DCT + "license") == [CC0]  # the dataset's licence, on each distribution
    [size] = g.objects(dist, DCAT + "byteSize")
    assert (size.value, size.datatype.value) == ("1200", XSD + "nonNegativeInteger")


def test_text_values_become_labelled_resources_of_the_class_dcat_ap_expects() -> None:
    g = written(record())
    [place] = values(g, "https://x.example/ds/bad", DCT + "spatial")
    assert place.startswith(BASE + "/id/location/")
    assert values(g, place, RDFS + "label") == ["Skåne"] and values(g, place, RDF + "type") == [DCT + "Location"]
    assert values(g, CC0, RDF + "type") == [DCT + "LicenseDocument"] and values(g, CC0, RDFS + "label")


@pytest.mark.parametrize(("value", "datatype"), [("2019", "gYear"), ("2021-03-04", "date"),
                                                 ("2021-03-04T09:12:33", "dateTime")])
def test_dates_are_typed_by_their_precision(value: str, datatype: str) -> None:
    g = written(DatasetRecord(uri="https://x.example/ds", title={"sv": "A"}, issued=value))
    [issued] = g.objects("https://x.example/ds", DCT + "issued")
    assert isinstance(issued, ox.Literal) and issued.value == value and issued.datatype.value == XSD + datatype


def test_a_data_service_is_written_with_its_endpoint_and_licence() -> None:
    svc = DatasetRecord(kind="dataservice", uri="https://x.example/api", title={"sv": "API"}, license="CC-BY-4.0",
                        endpoint_urls=["https://x.example/api/v1"], serves_datasets=["https://x.example/ds"])
    g = written(svc)
    assert values(g, "https://x.example/api", RDF + "type") == [DCAT + "DataService"]
    assert values(g, "https://x.example/api", DCAT + "endpointURL") == ["https://x.example/api/v1"]
    assert values(g, "https://x.example/api", DCT + "license") == ["http://creativecommons.org/licenses/by/4.0/"]
    assert values(g, "https://x.example/ds", RDF + "type") == [DCAT + "Dataset"]


@pytest.mark.parametrize("mime", WRITTEN_MEDIA_TYPES)
def test_what_is_written_reads_back_as_the_same_record(mime: str) -> None:
    original = record()
    [(_, back)] = [(r, rec) for r, rec in iter_resources(written(original, mime))
                   if isinstance(rec, DatasetRecord) and rec.uri == original.uri]
    assert isinstance(back, DatasetRecord)
    for name in ("identifier", "title", "description", "keywords", "themes", "access_rights", "issued",
                 "modified", "landing_pages", "languages", "frequency", "temporal"):
        assert getattr(back, name) == getattr(original, name), name
    # a place given as text is written as a labelled resource, and read back as its minted IRI
    assert len(back.spatial) == 1 and back.spatial[0].startswith(BASE + "/id/location/")
    assert back.license is None and back.distributions[0].license == CC0  # moved onto the distribution
    assert back.publisher is not None and back.publisher.name == {"sv": "Malmö stad"}
    assert [(c.name, c.email) for c in back.contact_points] == [("Kundtjänst", "mailto:k@malmo.se")]
    [dist] = back.distributions
    assert (dist.format, dist.byte_size, dist.title, dist.download_urls) == (
        "CSV", 1200, {"sv": "CSV-fil"}, ["https://x.example/bad.csv"])


def test_a_catalogue_page_links_its_datasets_and_pages_with_hydra() -> None:
    items = [StoredDataset(f"ds-{n}", None, DatasetRecord(title={"sv": f"D{n}"})) for n in range(2)]
    g = catalog_graph(items, base_url=BASE, page=2, per_page=2, total=5, page_url=BASE + "/catalog.ttl")
    index = parse(serialize(g, "text/turtle"), content_type="text/turtle")
    assert values(index, BASE + "/catalog", DCAT + "dataset") == [BASE + "/id/dataset/ds-0", BASE + "/id/dataset/ds-1"]
    assert values(index, BASE + "/catalog", DCT + "license") == [CC0]
    view = BASE + "/catalog.ttl?page=2"
    assert values(index, view, HYDRA + "next") == [BASE + "/catalog.ttl?page=3"]
    assert values(index, view, HYDRA + "previous") == [BASE + "/catalog.ttl?page=1"]
    assert values(index, view, HYDRA + "last") == [BASE + "/catalog.ttl?page=3"]
    assert values(index, view, HYDRA + "totalItems") == ["5"]


def test_a_single_page_catalogue_has_no_paging() -> None:
    g = catalog_graph([], base_url=BASE, page=1, per_page=10, total=3, page_url=BASE + "/catalog.ttl")
    index = parse(serialize(g, "text/turtle"), content_type="text/turtle")
    assert HYDRA + "PartialCollectionView" not in index.types and DCAT + "Catalog" in index.types
