"""Response models of the public JSON routes, one module per resource, so that /openapi.json
documents every answer. They describe what catalog/services/* return; they never reshape it."""

from api.schemas.changes import Change, ChangeFeed
from api.schemas.common import (
    FieldProblem,
    LangMap,
    Licence,
    Problem,
    RuleGroup,
    Schema,
    Violation,
    problem_response,
    problems,
)
from api.schemas.datasets import DatasetDetail, DatasetSummary, Facets, FacetValue, SearchResult
from api.schemas.lists import CreatedList, DatasetList, ListedDataset, export_response
from api.schemas.meta import CkanFailure, CkanSuccess, Health
from api.schemas.organisations import AuditEntry, Organisation, OrganisationQuality
from api.schemas.quality import PublisherQuality, ValidationReport
from api.schemas.sources import (
    DeletedSource,
    HarvestConflict,
    JobReport,
    JobSummary,
    Preview,
    SourceSummary,
)

__all__ = [
    "AuditEntry", "Change", "ChangeFeed", "CkanFailure", "CkanSuccess", "CreatedList", "DatasetDetail",
    "DatasetList", "DatasetSummary", "DeletedSource", "FacetValue", "Facets", "FieldProblem", "HarvestConflict",
    "Health", "JobReport", "JobSummary", "LangMap", "Licence", "ListedDataset", "Organisation",
    "OrganisationQuality", "Preview", "Problem", "PublisherQuality", "RuleGroup", "Schema", "SearchResult",
    "SourceSummary", "ValidationReport", "Violation", "export_response", "problem_response", "problems",
]
