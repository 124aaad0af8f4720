"""GET /api/changes: added, updated, restored and withdrawn datasets, oldest first, followed
incrementally with the ``next`` cursor."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.api.test_exports import small_catalog
from tests.conftest import FixtureHTTPServer, serving

BASE = "https://andring.example.se/"
ITEMS = [{"slug": "a", "title": "Alfa"}, {"slug": "b", "title": "Beta"}, {"slug": "c", "title": "Gamma"},
         {"slug": "d", "title": "Delta"}]


@pytest.fixture(scope="module")
def server():
    with serving(FixtureHTTPServer()) as srv:
        yield srv


@pytest.fixture
def source(server, add_source):
    server.routes.clear()
    server.set("cat.ttl", small_catalog(BASE, ITEMS))
    add_source("andring", server.url("cat.ttl"))
    return server


def _feed(client, **params):
    resp = client.get("/api/changes", params=params)
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_feed_lists_additions_then_updates_and_withdrawals_after_the_cursor(client, source, harvest):
    start = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    first = harvest("andring")
    feed = _feed(client, since=start)
    assert sorted(i["title"] for i in feed["items"]) == sorted(t["title"] for t in ITEMS)
    assert {i["change"] for i in feed["items"]} == {"added"}
    assert {i["uri"] for i in feed["items"]} == {f"{BASE}dataset/{t['slug']}" for t in ITEMS}
    assert {i["job_id"] for i in feed["items"]} == {first.id}
    assert all(datetime.fromisoformat(i["time"]) >= datetime.fromisoformat(start) for i in feed["items"])
    assert feed["more"] is False
    # one title changes, one dataset is no longer listed (1 of 4: under the withdrawal limit)
    source.set("cat.ttl", small_catalog(BASE, [{"slug": "a", "title": "Alfa 2"}, ITEMS[1], ITEMS[2]]))
    second = harvest("andring")
    assert second.updated == 1 and second.withdrawn == 1
    later = _feed(client, cursor=feed["next"])
    assert [(i["title"], i["change"], i["job_id"]) for i in later["items"]] == [
        ("Alfa 2", "updated", second.id), ("Delta", "withdrawn", second.id)]
    assert later["items"][1]["dataset_status"] == "withdrawn"
    # the source lists it again: restored
    source.set("cat.ttl", small_catalog(BASE, ITEMS))
    harvest("andring")
    again = _feed(client, cursor=later["next"])
    assert [(i["title"], i["change"]) for i in again["items"]] == [("Alfa", "updated"), ("Delta", "restored")]
    assert _feed(client, cursor=again["next"])["items"] == []


def test_a_client_pages_through_with_limit_and_next(client, source, harvest):
    harvest("andring")
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        feed = _feed(client, limit=3, **({"cursor": cursor} if cursor else {"since": "2000-01-01"}))
        seen += [i["dataset_id"] for i in feed["items"]]
        cursor = feed["next"]
        pages += 1
        assert feed["next_url"] == f"/api/changes?cursor={cursor}&limit=3"
        if not feed["more"]:
            break
    assert pages == 2 and len(seen) == len(set(seen)) == 4


def test_since_in_the_future_gives_nothing_but_a_cursor_to_follow(client, source, harvest, server):
    harvest("andring")
    future = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    feed = _feed(client, since=future)
    assert feed["items"] == [] and feed["next"]
    server.set("cat.ttl", small_catalog(BASE, [*ITEMS, {"slug": "e", "title": "Epsilon"}]))
    harvest("andring")
    assert [(i["title"], i["change"]) for i in _feed(client, cursor=feed["next"])["items"]] == [("Epsilon", "added")]


def test_bad_since_and_cursor_are_refused(client):
    resp = client.get("/api/changes", params={"since": "igår"})
    assert resp.status_code == 422 and "since" in resp.json()["detail"]
    assert client.get("/api/changes", params={"cursor": "x1"}).status_code == 422
    assert client.get("/api/changes", params={"limit": 0}).status_code == 422
