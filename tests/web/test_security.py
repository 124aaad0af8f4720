"""Security of the pages: the Content-Security-Policy (no 'unsafe-inline') and the other headers,
templates without inline script or style, autoescaping, CSRF, cached static files, offline /docs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.requests import Request

from api.web import render, security
from catalog.errors import Forbidden
from tests.web.dom import parse

WEB = Path(render.__file__).parent
HTML = {"Accept": "text/html"}


@pytest.fixture
def harvested(http_server, add_source, harvest):
    add_source("fx", http_server.url("dcat/catalog.ttl"))
    assert harvest("fx").status == "succeeded"


def page_urls(client) -> list[str]:
    items = client.get("/api/datasets", params={"per_page": 50}).json()["items"]
    publisher = next(i["publisher"]["id"] for i in items if i["publisher"])
    return ["/", "/?lang=en", "/datasets", "/datasets?q=bad&theme=ENVI", "/datasets?q=zzzz",
            f"/datasets/{items[0]['id']}", "/datasets/no-such-id", "/publishers", f"/publishers/{publisher}",
            "/no/such/page", "/docs", "/redoc"]


def directives(policy: str) -> dict[str, list[str]]:
    out = {}
    for part in policy.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def test_every_page_has_a_csp_without_unsafe_inline_and_the_other_headers(client, harvested):
    for url in page_urls(client):
        resp = client.get(url, headers=HTML)
        assert resp.headers["content-type"].startswith("text/html"), url
        policy = resp.headers["content-security-policy"]
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, (url, policy)
        parsed = directives(policy)
        assert parsed["default-src"] == ["'self'"] and parsed["object-src"] == ["'none'"], url
        assert parsed["script-src"] == ["'self'"], url
        assert parsed["frame-ancestors"] == ["'none'"] and parsed["form-action"] == ["'self'"], url
        assert resp.headers["x-content-type-options"] == "nosniff", url
        assert resp.headers["referrer-policy"] == "same-origin", url


def test_pages_other_than_redoc_allow_styles_only_from_the_site(client, harvested):
    for url in page_urls(client):
        parsed = directives(client.get(url, headers=HTML).headers["content-security-policy"])
        if url == "/redoc":
            # ReDoc's runtime styles carry this response's nonce
            assert parsed["style-src"][0] == "'self'" and parsed["style-src"][1].startswith("'nonce-")
        else:
            assert parsed["style-src"] == ["'self'"], url


def test_redoc_nonce_is_new_for_each_response_and_handed_to_redoc(client):
    first, second = client.get("/redoc"), client.get("/redoc")
    nonces = [directives(r.headers["content-security-policy"])["style-src"][1] for r in (first, second)]
    assert nonces[0] != nonces[1]
    container = parse(first.text).find("div", id="redoc")
    assert f"'nonce-{container.get('data-nonce')}'" == nonces[0]


def test_json_responses_do_not_get_the_page_policy(client):
    resp = client.get("/api/datasets")
    assert "content-security-policy" not in resp.headers
    assert resp.headers["x-content-type-options"] == "nosniff"


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an event-handler attribute"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def test_no_template_has_inline_script_or_style():
    templates = sorted((WEB / "templates").rglob("*.html"))
    assert len(templates) >= 10
    for template in templates:
        source = template.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            match = pattern.search(source)
            assert match is None, f"{template.relative_to(WEB)} has {what}: {match.group(0) if match else ''}"


def test_rendered_pages_have_no_inline_script_or_style(client, harvested):
    for url in page_urls(client):
        doc = parse(client.get(url, headers=HTML).text)
        for script in doc.find_all("script"):
            assert script.get("src") and not script.raw_text().strip(), url
        assert not doc.find_all("style"), url
        assert not [el for el in doc.iter() if "style" in el.attrs], url


def test_user_input_is_escaped(client, harvested):
    attack = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    resp = client.get("/datasets", params={"q": attack, "theme": attack}, headers=HTML)
    assert resp.status_code == 200
    assert "<script>alert(1)" not in resp.text and "<img src=x" not in resp.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in resp.text
    field = parse(resp.text).find("input", name="q")
    assert field.get("value") == attack  # kept intact as the field's value


def test_every_template_is_autoescaped():
    assert render.env.autoescape is not False
    assert str(render.env.from_string("{{ x }}").render(x="<b>")) == "&lt;b&gt;"
    # a file template whatever its name
    assert render.env.get_template("docs/swagger.html").render(
        asset_url=str, static=str, openapi_url="<x>").count("&lt;x&gt;") == 3


def test_a_form_page_sets_an_httponly_samesite_strict_csrf_cookie_matching_its_field(client, harvested):
    item = client.get("/api/datasets", params={"type": "dataset"}).json()["items"][0]
    resp = client.get(f"/datasets/{item['id']}", headers=HTML)
    cookie = next(c for c in resp.headers.get_list("set-cookie") if c.startswith("csrf="))
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    assert "secure" not in cookie.lower()  # BASE_URL is http in the tests
    token = cookie.split(";")[0].split("=", 1)[1]
    field = parse(resp.text).find("input", name="csrf_token")
    assert field.get("value") == token
    # the same browser keeps its token: no new cookie, the same value in the next form
    again = client.get(f"/datasets/{item['id']}", headers=HTML)
    assert not any(c.startswith("csrf=") for c in again.headers.get_list("set-cookie"))
    assert parse(again.text).find("input", name="csrf_token").get("value") == token


def test_csrf_cookie_is_secure_under_an_https_base_url(settings, engine, harvested):
    from api.app import create_app

    secure = settings.model_copy(update={"base_url": "https://data.example.se"})
    with TestClient(create_app(secure, engine), base_url="https://testserver") as c:
        item = c.get("/api/datasets", params={"type": "dataset"}).json()["items"][0]
        resp = c.get(f"/datasets/{item['id']}", headers=HTML)
    cookie = next(x for x in resp.headers.get_list("set-cookie") if x.startswith("csrf="))
    assert "secure" in cookie.lower()


def _request(cookie: str | None) -> Request:
    headers = [(b"cookie", f"csrf={cookie}".encode())] if cookie else []
    app = FastAPI()
    return Request({"type": "http", "method": "POST", "path": "/", "headers": headers, "query_string": b"",
                    "app": app})


def test_check_csrf_accepts_only_the_cookies_token():
    token = "A" * 43
    security.check_csrf(_request(token), token)
    for cookie, sent in [(token, "B" * 43), (token, None), (token, ""), (None, token), ("short", "short")]:
        with pytest.raises(Forbidden):
            security.check_csrf(_request(cookie), sent)


def test_a_failed_csrf_check_answers_a_403_page_to_browsers(settings, engine):
    from api.app import create_app

    app = create_app(settings, engine)

    @app.post("/csrf-probe")
    def probe(request: Request) -> dict[str, bool]:
        security.check_csrf(request, "wrong")
        return {"ok": True}

    with TestClient(app) as c:
        resp = c.post("/csrf-probe", headers=HTML)
        assert resp.status_code == 403 and resp.headers["content-type"].startswith("text/html")
        assert parse(resp.text).find("h1").text == "Inte tillåtet"
        api = c.post("/csrf-probe", headers={"Accept": "application/json"})
        assert api.status_code == 403 and api.headers["content-type"] == "application/problem+json"


def test_static_files_with_their_hash_are_cached_for_a_year(client):
    doc = parse(client.get("/", headers=HTML).text)
    css = doc.find("link", rel="stylesheet").get("href")
    js = doc.find("script").get("src")
    for url in (css, js):
        assert re.fullmatch(r"/static/site\.(css|js)\?v=[0-9a-f]{12}", url), url
        resp = client.get(url)
        assert resp.status_code == 200
        assert resp.headers["cache-control"] == "public, max-age=31536000, immutable"
    # without the hash, or with an old one, the browser revalidates
    assert client.get("/static/site.css").headers["cache-control"] == "no-cache"
    assert client.get("/static/site.css?v=000000000000").headers["cache-control"] == "no-cache"
    assert client.get("/static/nothing.css").status_code == 404


def test_static_url_changes_with_the_files_content():
    digest = render.static_hash("site.css")
    assert render.static("site.css") == f"/static/site.css?v={digest}"
    assert render.static_hash("../render.py") is None  # nothing outside the static folder


@pytest.mark.parametrize("url", ["/docs", "/redoc"])
def test_api_docs_load_only_assets_served_by_the_app(client, url):
    resp = client.get(url)
    assert resp.status_code == 200
    doc = parse(resp.text)
    refs = [el.get("src") for el in doc.find_all("script")] + [el.get("href") for el in doc.find_all("link")]
    assert refs and all(ref and ref.startswith("/") and not ref.startswith("//") for ref in refs), refs
    assert "cdn" not in resp.text.lower()
    for ref in refs:
        asset = client.get(ref)
        assert asset.status_code == 200, ref
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable", ref
    init = next(s.get("src") for s in doc.find_all("script") if "docs-init" in (s.get("src") or ""))
    assert "SwaggerUIBundle" in client.get(init).text and "Redoc.init" in client.get(init).text
    openapi = doc.find("div", data_openapi_url=None).get("data-openapi-url")
    assert client.get(openapi).json()["info"]["title"] == "datakatalog"


def test_docs_assets_are_only_the_known_files(client):
    assert client.get("/docs/assets/swagger-ui-bundle.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/docs/assets/swagger-ui.css").headers["content-type"].startswith("text/css")
    assert client.get("/docs/assets/..%2F__init__.py").status_code == 404
    assert client.get("/docs/assets/core.py").status_code == 404
