"""Mapping profiles fill the typed fields of issue 14: HVD category and applicable legislation (on
datasets, distributions and the data service), version, temporal coverage, and the words a profile
need not map by hand (frequency, access, theme and language words)."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.errors import InvalidInput
from catalog.formats.jsonapi import map_record, parse_profile
from catalog.records import DatasetRecord

EU = "http://publications.europa.eu/resource/authority/"
HVD = "http://data.europa.eu/bna/"
ELI = "http://data.europa.eu/eli/reg_impl/2023/138/oj"
PROFILE = """
[records]
path = "data"
id = "id"

[dataset]
uri = { template = "https://api.trafik.example/ds/{id}" }
title = { path = "namn", lang = "sv" }
version = "version"
temporal_start = "period.fran"
temporal_end = "period.till"
hvd_category = "hvd"
applicable_legislation = { value = "https://data.europa.eu/eli/reg_impl/2023/138/oj" }
frequency = "uppdateras"
access_rights = "atkomst"
themes = "tema"
language = "sprak"

[[dataset.distribution]]
access_url = "url"
format = { value = "JSON" }
applicable_legislation = { value = "http://data.europa.eu/eli/reg_impl/2023/138/oj" }

[service]
uri = { template = "https://api.trafik.example/api/{id}" }
endpoint_url = "url"
"""
ITEM = {"id": "hallplatser", "namn": "Hållplatser", "version": "4.2",
        "period": {"fran": "2020-01-01", "till": "2024-12-31"}, "hvd": ["Mobility", "c_ac64a52d"],
        "uppdateras": "veckovis", "atkomst": "öppen", "tema": ["Transport"],
        "sprak": "sv-SE", "url": "https://api.trafik.example/v1/stops"}


def _mapped(profile: str = PROFILE, item: dict[str, Any] = ITEM) -> tuple[DatasetRecord, DatasetRecord]:
    records = dict(map_record(parse_profile(profile, "t.toml"), item))
    dataset = next(r for r in records.values() if r.kind == "dataset")
    service = next(r for r in records.values() if r.kind == "dataservice")
    return dataset, service


def test_hvd_keys_fill_the_hvd_fields_of_dataset_distribution_and_service() -> None:
    dataset, service = _mapped()
    assert dataset.hvd_categories == [HVD + "c_b79e35eb", HVD + "c_ac64a52d"]
    assert dataset.applicable_legislation == [ELI]
    assert [d.applicable_legislation for d in dataset.distributions] == [[ELI]]
    assert (service.hvd_categories, service.applicable_legislation) == (dataset.hvd_categories, [ELI])


def test_version_period_and_words_are_mapped_without_a_map_table() -> None:
    dataset, _ = _mapped()
    assert dataset.version == "4.2"
    assert dataset.temporal == [{"start": "2020-01-01", "end": "2024-12-31"}]
    assert dataset.frequency == EU + "frequency/WEEKLY"
    assert dataset.access_rights == EU + "access-right/PUBLIC"
    assert dataset.themes == [EU + "data-theme/TRAN"]
    assert dataset.languages == [EU + "language/SWE"]
    assert dataset.notes == []


def test_an_interval_key_and_an_unknown_hvd_category() -> None:
    profile = PROFILE.replace('temporal_start = "period.fran"\ntemporal_end = "period.till"', 'temporal = "tid"')
    dataset, _ = _mapped(profile, {**ITEM, "tid": "2019/2020", "hvd": ["Sjökort"]})
    assert dataset.temporal == [{"start": "2019", "end": "2020"}]
    assert dataset.hvd_categories == [] and dataset.notes == ["unknown HVD category 'Sjökort' left out"]


def test_an_unknown_key_is_still_refused() -> None:
    with pytest.raises(InvalidInput, match="hvd_categories"):
        parse_profile(PROFILE.replace("hvd_category =", "hvd_categories ="), "t.toml")
