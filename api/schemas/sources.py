"""Sources, their harvest jobs (summaries and full reports) and previews of unsaved sources."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from api.schemas.common import Problem, RuleGroup, RuleSummary, Schema, Violation


class JobCounts(Schema):
    seen: int
    added: int
    updated: int
    unchanged: int
    withdrawn: int
    held: int
    invalid: int
    failed: int


class JobDecision(Schema):
    """What was decided on a held run's withdrawals."""

    decision: str = Field(description="confirmed or rejected")
    by: str | None = Field(description="Who decided (an organisation with its token prefix, or admin)")
    at: str | None


class JobSummary(Schema):
    """A harvest job: its state, times and counts."""

    id: int
    source_id: int
    status: str = Field(description="queued, running, succeeded, held or failed")
    trigger: str = Field(description="manual, schedule, …")
    created_at: str | None
    started_at: str | None
    finished_at: str | None
    duration_seconds: float | None
    requests: int = Field(description="HTTP requests made")
    counts: JobCounts
    message: str | None
    live: bool = Field(description="Queued or running: counts and problems arrive when the run ends")
    worker: str | None = Field(description="The process that runs or ran it (host:pid)")
    heartbeat_at: str | None
    decision: JobDecision | None = Field(description="A held run's decision; null until one is made")
    records_pruned_at: str | None = Field(
        description="When this job's changes and problems were removed (its counts stay): only a source's "
        "newest JOB_REPORTS_KEPT finished jobs keep them; null while they are kept")


class ChangedRecord(Schema):
    dataset_id: str | None
    ref: str | None


class JobChanges(Schema):
    added: list[ChangedRecord]
    updated: list[ChangedRecord]
    restored: list[ChangedRecord]
    withdrawn: list[ChangedRecord]
    held: list[ChangedRecord] = Field(description="What a held run would have withdrawn")


class JobReport(JobSummary):
    """A job's full report: counts, every change it made, every problem grouped by rule."""

    source: str | None = Field(description="The source's name")
    changes: JobChanges
    problems: list[RuleGroup] = Field(description="Most frequent rule first")


class HarvestConflict(Problem):
    """409: the source already has a live job; ``job`` is that job."""

    job: JobSummary


class SourceDatasets(Schema):
    active: int
    withdrawn: int


class SourceSummary(Schema):
    """A source: its settings, dataset counts and latest job."""

    id: int
    name: str
    kind: str = Field(description="The adapter: dcat, ckan, jsonapi")
    url: str
    mapping: str | None = Field(description="A bundled mapping profile's name")
    mapping_version: int | None = Field(
        default=None,
        description="The version of its own uploaded mapping profile in use (GET /api/sources/{id}/mapping)")
    schedule: str | None = Field(description="An interval (6h) or a 5-field cron expression; null: manual only")
    organisation_id: int | None
    created_at: str | None
    datasets: SourceDatasets
    last_job: JobSummary | None
    detected: str | None = Field(default=None, description="Registered without a kind: what its URL was found "
                                 "to be (only in the answer to the registration)")


class DeletedSource(Schema):
    id: int
    name: str
    deleted: bool
    withdrawn: int = Field(description="Datasets withdrawn by the deletion")


class MappingVersion(Schema):
    """One uploaded version of a source's mapping profile."""

    version: int
    digest: str = Field(description="SHA-256 of the text")
    bytes: int
    created_at: str | None
    actor: str = Field(description="Who uploaded it")


class MappingText(MappingVersion):
    """An uploaded mapping profile with its TOML text."""

    text: str = Field(description="The profile (TOML)")


class TakeOver(Schema):
    """Datasets an administrator moved from one active source to another that lists them too."""

    source: str = Field(description="The source that keeps them now")
    from_source: str = Field(description="The source that kept them before")
    taken_over: list[str] = Field(description="The ids of the datasets moved")


class PreviewSourceSpec(Schema):
    name: str
    kind: str | None = Field(description="As given or detected; null when the URL could not be fetched to detect it")
    url: str
    mapping: str | None


class PreviewCounts(Schema):
    """What a harvest of the source would count now (the first eight as a job's ``counts``), and the
    records it lists."""

    seen: int = Field(description="Records the source would keep (not kept by another source, each once)")
    added: int
    updated: int = Field(description="Changed, restored or taken over from another source")
    unchanged: int
    withdrawn: int = Field(description="Datasets of the registered source of this name it no longer lists")
    held: int = Field(description="Withdrawals a harvest would hold for confirmation")
    invalid: int
    failed: int
    records: int = Field(description="The same as seen")
    datasets: int
    dataservices: int
    valid: int
    duplicates: int = Field(description="Records skipped: listed twice, or kept by another source (rule duplicate)")


class PreviewSample(Schema):
    id: str
    uri: str | None
    title: str | None
    valid: bool
    quality_score: float
    violations: list[Violation]
    record: dict[str, Any] = Field(description="The normalised DCAT-AP-SE record, as it would be stored")


class PreviewRecord(Schema):
    """A record under a rule: ``focus`` for a broken rule, ``message`` for a record that failed."""

    dataset_id: str | None
    ref: str | None
    title: str | None
    message: str | None = None
    focus: str | None = None


class PreviewRuleGroup(RuleSummary):
    datasets: int = Field(description="Distinct datasets under the rule")
    records: list[PreviewRecord]


class FetchProblem(Schema):
    type: str = Field(description="The error's class (SourceTimeout, ParseError, …)")
    title: str
    message: str


class Preview(Schema):
    """A dry run of an unsaved source: nothing is stored."""

    source: PreviewSourceSpec
    detected: str | None = Field(default=None, description="Without a kind: what the URL was found to be "
                                 "(\"a CKAN API (CKAN 2.10.4)\", \"a DCAT document (Turtle)\", \"a JSON API\")")
    stored: bool = Field(description="Always false")
    complete: bool = Field(description="Every page was fetched and read")
    pages: int
    requests: int
    datasets: int = Field(description="Records found (datasets and data services, duplicates excluded)")
    counts: PreviewCounts
    sample: list[PreviewSample]
    problems: list[PreviewRuleGroup]
    fetch_problems: list[FetchProblem]
    message: str | None = Field(default=None, description="The message the harvest's job would have")
