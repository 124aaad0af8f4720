"""Quality: per publisher, per organisation, and validation reports of unsaved catalogues."""

from __future__ import annotations

from pydantic import Field

from api.schemas.common import RuleSummary, Schema


class PublisherName(Schema):
    id: str
    name: str | None


class FailedRule(RuleSummary):
    """A rule and the active datasets that break it."""

    datasets: int = Field(description="Datasets breaking it, each counted once (rules are ranked by this)")
    dataset_ids: list[str] = Field(description="The first of them, by id")


class PublisherQuality(Schema):
    """One publisher's active datasets: scores, validity and the rules broken most."""

    publisher: PublisherName
    datasets: int
    valid: int
    invalid: int
    average_score: float | None
    min_score: float | None
    max_score: float | None
    most_failed_rules: list[FailedRule]


class ReportItem(Schema):
    focus: str | None
    value: str | None


class ReportGroup(RuleSummary):
    """The problems of a validated document under one rule."""

    items: list[ReportItem]
    source: str = Field(description="mandatory (DCAT-AP-SE checks), shacl (SHACL shapes) or mapping")
    shapes: str | None = Field(
        default=None, description="For shacl: the shape set, DCAT-AP 3.0.1 or DCAT-AP-SE 3.0.1 (rule ids dcat-ap:… "
        "and dcat-ap-se:…)")
    focus: list[str | None] = Field(description="The resources at fault, each once")


class ValidatedResource(Schema):
    ref: str
    kind: str = Field(description="dataset or dataservice")
    title: str | None
    valid: bool
    score: float


class ValidationReport(Schema):
    """A DCAT catalogue checked without storing it."""

    source: str | None = Field(default=None, description="The URL fetched, when a URL was sent")
    valid: bool
    syntax: str = Field(description="The RDF syntax read")
    triples: int
    datasets: int
    dataservices: int
    violations: int
    warnings: int
    problems: list[ReportGroup] = Field(description="Violations first, then by frequency")
    items: list[ValidatedResource]
