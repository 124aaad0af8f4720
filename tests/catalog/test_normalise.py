"""The shared normalisers: dates and timestamps as sources send them, e-mail addresses, URLs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from catalog.normalise import (
    email_iri,
    is_web_url,
    iso,
    looks_like_url,
    mailto,
    normalise_date,
    normalise_timestamp,
    web_url,
)
from catalog.rdf.namespaces import XSD


@pytest.mark.parametrize(("raw", "expected"), [
    ("2021", "2021"),
    ("2021-03", "2021-03"),
    ("2021-03-04", "2021-03-04"),
    ("20210304", "2021-03-04"),
    ("04/03/2021", "2021-03-04"),
    ("04.03.2021", "2021-03-04"),
    ("2021/03/04", "2021-03-04"),
    ("2021-03-04T09:12:33Z", "2021-03-04T09:12:33+00:00"),
    ("2021-03-04 09:12", "2021-03-04T09:12:00"),
    ("2021-03-04 00:00:00", "2021-03-04T00:00:00"),
    ("  2021-03-04 ", "2021-03-04"),
])
def test_loose_date_spellings_become_iso_8601(raw: str, expected: str) -> None:
    notes: list[str] = []
    assert normalise_date(raw, notes) == expected
    assert notes == []


def test_an_unreadable_date_is_kept_as_text_with_a_note() -> None:
    notes: list[str] = []
    assert normalise_date("våren 2021", notes) == "våren 2021"
    assert notes == ["unreadable date 'våren 2021' kept as text"]
    assert normalise_date("", notes) is None and normalise_date(None, notes) is None


def test_a_year_before_the_common_era_is_a_year_only_when_typed_xsd_gyear() -> None:
    assert normalise_date("-0500", datatype=XSD + "gYear") == "-0500"
    notes: list[str] = []
    assert normalise_date("-0500", notes) == "-0500"
    assert notes == ["unreadable date '-0500' kept as text"]


def test_system_timestamps_are_cut_to_the_second_and_dates_stay_dates() -> None:
    notes: list[str] = []
    assert normalise_timestamp("2021-03-04T09:12:33.123456", notes, "created") == "2021-03-04T09:12:33"
    assert normalise_timestamp("2021-03-04", notes, "created") == "2021-03-04"
    assert normalise_timestamp(" ", notes, "created") is None and normalise_timestamp(7, notes, "created") is None
    assert notes == []
    assert normalise_timestamp("igår", notes, "metadata_created") == "igår"
    assert notes == ["unreadable metadata_created 'igår' kept as text"]


def test_iso_writes_stored_times_with_or_without_their_offset() -> None:
    when = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert iso(when) == "2024-05-06T07:08:09+00:00"
    assert iso(when, naive=True) == "2024-05-06T07:08:09"
    assert iso(None) is None


def test_mailto_prefixes_addresses_and_leaves_other_text() -> None:
    assert mailto(" info@kommun.se ") == "mailto:info@kommun.se"
    assert mailto("mailto:info@kommun.se") == "mailto:info@kommun.se"
    assert mailto("https://kommun.se/kontakt") == "https://kommun.se/kontakt"
    assert mailto(None) is None


def test_email_iri_gives_none_for_what_is_no_address() -> None:
    assert email_iri("info@kommun.se") == "mailto:info@kommun.se"
    assert email_iri("ring oss") is None and email_iri("") is None and email_iri(None) is None


def test_url_checks() -> None:
    assert is_web_url("https://kommun.se/data") and not is_web_url("https://kommun.se/a b")
    assert not is_web_url("ftp://kommun.se") and not is_web_url(None)
    assert all(looks_like_url(u) for u in ("http://a", "https://a", "mailto:a@b", "tel:+46", "ftp://a", "urn:x"))
    assert not looks_like_url("kommun.se")
    assert web_url("www.kommun.se/data") == "http://www.kommun.se/data"
    assert web_url("https://kommun.se") == "https://kommun.se" and web_url(None) is None
