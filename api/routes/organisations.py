"""Organisations' quality reports (public) and the audit log (administrators)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.auth import AdminDep
from api.deps import EngineDep
from api.routes.params import path_id, query_id
from api.schemas import AuditEntry, Organisation, OrganisationQuality, problems
from catalog.quality import reports
from catalog.services import audit, organisations

router = APIRouter(prefix="/api", tags=["organisations"])


@router.get("/organisations", response_model=list[Organisation], response_model_exclude_unset=True)
def list_organisations(engine: EngineDep) -> list[dict[str, Any]]:
    """Every organisation with its number of sources and active tokens (never the tokens)."""
    return organisations.list_organisations(engine)


@router.get("/organisations/{organisation_id}/quality", response_model=OrganisationQuality,
            response_model_exclude_unset=True, responses=problems(404, 422))
def organisation_quality(
    organisation_id: Annotated[int, path_id("organisation")], engine: EngineDep,
    top: Annotated[int, Query(ge=1, le=100)] = reports.TOP_RULES,
) -> dict[str, Any]:
    """How many of the organisation's active datasets there are, how many are invalid, which rules fail most."""
    return reports.organisation_quality(engine, organisation_id, top=top)


@router.get("/audit", response_model=list[AuditEntry], response_model_exclude_unset=True,
            responses=problems(401, 403, 422))
def audit_log(
    _admin: AdminDep, engine: EngineDep,
    limit: Annotated[int, Query(ge=1, le=audit.MAX_AUDIT_PAGE)] = 100,
    before: Annotated[int | None, query_id("Page back: entries older than this id")] = None,
    organisation_id: Annotated[int | None, query_id("Only this organisation's entries")] = None,
) -> list[dict[str, Any]]:
    """Every write, newest first: who, what, when, on what (administrators only)."""
    return audit.list_audit(engine, limit=limit, before=before, organisation_id=organisation_id)
