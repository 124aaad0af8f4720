"""Applying a mapping profile: JSON records in, DCAT-AP-SE records out, one building rule per test."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.formats.jsonapi import BadRecord, CollectionTally, collection_dataset, map_record, parse_profile
from catalog.records import DatasetRecord

EU = "http://publications.europa.eu/resource/authority/"
HEAD = """
[records]
path = "data"
id = "id"
"""


def mapped(dataset: str, item: dict[str, Any], extra: str = "") -> DatasetRecord:
    profile = parse_profile(HEAD + "[dataset]\n" + dataset + "\n" + extra, "t.toml")
    [(_, rec)] = map_record(profile, item)
    return rec


def test_paths_templates_constants_and_the_id_variable() -> None:
    rec = mapped("""uri = { template = "https://api.example/ds/{id}" }
title = { template = "{name} ({owner.name})", lang = "sv" }
description = { value = "Från API:t" }
issued = "created"
""", {"id": 7, "name": "Hållplatser", "owner": {"name": "SL"}, "created": "20240102"})
    assert rec.uri == "https://api.example/ds/7" and rec.identifier == "7"
    assert rec.title == {"sv": "Hållplatser (SL)"} and rec.description == {"": "Från API:t"}
    assert rec.issued == "2024-01-02"


def test_a_template_without_a_value_for_a_placeholder_gives_nothing() -> None:
    rec = mapped('title = { template = "{name} – {operator}" }', {"id": 1, "name": "Avgångar"})
    assert rec.title == {}


def test_fallbacks_for_single_values_and_one_language_per_spec_for_texts() -> None:
    rec = mapped("""title = [
    { path = "namn.sv", lang = "sv" }, { path = "namn.en", lang = "en" }, { path = "x", lang = "sv" },
]
license = [{ path = "saknas" }, { path = "licens" }, { value = "CC0-1.0" }]
description = { path = "text", default = "Ingen beskrivning", lang = "sv" }
""", {"id": "a", "namn": {"sv": "Hållplatser", "en": "Stops"}, "x": "inte denna", "licens": "CC-BY-4.0"})
    assert rec.title == {"sv": "Hållplatser", "en": "Stops"}
    assert rec.license == "http://creativecommons.org/licenses/by/4.0/"
    assert rec.description == {"sv": "Ingen beskrivning"}


def test_split_and_map_then_vocabulary_codes() -> None:
    rec = mapped("""title = "id"
keywords = { path = "ord", split = ",", lang = "sv" }
themes = { path = "amnen", map = "teman" }
access_rights = { path = "nyckel", map = { "true" = "RESTRICTED", "false" = "PUBLIC" } }
frequency = { value = "dagligen", map = { dagligen = "DAILY" } }
language = ["spraak", { value = "SWE" }, { value = "http://example.org/lang/x" }]
""", {"id": "a", "ord": "buss, tåg,, buss", "amnen": ["Trafik", "okänt", "http://example.org/tema"],
      "nyckel": True, "spraak": ["en", "xx-yy"]}, extra='[maps.teman]\ntrafik = "TRAN"\n')
    assert rec.keywords == {"sv": ["buss", "tåg"]}
    assert rec.themes == [EU + "data-theme/TRAN", "http://example.org/tema"]
    assert rec.notes == ["unknown theme 'okänt' left out"]
    assert rec.access_rights == EU + "access-right/RESTRICTED" and rec.frequency == EU + "frequency/DAILY"
    assert rec.languages == [EU + "language/ENG", EU + "language/SWE", "http://example.org/lang/x"]


def test_publisher_and_contact_addresses_are_normalised() -> None:
    rec = mapped("""title = "id"
[dataset.publisher]
name = { path = "org", lang = "sv" }
email = "mejl"
homepage = "webb"
[dataset.contact]
email = "mejl"
url = "webb"
""", {"id": "a", "org": "Lunds kommun", "mejl": "info@lund.se", "webb": "www.lund.se"})
    assert rec.publisher is not None
    assert (rec.publisher.name, rec.publisher.email, rec.publisher.homepage) == (
        {"sv": "Lunds kommun"}, "mailto:info@lund.se", "http://www.lund.se")
    [cp] = rec.contact_points
    assert (cp.email, cp.url) == ("mailto:info@lund.se", "http://www.lund.se")
    empty = mapped('title = "id"\n[dataset.publisher]\nname = "org"\n[dataset.contact]\nname = "namn"\n', {"id": "a"})
    assert empty.publisher is None and empty.contact_points == []


def test_distributions_for_each_file_and_one_per_format() -> None:
    rec = mapped("""uri = { template = "https://api.example/ds/{id}" }
title = "id"
[[dataset.distribution]]
each = "filer"
download_url = "url"
format = "typ"
[[dataset.distribution]]
access_url = "api"
format = ["'JSON'", "'XML'"]
media_type = { value = "application/json" }
[[dataset.distribution]]
access_url = "saknas"
""", {"id": "a", "filer": [{"url": "https://x/a.csv", "typ": "csv"}, {"url": "https://x/b.xlsx"}],
      "api": "https://x/api"})
    assert [(d.download_urls, d.access_urls, d.format) for d in rec.distributions] == [
        (["https://x/a.csv"], ["https://x/a.csv"], "CSV"),
        (["https://x/b.xlsx"], ["https://x/b.xlsx"], None),
        ([], ["https://x/api"], "JSON"),
        ([], ["https://x/api"], "XML"),
    ]
    # one URL in two formats: named apart under the dataset's IRI
    assert [d.uri for d in rec.distributions[2:]] == ["https://api.example/ds/a#distribution-json",
                                                      "https://api.example/ds/a#distribution-xml"]


def test_a_data_service_per_record_takes_what_it_does_not_say_from_its_dataset() -> None:
    profile = parse_profile(HEAD + """[dataset]
uri = { template = "https://api.example/ds/{id}" }
title = { path = "name", lang = "sv" }
license = { value = "CC0-1.0" }
themes = { value = "TRAN" }
[service]
uri = { template = "https://api.example/api/{id}" }
endpoint_url = "endpoint"
""")
    (ref, ds), (svc_ref, svc) = map_record(profile, {"id": "a", "name": "Avgångar", "endpoint": "https://x/api",
                                                      "odd": {}})
    assert (ref, svc_ref) == ("https://api.example/ds/a", "https://api.example/api/a")
    assert ds.served_by == [svc_ref] and svc.serves_datasets == [ref]
    assert svc.kind == "dataservice" and svc.endpoint_urls == ["https://x/api"] and svc.identifier == svc_ref
    assert (svc.title, svc.license, svc.themes) == (ds.title, ds.license, ds.themes)


@pytest.mark.parametrize(("item", "message"), [
    ({"name": "x"}, "the record has no id at 'id'"),
    (["inte", "ett", "objekt"], "the record is an array, not an object"),
    ({"id": {"a": 1}}, "the id at 'id' is an object, not text or a number"),
    ({"id": "a", "name": {"sv": "x"}}, "dataset.title: expected text, a number or a boolean, got an object"),
])
def test_a_record_that_cannot_be_mapped_is_a_bad_record(item: Any, message: str) -> None:
    profile = parse_profile(HEAD + '[dataset]\ntitle = "name"\n')
    with pytest.raises(BadRecord, match=message):
        map_record(profile, item)


def test_a_collection_becomes_one_dataset_with_its_count_fields_and_newest_time() -> None:
    profile = parse_profile("""mode = "collection"
[records]
path = "results"
[dataset]
title = { template = "{collection}: {count} poster" }
description = { template = "Fält: {fields}" }
[[collection]]
name = "scener"
newest = "uppdaterad"
records = { id = "id" }
""")
    [coll] = profile.collections
    tally = CollectionTally()
    for item in ({"id": 1, "uppdaterad": "2023-05-01"}, {"id": 2, "uppdaterad": "2024-01-02T10:00:00", "extra": 1},
                 {"id": 3, "uppdaterad": "okänd"}):
        tally.add(coll, item)
    with pytest.raises(BadRecord):
        tally.add(coll, {"utan": "id"})
    assert (tally.count, list(tally.fields), tally.newest) == (3, ["id", "uppdaterad", "extra"], "2024-01-02T10:00:00")
    rec = collection_dataset(coll, tally, "https://api.example/scener")
    assert rec.title == {"": "scener: 3 poster"} and rec.description == {"": "Fält: id, uppdaterad, extra"}
    assert rec.identifier == "scener" and rec.modified == "2024-01-02T10:00:00"
    assert rec.notes == ["3 poster; fält: id, uppdaterad, extra"]
