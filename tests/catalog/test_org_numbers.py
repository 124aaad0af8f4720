"""Swedish organisation numbers in every notation sources write them, and the publisher ids they make."""

from __future__ import annotations

import pytest

from catalog import ids
from catalog.records import Agent


@pytest.mark.parametrize("text", ["SE2120003005", "se2120003005", "212000-3005", "2120003005", "212000 3005",
                                  "SE212000300501", "16212000-3005", " 212000-3005 "])
def test_every_notation_of_uppsala_kommun_is_its_ten_digits(text: str) -> None:
    assert ids.org_number(text) == "2120003005"


@pytest.mark.parametrize("text", [
    "212000-3006",      # the check digit is wrong (Luhn)
    "2120003004",
    "850101-1234",      # a personal identity number: the third digit is a month, not 2 or more
    "2101011234",
    "12120003005",      # eleven digits
    "x2120003005",      # glued to a word
    "212000-30050",
    "", None, "Uppsala kommun",
])
def test_what_is_no_organisation_number_is_refused(text: str | None) -> None:
    assert ids.org_number(text) is None


def test_the_luhn_check_digit_is_what_decides() -> None:
    # the same first nine digits with each possible last digit: exactly one passes
    passing = [d for d in range(10) if ids.org_number(f"232100-025{d}")]
    assert passing == [5]


@pytest.mark.parametrize(("iri", "number"), [
    ("http://dataportal.se/organisation/SE2120003005", "2120003005"),
    ("https://www.trafiklab.se/organisation/232100-0255", "2321000255"),
    ("urn:orgnr:2321000255", "2321000255"),
    ("https://example.se/org/SE232100025501/", "2321000255"),
    ("https://kommunportal.example.se/organization/uppsala-kommun", None),
    ("https://example.se/dataset/12120003005", None),
    (None, None),
])
def test_iris_that_contain_a_number_name_it(iri: str | None, number: str | None) -> None:
    assert ids.org_number_in(iri) == number


def test_one_number_in_any_notation_is_one_publisher_id_the_dataportal_form_keeping_its_id() -> None:
    dataportal = ids.publisher_id(Agent(uri="http://dataportal.se/organisation/SE2321000255",
                                        name={"sv": "Region Skåne"}))
    trafiklab = ids.publisher_id(Agent(uri="https://www.trafiklab.se/organisation/232100-0255",
                                       name={"sv": "Region Skåne, Skånetrafiken"}))
    assert dataportal == trafiklab == "se2321000255-25fba8"  # the id stored before numbers were read
    other = ids.publisher_id(Agent(uri="https://www.trafiklab.se/organisation/232100-0016"))
    assert other != dataportal
    # without a number: the IRI, else the name, as before
    assert ids.publisher_id(Agent(uri="https://kommunportal.example.se/organization/uppsala-kommun")) == \
        "uppsala-kommun-f028b7"
    assert ids.publisher_id(Agent(name={"sv": "Uppsala kommun"})).startswith("uppsala-kommun-")


def test_a_number_is_written_as_people_write_it() -> None:
    assert ids.org_number_text("2120003005") == "212000-3005"
