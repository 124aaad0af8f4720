"""Impossible dates (issue 15, problem 4): kept as the source wrote them, but a violation in the job
report, a lower quality score, and never used for sorting."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from catalog.normalise import is_valid_date, normalise_date
from catalog.store.tables import Dataset, JobRecord

PREFIXES = """@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <https://x.example/> .
ex:org a foaf:Agent ; foaf:name "Myndigheten"@sv .
"""

DATES = {
    "month13": '"2020-13-45"^^xsd:date',
    "noon": '"yesterday at noon"^^xsd:dateTime',
    "feb30": '"2021-02-30"',
    "good": '"2019-05-01"^^xsd:date',
    "older": '"2018-01-01T10:00:00Z"^^xsd:dateTime',
}


def _catalogue() -> str:
    out = [PREFIXES]
    for name, modified in DATES.items():
        out.append(f"""ex:{name} a dcat:Dataset ; dct:title "{name}"@sv ; dct:description "d"@sv ;
    dct:publisher ex:org ; dct:issued "2017-01-01"^^xsd:date ; dct:modified {modified} .
""")
    return "".join(out)


@pytest.mark.parametrize("value", ["2020-13-45", "2021-02-30", "yesterday at noon", "2021-00", "2023-02-29T10:00:00"])
def test_impossible_dates_are_not_valid(value: str) -> None:
    assert not is_valid_date(normalise_date(value))


@pytest.mark.parametrize("value", ["2021", "-0044", "2021-03", "2024-02-29", "2021-03-04T09:12:33+01:00", "20210304"])
def test_real_dates_are_valid(value: str) -> None:
    assert is_valid_date(normalise_date(value))


def test_an_impossible_partial_date_is_kept_with_a_note() -> None:
    notes: list[str] = []
    assert normalise_date("2020-13-45", notes) == "2020-13-45"
    assert notes == ["impossible date '2020-13-45' kept as text"]


def test_a_harvest_keeps_impossible_dates_verbatim_as_violations_that_sort_last(
        http_server, add_source, harvest, engine, client) -> None:  # type: ignore[no-untyped-def]
    add_source("dates", http_server.set("cat.ttl", _catalogue()))
    job = harvest("dates")
    assert job.status == "succeeded", job.message
    with Session(engine) as session:
        rows = {json.loads(r.record)["title"]["sv"]: r for r in session.exec(select(Dataset)).all()}
        report = session.exec(select(JobRecord).where(JobRecord.job_id == job.id,
                                                      JobRecord.rule == "date-invalid")).all()
    bad = {"month13": "2020-13-45", "noon": "yesterday at noon", "feb30": "2021-02-30"}
    for name, raw in bad.items():
        row = rows[name]
        assert json.loads(row.record)["modified"] == raw  # kept as the source said it
        assert not row.valid
        [v] = [v for v in json.loads(row.violations) if v["rule"] == "date-invalid"]
        assert raw in v["message_en"] and raw in v["message_sv"] and "giltigt datum" in v["message_sv"]
        assert row.quality_score < rows["good"].quality_score
    assert rows["good"].valid and rows["older"].valid
    assert sorted(r.ref or "" for r in report) == sorted(f"https://x.example/{n}" for n in bad)

    listed = client.get("/api/datasets", params={"sort": "modified", "per_page": 10}).json()["items"]
    order = [item["title"] for item in listed]
    assert order[:2] == ["good", "older"]
    assert set(order[2:]) == set(bad)
    detail = client.get(f"/api/datasets/{rows['month13'].id}").json()
    assert detail["modified"] == "2020-13-45"
