"""The agency console (/console): sign-in with an organisation's token and a server-side session,
the organisation's sources, registering with a preview, harvesting and the job report, held runs,
the quality report; CSRF on every form, and the token kept out of URLs, cookies, pages and logs.

Each test drives one or two browsers (TestClients, each with a cookie jar of its own) against a real
database and a local HTTP server serving the DCAT fixture catalogue (8 records, one invalid).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from babel.messages.extract import extract_from_dir
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from api.app import create_app
from api.web import i18n
from api.web.pages.console import SESSION_COOKIE
from catalog.services import audit, jobs, organisations
from catalog.services.organisations import Principal
from catalog.services.sessions import SESSION
from catalog.settings import Settings
from catalog.store.tables import DS, JOB, SRC
from harvester.registration import register_source
from harvester.runner import harvest_source
from tests.api.test_sources_jobs_api import CATALOG_TTL, _only_two_datasets
from tests.conftest import FIXTURES, FixtureHTTPServer
from tests.web.dom import Element, parse

HTML = {"Accept": "text/html,application/xhtml+xml"}
SETUP = Principal(actor="test-setup", admin=True)
TEMPLATES = Path(__file__).resolve().parents[2] / "api" / "web" / "templates" / "console"


@dataclass
class Console:
    app: FastAPI
    engine: Engine
    settings: Settings
    server: FixtureHTTPServer
    tokens: dict[str, str]
    orgs: dict[str, int]
    clients: list[TestClient] = field(default_factory=list)

    def browser(self) -> TestClient:
        client = TestClient(self.app, headers=HTML)
        client.__enter__()
        self.clients.append(client)
        return client

    def source(self, name: str, org: str, path: str = "dcat/console.ttl", *, harvest: bool = False) -> int:
        url = self.server.set(path, CATALOG_TTL)
        source = register_source(self.engine, self.settings, name=name, kind="dcat", url=url,
                                 organisation_id=self.orgs[org])
        if harvest:
            assert harvest_source(engine=self.engine, source=source, settings=self.settings).status == "succeeded"
        assert source.id is not None
        return source.id

    def held_job(self, name: str, org: str) -> int:
        """A source of ``org`` whose second run would withdraw 6 of its 8 datasets: held."""
        path = f"dcat/{name}.ttl"
        source_id = self.source(name, org, path, harvest=True)
        self.server.set(path, _only_two_datasets(CATALOG_TTL))
        from catalog.services.sources import get_source

        job = harvest_source(engine=self.engine, source=get_source(self.engine, source_id), settings=self.settings)
        assert job.status == "held" and job.held == 6 and job.id is not None
        return job.id


@pytest.fixture
def console(engine: Engine, settings: Settings, http_server: FixtureHTTPServer) -> Iterator[Console]:
    uppsala, uppsala_token = organisations.create_organisation(engine, name="Uppsala kommun", actor=SETUP)
    skane, skane_token = organisations.create_organisation(engine, name="Region Skåne", actor=SETUP)
    assert uppsala.id is not None and skane.id is not None
    world = Console(create_app(settings, engine), engine, settings, http_server,
                    {"uppsala": uppsala_token, "skane": skane_token}, {"uppsala": uppsala.id, "skane": skane.id})
    yield world
    for client in world.clients:
        client.__exit__(None, None, None)


def page(resp: httpx.Response) -> Element:
    assert resp.headers["content-type"].startswith("text/html"), resp.text[:300]
    return parse(resp.text)


def form_fields(doc: Element, action: str) -> dict[str, str]:
    """The named fields of the form posting to ``action``, as the browser would send them."""
    form = doc.find("form", action=action)
    fields = {el.get("name") or "": el.get("value") or "" for el in form.find_all("input") if el.get("name")}
    for select_ in form.find_all("select"):
        chosen = [o for o in select_.find_all("option") if "selected" in o.attrs] or select_.find_all("option")[:1]
        fields[select_.get("name") or ""] = (chosen[0].get("value") or "") if chosen else ""
    return fields


def submit(client: TestClient, from_path: str, action: str, **values: str) -> httpx.Response:
    """Load a page, fill in the form posting to ``action`` and send it (redirects not followed)."""
    doc = page(client.get(from_path))
    return client.post(action, data={**form_fields(doc, action), **values}, follow_redirects=False)


def sign_in(client: TestClient, token: str) -> httpx.Response:
    return submit(client, "/console", "/console/sign-in", token=token)


def signed_in(world: Console, org: str) -> TestClient:
    client = world.browser()
    resp = sign_in(client, world.tokens[org])
    assert resp.status_code == 303 and resp.headers["location"] == "/console"
    return client


def wait_for(engine: Engine, job_id: int, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        report = jobs.get_job(engine, job_id)
        if not report["live"]:
            return report
        assert time.monotonic() < deadline, f"job {job_id} still {report['status']}"
        time.sleep(0.1)


def count(engine: Engine, table: Any, *where: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar() or 0)


def statuses(engine: Engine, source_id: int) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(DS.c.status, func.count()).where(DS.c.source_id == source_id)
                                 .group_by(DS.c.status)).all())


# -- signing in and out ---------------------------------------------------------------------------


def test_sign_in_with_a_good_token_shows_the_organisations_own_sources(console: Console) -> None:
    ours = console.source("uppsala-data", "uppsala", "dcat/u.ttl", harvest=True)
    console.source("skane-data", "skane", "dcat/s.ttl")
    client = signed_in(console, "uppsala")
    doc = page(client.get("/console"))
    assert doc.find("h1").text == "Era källor"
    assert "Uppsala kommun" in doc.find("div", class_="console-bar").text
    names = [h.text for h in doc.find_all("h2")]
    assert names == ["uppsala-data"]
    card = doc.find("li", class_="source-card")
    assert "8 aktiva, 0 tillbakadragna" in card.text
    assert "lyckades" in card.text  # the last job's status
    assert card.find("form").get("action") == f"/console/sources/{ours}/harvest"
    assert count(console.engine, SESSION) == 1


def test_a_bad_token_is_refused_without_a_session_or_an_echo(console: Console) -> None:
    client = console.browser()
    wrong = "dk_AAAAAAAA_" + "B" * 43
    resp = sign_in(client, wrong)
    assert resp.status_code == 401
    assert SESSION_COOKIE not in resp.headers.get("set-cookie", "")
    assert wrong not in resp.text
    doc = page(resp)
    assert "inte en giltig, aktiv nyckel" in doc.find("div", role="alert").text
    assert doc.find("input", name="token").get("value") is None  # the field comes back empty
    assert count(console.engine, SESSION) == 0
    # the administrator's token opens no console session either: the console is an organisation's
    resp = sign_in(client, console.settings.admin_token or "not-an-admin-token")
    assert resp.status_code == 401
    assert page(client.get("/console")).find("form", action="/console/sign-in")


def test_the_session_cookie_is_httponly_strict_and_scoped_to_the_console(console: Console) -> None:
    resp = sign_in(console.browser(), console.tokens["uppsala"])
    cookie = resp.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite", "path", "max-age"} <= attributes
    assert "samesite=strict" in cookie.lower() and "path=/console" in cookie.lower()
    assert "secure" not in attributes  # BASE_URL is http here


def test_the_session_cookie_is_secure_when_base_url_is_https(console: Console) -> None:
    https = create_app(console.settings.model_copy(update={"base_url": "https://data.example.se"}), console.engine)
    with TestClient(https, headers=HTML, base_url="https://testserver") as client:  # Secure cookies travel
        resp = sign_in(client, console.tokens["uppsala"])
    assert resp.status_code == 303
    assert "secure" in {part.strip().lower() for part in resp.headers["set-cookie"].split(";")}


def test_the_token_is_never_in_a_url_redirect_cookie_page_or_log(console: Console,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    token = console.tokens["uppsala"]
    source_id = console.source("uppsala-data", "uppsala", harvest=True)
    seen: list[httpx.Response] = []
    client = console.browser()
    client.event_hooks["response"] = [lambda r: seen.append(r)]
    with caplog.at_level(logging.DEBUG):
        assert sign_in(client, token).status_code == 303
        for path in ("/console", f"/console/sources/{source_id}", "/console/sources/new", "/console/quality"):
            assert client.get(path).status_code == 200
    assert len(seen) >= 6
    for resp in seen:
        resp.read()
        assert token not in str(resp.request.url)
        assert token not in resp.headers.get("location", "")
        assert token not in resp.headers.get("set-cookie", "")
        assert token not in resp.text
    assert all(token not in c for c in client.cookies.values())
    assert all(token not in record.getMessage() for record in caplog.records)
    # the database keeps a hash of the session id, never the id and never the token
    session_id = client.cookies[SESSION_COOKIE]
    with console.engine.connect() as conn:
        rows = [tuple(str(v) for v in row) for row in conn.execute(select(SESSION))]
    assert len(rows) == 1 and not any(token in v or session_id in v for v in rows[0])


def test_sign_out_ends_the_session_on_the_server(console: Console) -> None:
    client = signed_in(console, "uppsala")
    session_id = client.cookies[SESSION_COOKIE]
    resp = submit(client, "/console", "/console/sign-out")
    assert resp.status_code == 303
    assert f'{SESSION_COOKIE}=""' in resp.headers["set-cookie"] and "Max-Age=0" in resp.headers["set-cookie"]
    assert count(console.engine, SESSION) == 0
    assert "Du är utloggad." in page(client.get(resp.headers["location"])).text
    # the old session id, replayed by someone who copied it, opens nothing
    replay = console.browser()
    replay.cookies.set(SESSION_COOKIE, session_id, path="/console")
    doc = page(replay.get("/console"))
    assert doc.find("form", action="/console/sign-in")
    assert replay.get("/console/quality", follow_redirects=False).headers["location"] == "/console"


def test_signing_in_again_replaces_the_browsers_session(console: Console) -> None:
    client = signed_in(console, "uppsala")
    first = client.cookies[SESSION_COOKIE]
    again = {"token": console.tokens["skane"], "csrf_token": client.cookies["csrf"]}
    resp = client.post("/console/sign-in", data=again, follow_redirects=False)
    assert resp.status_code == 303
    assert client.cookies[SESSION_COOKIE] != first
    assert count(console.engine, SESSION) == 1
    assert "Region Skåne" in page(client.get("/console")).find("div", class_="console-bar").text


def test_revoking_the_token_ends_its_console_sessions(console: Console) -> None:
    client = signed_in(console, "uppsala")
    assert page(client.get("/console")).find("h1").text == "Era källor"
    organisations.rotate_token(console.engine, console.orgs["uppsala"], actor=SETUP)
    assert page(client.get("/console")).find("form", action="/console/sign-in")


def test_console_pages_without_a_session_lead_to_the_sign_in_form(console: Console) -> None:
    source_id = console.source("uppsala-data", "uppsala")
    client = console.browser()
    for path in ("/console/sources/new", f"/console/sources/{source_id}", "/console/quality", "/console/jobs/1"):
        resp = client.get(path, follow_redirects=False)
        assert (resp.status_code, resp.headers["location"]) == (303, "/console"), path
    doc = page(client.get("/console"))
    assert doc.find("label", for_="token").text == "Din organisations API-nyckel"
    assert doc.find("input", id="token").get("type") == "password"


# -- what another organisation may not see or do ----------------------------------------------------


def test_another_organisations_source_and_jobs_are_refused_with_403(console: Console) -> None:
    held_job = console.held_job("skane-data", "skane")
    theirs = jobs.get_job(console.engine, held_job)["source_id"]
    their_job = jobs.list_jobs(console.engine, theirs)[-1]["id"]  # the first, succeeded run
    client = signed_in(console, "uppsala")
    assert "skane" not in page(client.get("/console")).text
    jobs_before = count(console.engine, JOB)
    for path in (f"/console/sources/{theirs}", f"/console/jobs/{their_job}", f"/console/jobs/{held_job}"):
        resp = client.get(path)
        assert resp.status_code == 403, path
        assert "Region Skåne" not in resp.text and "skane-data" not in resp.text
    csrf = client.cookies["csrf"]
    for action in (f"/console/sources/{theirs}/harvest", f"/console/jobs/{held_job}/confirm",
                   f"/console/jobs/{held_job}/reject"):
        assert client.post(action, data={"csrf_token": csrf}).status_code == 403, action
    assert count(console.engine, JOB) == jobs_before
    assert jobs.get_job(console.engine, held_job)["decision"] is None
    assert statuses(console.engine, jobs.get_job(console.engine, held_job)["source_id"]) == {"active": 8}


# -- registering a source with a preview -------------------------------------------------------------


def test_register_a_source_with_a_preview_then_save_it(console: Console) -> None:
    url = console.server.set("dcat/new.ttl", CATALOG_TTL)
    client = signed_in(console, "uppsala")
    resp = submit(client, "/console/sources/new", "/console/sources/preview",
                  name="uppsala-oppna-data", kind="dcat", url=url, schedule="6h")
    assert resp.status_code == 200, resp.text[:2000]
    doc = page(resp)
    preview = doc.find("section", class_="preview")
    counts = {d.find("dt").text: d.find("dd").text for d in preview.find("dl", class_="counts").find_all("div")}
    assert counts["datamängder"] == "7" and counts["datatjänster"] == "1" and counts["ogiltiga"] == "1"
    # every problem, grouped by rule, in the page's language (Swedish by default)
    title_rule = next(g for g in preview.find_all("li", class_="rule-group") if "title" in g.text.lower())
    assert "titel" in title_rule.find("h4").text.lower()
    assert count(console.engine, SRC) == 0  # a preview stores nothing
    # confirm and save: the hidden fields carry what was previewed
    saved = client.post("/console/sources", data=form_fields(doc, "/console/sources"), follow_redirects=False)
    assert saved.status_code == 303
    source_id = int(saved.headers["location"].split("/")[3].split("?")[0])
    with console.engine.connect() as conn:
        row = conn.execute(select(SRC).where(SRC.c.id == source_id)).one()
    assert (row.name, row.url, row.schedule, row.organisation_id) == ("uppsala-oppna-data", url, "6h",
                                                                     console.orgs["uppsala"])
    [entry] = [e for e in audit.list_audit(console.engine) if e["action"] == "source.create"]
    assert entry["actor"].startswith("Uppsala kommun (dk_") and entry["target"] == f"source:{source_id}"
    shown = page(client.get(saved.headers["location"]))
    assert shown.find("h1").text == "Källan uppsala-oppna-data"
    assert "Källan är registrerad" in shown.text


def test_the_preview_speaks_the_chosen_language(console: Console) -> None:
    url = console.server.set("dcat/new.ttl", CATALOG_TTL)
    client = signed_in(console, "uppsala")
    rule_titles = {}
    for lang in ("sv", "en"):
        resp = submit(client, f"/console/sources/new?lang={lang}", "/console/sources/preview",
                      name="uppsala-oppna-data", kind="dcat", url=url)
        doc = page(resp)
        assert doc.find("html").get("lang") == lang
        rule_titles[lang] = {g.find("code").text: g.find("h4").text for g in doc.find_all("li", class_="rule-group")}
    assert rule_titles["sv"].keys() == rule_titles["en"].keys() and rule_titles["sv"]
    for rule, swedish in rule_titles["sv"].items():
        assert swedish != rule_titles["en"][rule], rule


def test_a_refused_field_is_named_and_nothing_is_stored(console: Console) -> None:
    client = signed_in(console, "uppsala")
    resp = submit(client, "/console/sources/new", "/console/sources/preview",
                  name="metadata", kind="dcat", url="http://169.254.169.254/latest/meta-data/")
    assert resp.status_code == 422
    doc = page(resp)
    assert doc.find("input", id="url").get("aria-invalid") == "true"
    assert doc.find("p", id="url-error")
    resp = submit(client, "/console/sources/new", "/console/sources/preview",
                  name="bad/name", kind="dcat", url="http://example.se/x.ttl", schedule="every tuesday")
    assert resp.status_code == 422 and page(resp).find("input", id="name").get("aria-invalid") == "true"
    url = console.server.set("dcat/ok.ttl", CATALOG_TTL)
    resp = submit(client, "/console/sources/new", "/console/sources/preview", name="ok", url=url,
                  schedule="25 * * * * *")
    assert resp.status_code == 422 and page(resp).find("p", id="schedule-error")
    assert count(console.engine, SRC) == 0


def test_saving_under_a_taken_name_says_so_at_the_name(console: Console) -> None:
    console.source("taken", "skane", "dcat/t.ttl")
    client = signed_in(console, "uppsala")
    url = console.server.set("dcat/t2.ttl", CATALOG_TTL)
    doc = page(client.get("/console/sources/new"))
    resp = client.post("/console/sources", data={**form_fields(doc, "/console/sources/preview"), "name": "taken",
                                                 "url": url}, follow_redirects=False)
    assert resp.status_code == 422
    assert "taken" in page(resp).find("p", id="name-error").text
    assert count(console.engine, SRC) == 1


# -- harvesting and the job report ------------------------------------------------------------------


def test_trigger_a_harvest_and_read_its_report(console: Console) -> None:
    source_id = console.source("uppsala-data", "uppsala")
    client = signed_in(console, "uppsala")
    resp = submit(client, f"/console/sources/{source_id}", f"/console/sources/{source_id}/harvest")
    assert resp.status_code == 303 and resp.headers["location"].startswith("/console/jobs/")
    job_id = int(resp.headers["location"].split("/")[3].split("?")[0])
    report = wait_for(console.engine, job_id)
    assert report["status"] == "succeeded" and report["trigger"] == "manual"
    doc = page(client.get(resp.headers["location"]))
    assert doc.find("h1").text == f"Skördning {job_id}"
    counts = {d.find("dt").text: d.find("dd").text for d in doc.find("dl", class_="counts").find_all("div")}
    assert counts["listade"] == "8" and counts["tillagda"] == "8" and counts["ogiltiga"] == "1"
    added = doc.find("details", class_="changes")
    assert added.find("summary").text == "Tillagda datamängder (8)"
    assert "Badplatser" in added.links()
    groups = doc.find_all("li", class_="rule-group")
    assert groups and all(g.find("code").text for g in groups)
    assert any("titel" in g.find("h3").text.lower() for g in groups)
    # the source page lists the job, newest first
    row = page(client.get(f"/console/sources/{source_id}")).find("tbody").find("tr")
    assert row.links() == {f"Körning {job_id}": f"/console/jobs/{job_id}"}


def test_a_large_jobs_page_lists_the_first_changes_and_links_the_whole_report(console: Console) -> None:
    """A first harvest of thousands: the page lists the first SHOWN of each list (and of a problem
    group's records) with the totals, and links the JSON report that lists them all."""
    shown = jobs.SHOWN
    turtle = ["@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> ."]
    for n in range(shown + 30):
        turtle.append(f'<https://big.example.se/d/{n}> a dcat:Dataset ; dct:title "Mätning {n}"@sv ; '
                      f'dct:description "Mätvärden från station {n}."@sv ; '
                      f'dct:publisher <https://big.example.se/org> .')
    for n in range(shown + 5):  # no title: stored, and one problem group of shown + 5 records
        turtle.append(f'<https://big.example.se/x/{n}> a dcat:Dataset ; dct:description "Utan titel {n}."@sv ; '
                      f'dct:publisher <https://big.example.se/org> .')
    source = register_source(console.engine, console.settings, name="stor", kind="dcat",
                             url=console.server.set("dcat/big.ttl", "\n".join(turtle)),
                             organisation_id=console.orgs["uppsala"])
    job = harvest_source(engine=console.engine, source=source, settings=console.settings)
    total = 2 * shown + 35
    assert job.status == "succeeded" and job.added == total and job.id is not None
    client = signed_in(console, "uppsala")
    doc = page(client.get(f"/console/jobs/{job.id}"))
    added = doc.find("details", class_="changes")
    assert added.find("summary").text == f"Tillagda datamängder ({total})"
    assert len(added.find("ul").find_all("li")) == shown
    assert added.find("p", class_="more").text.startswith(f"De första {shown} av {total} visas här.")
    whole_report = {"Körningens rapport i JSON listar alla": f"/api/jobs/{job.id}"}
    assert added.find("p", class_="more").links() == whole_report
    [title_group] = [g for g in doc.find_all("li", class_="rule-group") if "titel" in g.find("h3").text.lower()]
    assert title_group.find("summary").text == f"Visa de {shown + 5} posterna"
    assert len(title_group.find("ul", class_="rule-records").find_all("li")) == shown
    assert title_group.find("p", class_="more").links() == whole_report
    whole = client.get(f"/api/jobs/{job.id}").json()
    assert len(whole["changes"]["added"]) == total
    assert [len(g["records"]) for g in whole["problems"] if g["rule"] == "dataset-title"] == [shown + 5]


def test_a_job_whose_report_was_removed_says_so_and_keeps_its_counts(console: Console) -> None:
    source_id = console.source("uppsala-data", "uppsala", harvest=True)
    from catalog.services.sources import get_source

    keep_one = console.settings.model_copy(update={"job_reports_kept": 1})
    harvest_source(engine=console.engine, source=get_source(console.engine, source_id), settings=keep_one)
    with console.engine.connect() as conn:
        first = conn.execute(select(func.min(JOB.c.id)).where(JOB.c.source_id == source_id)).scalar()
    client = signed_in(console, "uppsala")
    doc = page(client.get(f"/console/jobs/{first}"))
    assert doc.find("p", class_="notice").text.startswith("Körningens ändringar och problem togs bort ")
    counts = {d.find("dt").text: d.find("dd").text for d in doc.find("dl", class_="counts").find_all("div")}
    assert counts["tillagda"] == "8"
    assert doc.find_all("details", class_="changes") == []
    assert "Ingenting ändrades" not in doc.text and "Inga problem" not in doc.text  # the lists are gone, not empty


def test_a_live_job_page_says_to_reload_and_loads_the_follow_script(console: Console) -> None:
    source_id = console.source("uppsala-data", "uppsala")
    from harvester.job_lifecycle import claim

    job = claim(console.engine, source_id, trigger="manual", dead_after=120, status="running")
    client = signed_in(console, "uppsala")
    doc = page(client.get(f"/console/jobs/{job.id}"))
    status = doc.find("div", class_="job-status")
    assert status.get("data-live-job") == str(job.id)
    assert status.links() == {"Ladda om sidan": f"/console/jobs/{job.id}"}
    assert any((s.get("src") or "").startswith("/static/console.js") for s in doc.find_all("script"))
    # a harvest asked for meanwhile follows the run already going on
    resp = submit(client, f"/console/sources/{source_id}", f"/console/sources/{source_id}/harvest")
    assert resp.headers["location"] == f"/console/jobs/{job.id}?notice=in-progress"


# -- held runs --------------------------------------------------------------------------------------


def test_confirm_a_held_run_from_the_console(console: Console) -> None:
    job_id = console.held_job("uppsala-held", "uppsala")
    source_id = jobs.get_job(console.engine, job_id)["source_id"]
    client = signed_in(console, "uppsala")
    doc = page(client.get(f"/console/jobs/{job_id}"))
    decision = doc.find("section", class_="decision")
    assert "6 datamängder" in decision.text
    held = [d for d in doc.find_all("details", class_="changes") if "Hållna" in d.find("summary").text]
    assert held and held[0].find("summary").text == "Hållna, inte tillbakadragna (6)"
    assert statuses(console.engine, source_id) == {"active": 8}
    resp = client.post(f"/console/jobs/{job_id}/confirm", data=form_fields(doc, f"/console/jobs/{job_id}/confirm"),
                       follow_redirects=False)
    assert resp.status_code == 303
    assert statuses(console.engine, source_id) == {"active": 2, "withdrawn": 6}
    after = page(client.get(resp.headers["location"]))
    assert "De hållna tillbakadragningarna är bekräftade" in after.text
    assert "Bekräftat av Uppsala kommun (dk_" in after.find("section", class_="decision").text
    assert not after.find_all("form", action=f"/console/jobs/{job_id}/confirm")
    [entry] = [e for e in audit.list_audit(console.engine) if e["action"] == "job.confirm"]
    assert entry["actor"].startswith("Uppsala kommun (dk_") and entry["details"]["withdrawn"] == 6


def test_reject_a_held_run_from_the_console_withdraws_nothing(console: Console) -> None:
    job_id = console.held_job("uppsala-held", "uppsala")
    source_id = jobs.get_job(console.engine, job_id)["source_id"]
    client = signed_in(console, "uppsala")
    resp = submit(client, f"/console/jobs/{job_id}", f"/console/jobs/{job_id}/reject")
    assert resp.status_code == 303
    assert statuses(console.engine, source_id) == {"active": 8}
    assert jobs.get_job(console.engine, job_id)["decision"]["decision"] == "rejected"
    assert [e["action"] for e in audit.list_audit(console.engine) if e["action"].startswith("job.")] == ["job.reject"]


def test_confirming_after_a_newer_run_shows_why_and_changes_nothing(console: Console) -> None:
    job_id = console.held_job("uppsala-held", "uppsala")
    source_id = jobs.get_job(console.engine, job_id)["source_id"]
    client = signed_in(console, "uppsala")
    doc = page(client.get(f"/console/jobs/{job_id}"))
    from catalog.services.sources import get_source

    harvest_source(engine=console.engine, source=get_source(console.engine, source_id), settings=console.settings)
    resp = client.post(f"/console/jobs/{job_id}/confirm", data=form_fields(doc, f"/console/jobs/{job_id}/confirm"),
                       follow_redirects=False)
    assert resp.status_code == 409
    assert "start a new harvest" in page(resp).find("div", role="alert").text
    assert statuses(console.engine, source_id) == {"active": 8}


# -- quality ----------------------------------------------------------------------------------------


def test_the_quality_report_lists_the_datasets_failing_each_rule(console: Console) -> None:
    console.source("uppsala-data", "uppsala", harvest=True)
    client = signed_in(console, "uppsala")
    doc = page(client.get("/console/quality"))
    assert doc.find("h1").text == "Kvalitetsrapport"
    counts = {d.find("dt").text: d.find("dd").text for d in doc.find("dl", class_="counts").find_all("div")}
    assert counts["datamängder"] == "8" and counts["ogiltiga"] == "1"
    groups = doc.find_all("li", class_="rule-group")
    assert groups
    with console.engine.connect() as conn:
        untitled = conn.execute(select(DS.c.id).where(DS.c.uri.like("%utan-titel"))).scalar_one()
    title_group = next(g for g in groups if "titel" in g.find("h3").text.lower())
    assert f"/datasets/{untitled}" in title_group.links().values()
    assert "1 datamängd" in title_group.find("p", class_="rule-meta").text
    english = page(client.get("/console/quality?lang=en"))
    assert english.find("html").get("lang") == "en"
    assert any("title" in g.find("h3").text.lower() for g in english.find_all("li", class_="rule-group"))


# -- CSRF -------------------------------------------------------------------------------------------


def test_forms_without_the_csrf_token_are_refused(console: Console) -> None:
    source_id = console.source("uppsala-data", "uppsala")
    job_id = console.held_job("uppsala-held", "uppsala")
    stranger = console.browser()
    resp = stranger.post("/console/sign-in", data={"token": console.tokens["uppsala"]}, follow_redirects=False)
    assert resp.status_code == 403 and SESSION_COOKIE not in resp.headers.get("set-cookie", "")
    assert count(console.engine, SESSION) == 0
    client = signed_in(console, "uppsala")
    jobs_before = count(console.engine, JOB)
    for action in (f"/console/sources/{source_id}/harvest", f"/console/jobs/{job_id}/confirm",
                   f"/console/jobs/{job_id}/reject", "/console/sign-out"):
        for data in ({}, {"csrf_token": "x" * 43}):
            assert client.post(action, data=data, follow_redirects=False).status_code == 403, (action, data)
    url = console.server.set("dcat/csrf.ttl", CATALOG_TTL)
    assert client.post("/console/sources", data={"name": "csrf", "url": url}).status_code == 403
    assert count(console.engine, JOB) == jobs_before
    assert count(console.engine, SRC, SRC.c.name == "csrf") == 0
    assert jobs.get_job(console.engine, job_id)["decision"] is None
    assert count(console.engine, SESSION) == 1  # the sign-out was refused too


# -- texts ------------------------------------------------------------------------------------------


def test_every_console_text_has_a_swedish_translation() -> None:
    found = {msg[2] if isinstance(msg[2], str) else msg[2][0]
             for msg in extract_from_dir(str(TEMPLATES), method_map=[("**.html", "jinja2")],
                                         keywords={"_": None, "ngettext": (1, 2)})}
    assert len(found) > 100
    catalogue = i18n.translations("sv")._catalog  # type: ignore[attr-defined]
    translated = {key if isinstance(key, str) else key[0] for key in catalogue}
    assert sorted(found - translated) == []


def test_an_uploaded_mapping_file_is_previewed_then_saved_with_the_source(console: Console) -> None:
    from catalog.store.tables import MAPPING
    from tests.harvester.test_jsonapi_adapter import serve_lund

    url = serve_lund(console.server)
    profile = (FIXTURES / "jsonapi" / "lund.toml").read_bytes()
    client = signed_in(console, "uppsala")
    doc = page(client.get("/console/sources/new"))
    fields = {**form_fields(doc, "/console/sources/preview"), "name": "lund", "kind": "jsonapi", "url": url}
    resp = client.post("/console/sources/preview", data=fields,
                       files={"mapping_file": ("lund.toml", profile, "application/toml")})
    assert resp.status_code == 200, resp.text[:2000]
    doc = page(resp)
    counts = {d.find("dt").text: d.find("dd").text
              for d in doc.find("section", class_="preview").find("dl", class_="counts").find_all("div")}
    assert int(counts["datamängder"]) > 0  # mapped with the uploaded profile
    assert count(console.engine, SRC) == 0 and count(console.engine, MAPPING) == 0  # a preview stores nothing
    saved = client.post("/console/sources", data=form_fields(doc, "/console/sources"), follow_redirects=False)
    assert saved.status_code == 303, saved.text[:2000]
    assert count(console.engine, SRC) == 1 and count(console.engine, MAPPING) == 1


def test_a_broken_uploaded_mapping_file_is_refused_at_its_field(console: Console) -> None:
    client = signed_in(console, "uppsala")
    doc = page(client.get("/console/sources/new"))
    fields = {**form_fields(doc, "/console/sources/preview"), "name": "lund", "kind": "jsonapi",
              "url": console.server.url("lund/x")}
    resp = client.post("/console/sources/preview", data=fields,
                       files={"mapping_file": ("bad.toml", b'name = "x"\nno_such_key = 1\n', "application/toml")})
    assert resp.status_code == 422
    error = page(resp).find("p", id="mapping_profile-error")
    assert error is not None and "no_such_key" in error.text
    assert count(console.engine, SRC) == 0
