"""Datasets: search results with facets, and one dataset's full JSON."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from api.schemas.common import LangMap, Licence, Schema, Violation


class PublisherRef(Schema):
    id: str = Field(description="The publisher's stable id (the publisher facet's value)")
    name: str | None


class SummaryQuality(Schema):
    score: float = Field(description="0-100, after data.europa.eu's MQA dimensions")
    valid: bool = Field(description="No DCAT-AP-SE violation")


class ServingService(Schema):
    """A data service (an API) that serves the dataset."""

    id: str
    title: str | None
    endpoint_urls: list[str]
    documentation: list[str] = Field(description="Documentation pages and endpoint descriptions")
    status: str = Field(description="active or withdrawn")


class Highlight(Schema):
    """The words a query matched, marked: HTML-escaped text in which only <mark> and </mark> are tags.

    A word is marked when it is a query word or starts with the last one, shares a stem with one, is
    the same without å/ä/ö ("Malmo" marks "Malmö"), or holds one as a part of a compound ("vatten"
    marks "badvattenkvalitet")."""

    title: str | None = Field(description="The display title, matched words in <mark>")
    description: str | None = Field(
        description="About 240 characters of the description around its first match (else its beginning), "
        "matched words in <mark>, \"…\" where text was left out")


class Suggestion(Schema):
    """A spelling correction: the query with its unknown words replaced by close words of the catalogue."""

    q: str = Field(description="The corrected search text")
    count: int = Field(description="Datasets it finds, with the same filters")


class DatasetSummary(Schema):
    """A dataset as a search result lists it."""

    id: str
    uri: str | None
    type: str = Field(description="dataset or dataservice")
    title: str | None = Field(description="The display title: Swedish, else English, else any")
    description: str | None
    publisher: PublisherRef | None
    formats: list[str] = Field(description="EU file-type codes (CSV)")
    license: Licence | None
    access: str | None = Field(description="open, restricted or non-public; null when not stated")
    modified: str | None
    status: str = Field(description="active or withdrawn")
    quality: SummaryQuality
    source: str | None = Field(description="The name of the source it was harvested from")
    endpoint_urls: list[str] = Field(description="A data service's endpoint URLs")
    documentation: list[str] = Field(description="Documentation pages and endpoint descriptions")
    services: list[ServingService] = Field(
        description="The data services serving it (those naming it, and those it names), with their endpoints")
    highlight: Highlight | None = Field(
        default=None, description="With a text query (q): the title and a snippet of the description with the "
        "words the query matched marked")


class FacetValue(Schema):
    value: str = Field(description="The stable code to filter by (TRAN, CSV, CC-BY-4.0, a publisher id)")
    label: str = Field(description="Swedish label")
    count: int = Field(description="Matching datasets, counted with every filter but this facet's own")


class Facets(Schema):
    """Each facet's values, most frequent first (the selected ones always included)."""

    publisher: list[FacetValue]
    theme: list[FacetValue]
    format: list[FacetValue]
    license: list[FacetValue]
    keyword: list[FacetValue]
    source: list[FacetValue]
    type: list[FacetValue] = Field(description="dataset or dataservice")
    access: list[FacetValue] = Field(description="open, restricted or non-public")
    hvd_category: list[FacetValue] = Field(
        default_factory=list, description="High-value dataset categories (codes such as c_164e0bf5)")
    applicable_legislation: list[FacetValue] = Field(
        default_factory=list, description="Legislation the datasets are published under (IRIs)")


class SearchResult(Schema):
    """One page of a dataset search."""

    total: int = Field(description="Datasets matching, on every page")
    page: int
    per_page: int
    items: list[DatasetSummary]
    facets: Facets
    suggestions: list[Suggestion] = Field(
        default_factory=list, description="“Did you mean”: when the text query found fewer than 3 datasets, "
        "corrections of its unknown words (edit distance 1–2, å/ä/ö counting little) that find more, closest first")


class Display(Schema):
    title: str | None
    description: str | None


class Publisher(Schema):
    id: str | None
    uri: str | None
    name: LangMap
    type: str | None = Field(description="The publisher type's IRI (ADMS publisher type), stated or inferred")
    type_inferred: bool = Field(
        default=False, description="True when the source stated no type and it was inferred from the name "
        "(… kommun, Region …, …verket; catalog/publisher_types.py)")


class Theme(Schema):
    id: str = Field(description="EU data-theme code (TRAN), else the theme's IRI")
    uri: str
    label: str


class ContactPoint(Schema):
    name: str | None = Field(description="The name to show: Swedish, else English, else any")
    names: LangMap = Field(default_factory=dict, description="Every language the name was given in; {} for one "
                           "untagged name")
    email: str | None
    phone: str | None
    url: str | None
    uri: str | None


class Period(Schema):
    start: str | None = Field(default=None, description="ISO 8601 date or time")
    end: str | None = Field(default=None, description="ISO 8601 date or time")


STATEMENTS = ("What the source said that no typed field holds, kept and written back as it came: "
              '[predicate IRI, object]; an object is {"iri"}, {"literal", "lang" or "datatype"} or {"node": '
              "[statements]} for a blank node")


class Distribution(Schema):
    id: str | None
    uri: str | None
    title: LangMap
    description: LangMap
    access_urls: list[str]
    download_urls: list[str]
    format: str | None = Field(description="EU file-type code, when the format is known")
    format_label: str | None
    format_raw: str | None = Field(description="The format as the source wrote it")
    media_type: str | None
    license: Licence | None
    byte_size: int | None
    issued: str | None
    modified: str | None
    stored: bool = Field(description="Stored as a distribution of its own (one IRI belongs to one dataset)")
    conforms_to: list[str] = Field(default_factory=list, description="Standards and API descriptions it follows")
    languages: list[str] = Field(default_factory=list)
    documentation: list[str] = Field(default_factory=list, description="Pages about it (foaf:page)")
    status: str | None = Field(default=None, description="adms:status (EU distribution-status IRI)")
    availability: str | None = Field(default=None, description="dcatap:availability IRI")
    hvd_categories: list[str] = Field(default_factory=list)
    applicable_legislation: list[str] = Field(default_factory=list)
    other_statements: list[list[Any]] = Field(default_factory=list, description=STATEMENTS)


class ServiceRef(Schema):
    uri: str


class DetailQuality(Schema):
    score: float
    valid: bool
    violations: list[Violation]


class Revision(Schema):
    change: str = Field(description="added, updated, restored or withdrawn")
    at: str | None
    job_id: int | None
    content_hash: str


class HvdCategory(Schema):
    code: str = Field(description="The category's code (c_164e0bf5), the hvd_category facet's value")
    uri: str
    label: LangMap = Field(description="Swedish and English labels (EU Vocabularies)")


class Legislation(Schema):
    uri: str = Field(description="The legislation's ELI, the applicable_legislation facet's value")
    label: LangMap


class HvdFacts(Schema):
    """High-value dataset facts (Implementing Regulation (EU) 2023/138, DCAT-AP HVD)."""

    is_hvd: bool = Field(description="It names an HVD category or cites the HVD regulation")
    categories: list[HvdCategory]
    legislation: list[Legislation] = Field(description="Applicable legislation (dcatap:applicableLegislation)")
    missing: list[str] = Field(description="For an HVD, the HVD facts it lacks: legislation, hvd_category, "
                               "distribution, licence, contact_point, documentation")


class DatasetDetail(Schema):
    """One dataset (or data service) in full: language maps as harvested, with display texts."""

    id: str
    uri: str | None
    type: str = Field(description="dataset or dataservice")
    identifier: str | None
    title: LangMap
    description: LangMap
    display: Display
    publisher: Publisher | None
    themes: list[Theme]
    keywords: dict[str, list[str]] = Field(description="Language tag to keywords")
    formats: list[str]
    license: Licence | None = Field(description="The first licence")
    licenses: list[Licence]
    licence: Licence | None = Field(description='The same as "license", in the spelling of the detail contract')
    access_rights: str | None = Field(description="The access-rights IRI")
    access: str | None = Field(description="open, restricted or non-public; null when not stated")
    contact_points: list[ContactPoint]
    hvd: HvdFacts | None = Field(default=None, description="High-value dataset facts")
    landing_pages: list[str]
    languages: list[str]
    spatial: list[str]
    temporal: list[Period]
    frequency: str | None
    conforms_to: list[str]
    documentation: list[str]
    in_series: list[str] = Field(default_factory=list, description="The dataset series it belongs to")
    version: str | None = None
    spatial_resolution: str | None = Field(default=None, description="In metres (dcat:spatialResolutionInMeters)")
    temporal_resolution: str | None = Field(default=None, description="An xsd:duration (PT1H)")
    other_statements: list[list[Any]] = Field(default_factory=list, description=STATEMENTS)
    described: list[list[Any]] = Field(default_factory=list, description="Descriptions of the resources it refers "
                                       "to, as the source gave them: [IRI, statements]")
    distributions: list[Distribution]
    services: list[ServiceRef] = Field(description="The data services that serve this dataset")
    endpoint_urls: list[str]
    endpoint_descriptions: list[str]
    serves_datasets: list[str]
    issued: str | None
    modified: str | None
    source: str | None
    status: str
    withdrawn_at: str | None
    first_seen_at: str | None
    updated_at: str | None
    quality: DetailQuality
    notes: list[str] = Field(description="What mapping noticed (odd dates, unknown formats); never fatal")
    revisions: list[Revision] = Field(description="Every stored change, oldest first")
