"""``/console``: the agency console, for an organisation's staff who are not programmers.

Signing in takes the organisation's API token in a POST form, once. It opens a server-side session
(:mod:`catalog.services.sessions`, which says why sessions live in the database): the browser gets a
random session id in the ``dk_session`` cookie (HttpOnly, SameSite=Strict, Secure under an https
``BASE_URL``, sent only under ``/console``). The token itself is never put in a URL, a cookie, a page
or a log: it travels in one form body and is forgotten after the session is opened.

Every page shows only the signed-in organisation's sources and jobs (403 for another's, decided by
:func:`api.auth.may_write`, the rule the API uses). Every action is a POST form with the CSRF token,
and calls the same service as the API route that does the same thing, so it is checked, stored and
audited the same way: registration (``POST /api/sources``), preview (``POST /api/sources/preview``),
harvest (``POST /api/sources/{id}/harvest``), confirm and reject (``POST /api/jobs/{id}/confirm|reject``).
Everything works without JavaScript; ``console.js`` only reloads a live job's page when it ends.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from api.auth import may_write, owner_of_new_source
from api.deps import EngineDep, SettingsDep
from api.routes.sources_write import SourceIn
from api.web import i18n, security
from api.web.render import render
from catalog.errors import Conflict, FieldError, Forbidden
from catalog.formats.jsonapi import bundled_profiles
from catalog.quality.reports import organisation_quality
from catalog.schedules import normalise_schedule
from catalog.services import console, held, jobs, sessions, sources
from catalog.services.sessions import ConsoleUser
from catalog.store.tables import Source
from harvester import preview, registration
from harvester.adapters import known_kinds
from harvester.job_lifecycle import JobInProgress
from harvester.scheduler import trigger_harvest

router = APIRouter(prefix="/console", include_in_schema=False)

SESSION_COOKIE = "dk_session"
COOKIE_PATH = "/console"
SOURCE_FIELDS = ("name", "kind", "url", "mapping", "schedule", "mapping_profile")
MAX_PROFILE_BYTES = 64 * 1024  # the API's limit for a mapping profile
JOBS_SHOWN = 20
QUALITY_RULES = 100  # every rule a report can hold in practice (the mandatory and SHACL rules)

Field = Annotated[str, Form()]


# -- sessions -------------------------------------------------------------------------------------


def _user(request: Request, engine: Any) -> ConsoleUser | None:
    return sessions.current_user(engine, request.cookies.get(SESSION_COOKIE))


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


def _page(request: Request, template: str, context: dict[str, Any], *, user: ConsoleUser | None,
          status_code: int = 200) -> Response:
    # pages of one organisation: never cached, by the browser or anything between
    message_key = "message_sv" if i18n.negotiate(request) == "sv" else "message_en"
    return render(request, f"console/{template}", {"user": user, "message_key": message_key, **context},
                  status_code=status_code, headers={"Cache-Control": "no-store"})


def _own_source(engine: Any, user: ConsoleUser, source_id: int) -> Source:
    source = sources.get_source(engine, source_id)
    if not may_write(user.principal, source):
        raise Forbidden(f"source {source_id} belongs to another organisation")
    return source


@router.get("")
def console_home(request: Request, engine: EngineDep) -> Response:
    """The organisation's sources with their last job and schedule, or the sign-in form."""
    user = _user(request, engine)
    if user is None:
        return _page(request, "sign_in.html", {"error": None, "notice": request.query_params.get("notice")},
                     user=None)
    return _page(request, "home.html", {
        "sources": console.organisation_sources(engine, user.organisation_id),
        "notice": request.query_params.get("notice"),
    }, user=user)


@router.post("/sign-in")
def sign_in(request: Request, engine: EngineDep, token: Field = "", csrf_token: Field = "") -> Response:
    security.check_csrf(request, csrf_token)
    opened = sessions.sign_in(engine, token) if token.strip() else None
    if opened is None:
        # the token typed is not echoed back: the field comes back empty
        error = ("Enter your organisation's API token." if not token.strip() else
                 "That token is not a valid, active token of an organisation. Check it and try again.")
        return _page(request, "sign_in.html", {"error": error}, user=None, status_code=401)
    session_id, _user_ = opened
    sessions.sign_out(engine, request.cookies.get(SESSION_COOKIE))  # a browser holds one session at a time
    response = _see_other("/console")
    response.set_cookie(SESSION_COOKIE, session_id, max_age=int(sessions.LIFETIME.total_seconds()),
                        path=COOKIE_PATH, httponly=True, samesite="strict",
                        secure=security.secure_cookies(request))
    return response


@router.post("/sign-out")
def sign_out(request: Request, engine: EngineDep, csrf_token: Field = "") -> Response:
    security.check_csrf(request, csrf_token)
    sessions.sign_out(engine, request.cookies.get(SESSION_COOKIE))
    response = _see_other("/console?notice=signed-out")
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict",
                           secure=security.secure_cookies(request))
    return response


# -- sources --------------------------------------------------------------------------------------


def _source_form(values: dict[str, str] | None = None) -> dict[str, Any]:
    return {"form": {"kind": "dcat", **(values or {})}, "kinds": known_kinds(), "mappings": bundled_profiles(),
            "errors": {}, "preview": None}


@router.get("/sources/new")
def new_source(request: Request, engine: EngineDep) -> Response:
    user = _user(request, engine)
    if user is None:
        return _see_other("/console")
    return _page(request, "new_source.html", _source_form(), user=user)


def _checked(values: dict[str, str]) -> tuple[SourceIn | None, dict[str, str]]:
    """The form read with the API's own body model, so both refuse the same input; errors by field."""
    body = {k: v.strip() for k, v in values.items() if v.strip()}
    try:
        return SourceIn.model_validate(body), {}
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for err in exc.errors():
            field = str(err["loc"][0]) if err.get("loc") else "name"
            errors.setdefault(field, "missing" if err.get("type") == "missing" else str(err.get("msg")))
        return None, errors


def _form_values(name: str, kind: str, url: str, mapping: str, schedule: str,
                 mapping_profile: str = "") -> dict[str, str]:
    return {"name": name, "kind": kind, "url": url, "mapping": mapping, "schedule": schedule,
            "mapping_profile": mapping_profile}


async def _uploaded_profile(upload: UploadFile | None, kept: str) -> tuple[str, str | None]:
    """The profile text of an uploaded file (else the one kept from the preview), or an error for the field.

    The text is then checked by the API's own body model, with the same messages and the same 64 KB limit."""
    if upload is None or not upload.filename:
        return kept, None
    data = await upload.read(MAX_PROFILE_BYTES + 1)
    if len(data) > MAX_PROFILE_BYTES:
        return "", "the mapping file is over 64 KB"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return "", "the mapping file is not UTF-8 text"


@router.post("/sources/preview")
async def preview_source(request: Request, engine: EngineDep, settings: SettingsDep, name: Field = "",
                         kind: Field = "dcat", url: Field = "", mapping: Field = "", schedule: Field = "",
                         mapping_profile: Field = "", csrf_token: Field = "",
                         mapping_file: Annotated[UploadFile | None, File()] = None) -> Response:
    """A dry run of the source in the form: what it lists and every problem, nothing stored."""
    security.check_csrf(request, csrf_token)
    profile, upload_error = await _uploaded_profile(mapping_file, mapping_profile)
    return await run_in_threadpool(_preview, request, engine, settings,
                                   _form_values(name, kind, url, mapping, schedule, profile), upload_error)


def _preview(request: Request, engine: Any, settings: Any, values: dict[str, str],
             upload_error: str | None) -> Response:
    user = _user(request, engine)
    if user is None:
        return _see_other("/console")
    context = _source_form(values)
    body, context["errors"] = _checked(values)
    if upload_error:
        body, context["errors"] = None, {**context["errors"], "mapping_profile": upload_error}
    if body is not None:
        try:
            normalise_schedule(body.schedule)  # refused now rather than at saving
            context["preview"] = preview.preview_source(settings, engine=engine, kind=body.kind, url=body.url,
                                                        mapping=body.mapping, name=body.name,
                                                        mapping_profile=body.mapping_profile)
        except FieldError as exc:
            context["errors"] = {exc.field: exc.reason}
    status = 422 if context["errors"] else 200
    return _page(request, "new_source.html", context, user=user, status_code=status)


@router.post("/sources")
def save_source(request: Request, engine: EngineDep, settings: SettingsDep, name: Field = "",
                kind: Field = "dcat", url: Field = "", mapping: Field = "", schedule: Field = "",
                mapping_profile: Field = "", csrf_token: Field = "") -> Response:
    """Register the previewed source for the signed-in organisation (audited as the API does)."""
    security.check_csrf(request, csrf_token)
    user = _user(request, engine)
    if user is None:
        return _see_other("/console")
    values = _form_values(name, kind, url, mapping, schedule, mapping_profile)
    context = _source_form(values)
    body, context["errors"] = _checked(values)
    if body is not None:
        try:
            owner = owner_of_new_source(user.principal, None)
            source = registration.add_source(engine, settings, actor=user.principal, organisation_id=owner,
                                             **body.model_dump(exclude={"organisation_id"}))
        except FieldError as exc:
            context["errors"] = {exc.field: exc.reason}
        except Conflict as exc:  # the name is taken
            context["errors"] = {"name": exc.message}
        else:
            return _see_other(f"/console/sources/{source.id}?notice=registered")
    return _page(request, "new_source.html", context, user=user, status_code=422)


@router.get("/sources/{source_id}")
def show_source(request: Request, source_id: int, engine: EngineDep) -> Response:
    user = _user(request, engine)
    if user is None:
        return _see_other("/console")
    source = _own_source(engine, user, source_id)
    return _page(request, "source.html", {
        "source": sources.source_summary(engine, source),
        "jobs": jobs.list_jobs(engine, source_id, limit=JOBS_SHOWN),
        "notice": request.query_params.get("notice"),
    }, user=user)


@router.post("/sources/{source_id}/harvest")
def harvest_source(request: Request, source_id: int, engine: EngineDep, settings: SettingsDep,
                   csrf_token: Field = "") -> Response:
    """Queue a harvest now, as ``POST /api/sources/{id}/harvest`` does, and follow its job."""
    security.check_csrf(request, csrf_token)
    user = _user(request, engine)
    if user is None:
        return _see_other("/console")
    _own_source(engine, user, source_id)
    try:
        job = trigger_harvest(engine, settings, source_id)
    except JobInProgress as exc:  # never twice at once: follow the run that is going on
        return _see_other(f"/console/jobs/{exc.job.id}?notice=in-progress")
    return _see_other(f"/console/jobs/{job.id}?notice=queued")


# -- jobs -----------------------------------------------------------------------------------------


def _job_page(request: Request, engine: Any, user: ConsoleUser, job_id: int, *, error: str | None = None,
              status_code: int = 200) -> Response:
    report = jobs.job_overview(engine, job_id)  # a first harvest's 100,000 additions: the first few listed
    named = [c["dataset_id"] for group in report["changes"].values() for c in group if c["dataset_id"]]
    named += [r["dataset_id"] for g in report["problems"] for r in g["records"] if r.get("dataset_id")]
    return _page(request, "job.html", {
        "job": report, "titles": console.dataset_titles(engine, named), "error": error,
        "notice": request.query_params.get("notice"),
        "decidable": report["status"] == "held" and report["decision"] is None,
    }, user=user, status_code=status_code)


def _own_job(engine: Any, user: ConsoleUser, job_id: int) -> None:
    if not may_write(user.principal, held.job_source(engine, job_id)):
        raise Forbidden(f"job {job_id} belongs to another organisation's source")


@router.get("/jobs/{job_id}")
def show_job(request: Request, job_id: int, engine: EngineDep) -> Response:
    """A job's report: status (live jobs: reload to follow), counts, changes, problems by rule."""
    user = _user(request, engine)
    if user is None:
        return _see_other("/console")
    _own_job(engine, user, job_id)
    return _job_page(request, engine, user, job_id)


def _decide(request: Request, engine: Any, job_id: int, csrf_token: str, decide: Any) -> Response:
    security.check_csrf(request, csrf_token)
    user = _user(request, engine)
    if user is None:
        return _see_other("/console")
    _own_job(engine, user, job_id)
    try:
        decide(engine, job_id, actor=user.principal)
    except Conflict as exc:  # decided already, or the source ran since: the page says which
        return _job_page(request, engine, user, job_id, error=exc.message, status_code=409)
    return _see_other(f"/console/jobs/{job_id}?notice=decided")


@router.post("/jobs/{job_id}/confirm")
def confirm_job(request: Request, job_id: int, engine: EngineDep, csrf_token: Field = "") -> Response:
    """Apply a held run's withdrawals (``POST /api/jobs/{id}/confirm``)."""
    return _decide(request, engine, job_id, csrf_token, held.confirm_held)


@router.post("/jobs/{job_id}/reject")
def reject_job(request: Request, job_id: int, engine: EngineDep, csrf_token: Field = "") -> Response:
    """Close a held run without withdrawing anything (``POST /api/jobs/{id}/reject``)."""
    return _decide(request, engine, job_id, csrf_token, held.reject_held)


# -- quality --------------------------------------------------------------------------------------


@router.get("/quality")
def quality(request: Request, engine: EngineDep) -> Response:
    """The organisation's quality report: each rule its datasets break, with those datasets."""
    user = _user(request, engine)
    if user is None:
        return _see_other("/console")
    report = organisation_quality(engine, user.organisation_id, top=QUALITY_RULES)
    named = [d for rule in report["rules"] for d in rule.get("dataset_ids", [])]
    return _page(request, "quality.html", {
        "report": report, "titles": console.dataset_titles(engine, named),
    }, user=user)

