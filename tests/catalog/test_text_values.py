"""Text values a mapping should understand (issue 14): language codes, frequency words, themes and
access rights as text, intervals as text. Each mapping on its own, with the spellings real
catalogues send (GeoNetwork, CKAN portals, Swedish municipalities' hand-written DCAT)."""

from __future__ import annotations

import pytest

from catalog import vocab
from catalog.normalise import temporal_interval

LANG = "http://publications.europa.eu/resource/authority/language/"
FREQ = "http://publications.europa.eu/resource/authority/frequency/"
THEME = "http://publications.europa.eu/resource/authority/data-theme/"
ACCESS = "http://publications.europa.eu/resource/authority/access-right/"


@pytest.mark.parametrize(("raw", "code"), [
    ("en", "ENG"), ("eng", "ENG"), ("EN", "ENG"), ("en-GB", "ENG"), ("sv", "SWE"), ("swe", "SWE"),
    ("sv-SE", "SWE"), ("sv_SE", "SWE"), ("SWE", "SWE"), ("fin", "FIN"), ("ger", "DEU"), ("deu", "DEU"),
    ("fre", "FRA"), ("svenska", "SWE"), ("Engelska", "ENG"), ("English", "ENG"), ("sme", "SME"),
    (LANG + "SWE", "SWE"), ("https://publications.europa.eu/resource/authority/language/ENG", "ENG"),
])
def test_language_codes_and_names_become_eu_language_iris(raw: str, code: str) -> None:
    assert vocab.language_iri(raw) == LANG + code


@pytest.mark.parametrize("raw", ["", "  ", "klingon", "x", "en-", "http://id.loc.gov/vocabulary/iso639-2/swe"])
def test_unknown_languages_are_not_guessed(raw: str) -> None:
    assert vocab.language_iri(raw) is None


@pytest.mark.parametrize(("raw", "code"), [
    ("daily", "DAILY"), ("Daily", "DAILY"), ("weekly", "WEEKLY"), ("monthly", "MONTHLY"), ("annual", "ANNUAL"),
    ("annually", "ANNUAL"), ("yearly", "ANNUAL"), ("quarterly", "QUARTERLY"), ("every two weeks", "BIWEEKLY"),
    ("irregular", "IRREG"), ("real-time", "UPDATE_CONT"), ("continuous", "CONT"),
    ("dagligen", "DAILY"), ("veckovis", "WEEKLY"), ("månadsvis", "MONTHLY"), ("Månadsvis", "MONTHLY"),
    ("årligen", "ANNUAL"), ("Årlig", "ANNUAL"), ("kvartalsvis", "QUARTERLY"), ("varannan vecka", "BIWEEKLY"),
    ("realtid", "UPDATE_CONT"), ("oregelbundet", "IRREG"), ("vid behov", "AS_NEEDED"),
    ("P1D", "DAILY"), ("P1W", "WEEKLY"), ("P1M", "MONTHLY"), ("P1Y", "ANNUAL"), ("R/P1D", "DAILY"),
    ("PT1H", "HOURLY"), ("ANNUAL", "ANNUAL"), (FREQ + "WEEKLY", "WEEKLY"),
    ("http://purl.org/cld/freq/daily", "DAILY"), ("http://purl.org/cld/freq/semiannual", "ANNUAL_2"),
])
def test_frequency_words_become_eu_frequency_iris(raw: str, code: str) -> None:
    assert vocab.frequency_iri(raw) == FREQ + code


@pytest.mark.parametrize("raw", ["", "ibland", "when we feel like it", "http://purl.org/cld/freq/never-ever",
                                 "https://example.org/frequency/DAILY"])
def test_unknown_frequencies_are_not_guessed(raw: str) -> None:
    assert vocab.frequency_iri(raw) is None


@pytest.mark.parametrize(("raw", "code"), [
    ("TRAN", "TRAN"), ("tran", "TRAN"), ("transport", "TRAN"), ("Transport", "TRAN"), ("Miljö", "ENVI"),
    ("Environment", "ENVI"), ("Befolkning och samhälle", "SOCI"), ("energi", "ENER"),
    ("https://publications.europa.eu/resource/authority/data-theme/HEAL", "HEAL"),
])
def test_themes_given_as_text_become_eu_theme_iris(raw: str, code: str) -> None:
    assert vocab.theme_iri_of(raw) == THEME + code


def test_unknown_themes_are_kept_by_theme_iri_but_not_mapped() -> None:
    assert vocab.theme_iri_of("Kommunal förvaltning i stort") is None
    assert vocab.theme_iri("Kommunal förvaltning i stort") == "Kommunal förvaltning i stort"


@pytest.mark.parametrize(("raw", "code"), [
    ("public", "PUBLIC"), ("Public", "PUBLIC"), ("open", "PUBLIC"), ("öppen", "PUBLIC"), ("Öppna data", "PUBLIC"),
    ("offentlig", "PUBLIC"), ("offentligt", "PUBLIC"), ("restricted", "RESTRICTED"), ("begränsad", "RESTRICTED"),
    ("begränsad åtkomst", "RESTRICTED"), ("non-public", "NON_PUBLIC"), ("Non public", "NON_PUBLIC"),
    ("non_public", "NON_PUBLIC"), ("icke-offentlig", "NON_PUBLIC"), ("inte offentlig", "NON_PUBLIC"),
    ("sensitive", "SENSITIVE"), (ACCESS + "PUBLIC", "PUBLIC"),
])
def test_access_right_words_become_eu_access_right_iris(raw: str, code: str) -> None:
    assert vocab.access_right_iri(raw) == ACCESS + code


def test_unknown_access_rights_are_not_guessed() -> None:
    assert vocab.access_right_iri("kontakta oss") is None


@pytest.mark.parametrize(("raw", "period"), [
    ("2019-01-01/2020-12-31", {"start": "2019-01-01", "end": "2020-12-31"}),
    ("2019/2020", {"start": "2019", "end": "2020"}),
    ("2019-03/2019-09", {"start": "2019-03", "end": "2019-09"}),
    (" 2019-01-01 / 2020-12-31 ", {"start": "2019-01-01", "end": "2020-12-31"}),
    ("2019-03-01/..", {"start": "2019-03-01"}),
    ("../2020-12-31", {"end": "2020-12-31"}),
    ("2019-01-01/", {"start": "2019-01-01"}),
    ("2019-01-01T00:00:00Z/2019-12-31T23:59:59Z",
     {"start": "2019-01-01T00:00:00+00:00", "end": "2019-12-31T23:59:59+00:00"}),
    ("2019", {"start": "2019", "end": "2019"}),
])
def test_iso_8601_intervals_become_start_and_end(raw: str, period: dict[str, str]) -> None:
    notes: list[str] = []
    assert temporal_interval(raw, notes) == period
    assert notes == []


def test_an_interval_with_a_duration_keeps_its_start_and_says_so() -> None:
    notes: list[str] = []
    assert temporal_interval("2019-01-01/P1Y", notes) == {"start": "2019-01-01"}
    assert notes and "P1Y" in notes[0]


@pytest.mark.parametrize("raw", ["hela 2019", "/", "../..", "2020-13-01/2021", "2019/2020/2021", "sedan 1990/nu"])
def test_text_that_is_no_interval_is_noted_not_mapped(raw: str) -> None:
    notes: list[str] = []
    assert temporal_interval(raw, notes) is None
    assert notes and raw in notes[0]
