"""The one search-parameter parser: raw values (a query string, CLI options, a form) to a checked
SearchQuery, with errors naming the parameter."""

from __future__ import annotations

import pytest

from catalog.errors import FieldError
from catalog.search.query import (
    FACETS,
    MAX_PER_PAGE,
    PARAMETERS,
    SearchQuery,
    export_query_from_params,
    params_of,
    query_from_params,
)


def test_no_parameters_give_the_default_search() -> None:
    assert query_from_params({}) == SearchQuery()


def test_facets_keep_every_value_and_single_parameters_the_last() -> None:
    query = query_from_params({"theme": ["TRAN", "ENVI"], "format": ["CSV"], "sort": ["title", "modified"],
                               "page": ["2", "3"], "per_page": ["50"], "q": ["buss", " tåg "]})
    assert query.filters == {"theme": ["TRAN", "ENVI"], "format": ["CSV"]}
    assert (query.sort, query.page, query.per_page, query.q) == ("modified", 3, 50, "tåg")


def test_keyword_type_and_access_values_are_lower_cased_and_others_kept_as_given() -> None:
    query = query_from_params({"keyword": ["Miljö"], "type": ["DataService"], "access": ["OPEN"],
                               "theme": ["tran"], "publisher": ["SE2120000142-Stockholm"]})
    assert query.filters == {"keyword": ["miljö"], "type": ["dataservice"], "access": ["open"],
                             "theme": ["tran"], "publisher": ["SE2120000142-Stockholm"]}


def test_empty_values_count_as_not_given() -> None:
    # what a web form sends for its blank fields
    query = query_from_params({"q": [""], "theme": ["", "TRAN"], "format": [""], "sort": [""], "status": [""],
                               "page": [""], "per_page": [""], "min_quality": [""]})
    assert query == SearchQuery(filters={"theme": ["TRAN"]})


def test_names_that_are_no_search_parameter_are_left_to_the_caller() -> None:
    assert query_from_params({"lang": ["en"], "utm_source": ["nyhetsbrev"]}) == SearchQuery()


@pytest.mark.parametrize(("params", "field", "reason"), [
    ({"page": ["two"]}, "page", "whole number"),
    ({"page": ["0"]}, "page", "between 1 and"),
    ({"per_page": ["0"]}, "per_page", "between 1 and"),
    ({"per_page": [str(MAX_PER_PAGE + 1)]}, "per_page", "between 1 and"),
    ({"min_quality": ["high"]}, "min_quality", "a number"),
    ({"min_quality": ["101"]}, "min_quality", "between 0 and 100"),
    ({"sort": ["newest"]}, "sort", "relevance, modified, title, quality"),
    ({"status": ["deleted"]}, "status", "active, withdrawn, all"),
    ({"q": ["x" * 501]}, "q", "at most 500"),
])
def test_a_bad_value_raises_a_field_error_naming_the_parameter(params: dict[str, list[str]], field: str,
                                                               reason: str) -> None:
    with pytest.raises(FieldError) as caught:
        query_from_params(params)
    assert caught.value.field == field
    assert reason in caught.value.reason


def test_unpaged_searches_ignore_page_and_per_page() -> None:
    query = query_from_params({"page": ["two"], "per_page": ["0"], "theme": ["TRAN"]}, paged=False)
    assert (query.page, query.per_page, query.filters) == (1, 20, {"theme": ["TRAN"]})


def test_export_format_is_the_lower_case_value_and_upper_case_codes_filter() -> None:
    fmt, query = export_query_from_params({"format": ["csv", "GEOJSON", "WMS_SRVC"], "theme": ["ENVI"]})
    assert fmt == "csv"
    assert query.filters == {"format": ["GEOJSON", "WMS_SRVC"], "theme": ["ENVI"]}
    fmt, query = export_query_from_params({"format": ["GEOJSON"]})
    assert fmt is None
    assert query.filters == {"format": ["GEOJSON"]}


def test_two_export_formats_are_refused_naming_format() -> None:
    with pytest.raises(FieldError) as caught:
        export_query_from_params({"format": ["csv", "json"]})
    assert caught.value.field == "format"


def test_cli_values_become_the_same_search_as_a_query_string() -> None:
    from_cli = query_from_params(params_of(q="buss", theme=["TRAN", "ENVI"], keyword=None, sort="title", page=2,
                                           per_page=5, min_quality=40.5))
    from_url = query_from_params({"q": ["buss"], "theme": ["TRAN", "ENVI"], "sort": ["title"], "page": ["2"],
                                  "per_page": ["5"], "min_quality": ["40.5"]})
    assert from_cli == from_url


def test_every_facet_is_a_documented_repeatable_parameter() -> None:
    documented = {p.name: p for p in PARAMETERS}
    assert all(documented[f].repeatable for f in FACETS)
    assert {"q", "sort", "status", "min_quality", "page", "per_page"} <= set(documented)
