"""What every response shares: the base of the response models, problem JSON and the small
value shapes (language maps, licences, rule groups) that several resources carry.

Response models describe what the services (catalog/services/*) already return; they never
reshape it. Routes attach them with ``response_model=`` and ``response_model_exclude_unset=True``
so that a key a service leaves out (a note only withdrawn datasets carry) stays out of the answer.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from api.problems import PROBLEM


class Schema(BaseModel):
    """Base of the response models.

    ``extra="allow"``: a key a service adds before its model lists it passes through unchanged
    (never dropped, never a 500); tests/api/test_openapi.py fails until the model names it.
    """

    model_config = ConfigDict(extra="allow")


LangMap = Annotated[dict[str, str], Field(
    description='Language map: BCP 47 tag ("sv", "en"; "" for text without a tag) to text')]


class FieldProblem(Schema):
    field: str = Field(description='The request field that is wrong ("url", "page", "body")')
    message: str


class Problem(Schema):
    """An error as problem JSON (RFC 9457, ``application/problem+json``)."""

    type: str = Field(description='Always "about:blank": the status and title say what went wrong')
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = Field(
        default=None, description="Present when the fault lies in named request fields (422)")


STATUS_TEXT = {
    400: "Bad request", 401: "No valid bearer token", 403: "The token may not do this",
    404: "Not found", 409: "Conflict", 413: "The fetched document is over the size limit",
    422: "Invalid input: the request's fields, or a document that is not what it claims",
    502: "The source could not be fetched", 504: "The source did not answer in time",
}


def problem_response(status: int, model: type[Schema] = Problem, description: str | None = None) -> dict[str, Any]:
    """One ``responses=`` entry: ``model`` as problem JSON."""
    # FastAPI files a response model under the route's own media type (application/json); the
    # answer's real type is application/problem+json, so it is listed too, with the same schema
    return {"model": model, "description": description or STATUS_TEXT.get(status, "Error"),
            "content": {PROBLEM: {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for the error statuses a route can answer, each as problem JSON."""
    return {status: problem_response(status) for status in statuses}


class Licence(Schema):
    id: str = Field(description="SPDX-style id (CC-BY-4.0), else the licence IRI")
    uri: str
    label: str = Field(description="Swedish label")


class RuleRecord(Schema):
    """One record that broke a rule in a harvest job."""

    dataset_id: str | None
    ref: str | None = Field(description="The record's reference in its source (its IRI or position)")
    outcome: str = Field(description="invalid, warning, failed or skipped: what the job did with the record")
    message: str | None


class RuleSummary(Schema):
    """A rule, as every report that groups problems by rule describes it."""

    rule: str = Field(description="The rule's id (dataset-title), or what went wrong (mapping, duplicate)")
    path: str | None = Field(description="The property the rule checks (dct:title)")
    severity: str | None = Field(description="violation, warning, info (error: a record that failed)")
    message_sv: str | None
    message_en: str | None
    count: int = Field(description="Problems under the rule")


class RuleGroup(RuleSummary):
    """The problems of a harvest job under one rule."""

    datasets: int = Field(description="Distinct datasets under the rule")
    records: list[RuleRecord]


class Violation(Schema):
    """One broken rule of one stored record (mandatory-property checks and SHACL results)."""

    rule: str
    path: str | None
    severity: str
    focus: str | None = Field(description="The IRI (or id) of the resource at fault")
    message_sv: str | None
    message_en: str | None
    value: str | None = Field(default=None, description="SHACL results: the value at fault")
    source: str | None = Field(default=None, description="SHACL results: shacl")
    shapes: str | None = Field(
        default=None, description="SHACL results: the shape set, DCAT-AP 3.0.1 or DCAT-AP-SE 3.0.1")
