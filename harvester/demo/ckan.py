"""The demo's CKAN portal: the action API a CKAN 2.10 site answers under ``/ckan/api/3/action/``.

Packages come from ``config/demo/ckan/packages.json``; packages and resources carry a ``uri`` (as
on ckanext-dcat portals) so that datasets and distributions keep their ids whatever port the demo
server runs on. Like CKAN for an anonymous user, private and deleted packages are never listed;
package_search pages with rows/start and sorts by the fields CKAN harvesters ask for.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

PREFIX = "/ckan/api/3/action/"
PREFIXES = (PREFIX, "/ckan/api/action/")  # CKAN answers both; ckanapi uses the unversioned one
MAX_ROWS = 1000
SORTABLE = {"metadata_created", "metadata_modified", "name", "id", "title"}


def _answer(status: int, payload: dict[str, Any]) -> tuple[int, str, bytes]:
    return status, "application/json;charset=utf-8", json.dumps(payload, ensure_ascii=False).encode()


def _ok(action: str, result: Any) -> tuple[int, str, bytes]:
    return _answer(200, {"help": f"{PREFIX}help_show?name={action}", "success": True, "result": result})


def _error(status: int, kind: str, message: str) -> tuple[int, str, bytes]:
    return _answer(status, {"help": "", "success": False, "error": {"__type": kind, "message": message}})


def _public(root: Path) -> list[dict[str, Any]]:
    with open(root / "ckan" / "packages.json", encoding="utf-8") as fh:
        packages: list[dict[str, Any]] = json.load(fh)
    return [p for p in packages if not p.get("private") and p.get("state") == "active"]


def _sorted(packages: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    # applied last key first, so the first sort field decides
    for clause in reversed([c.split() for c in sort.split(",") if c.strip()]):
        field, order = clause[0], (clause[1] if len(clause) > 1 else "asc")
        if field in SORTABLE:
            packages = sorted(packages, key=lambda p: str(p.get(field) or ""), reverse=order == "desc")
    return packages


def _int(query: dict[str, list[str]], name: str, default: int) -> int:
    raw = (query.get(name) or [str(default)])[0]
    value = int(raw)
    if value < 0:
        raise ValueError(name)
    return value


def _search(query: dict[str, list[str]], root: Path) -> tuple[int, str, bytes]:
    try:
        rows = min(_int(query, "rows", 10), MAX_ROWS)
        start = _int(query, "start", 0)
    except ValueError:
        return _error(409, "Validation Error", "rows and start must be non-negative integers")
    packages = _public(root)
    text = (query.get("q") or [""])[0].strip().lower()
    if text and text != "*:*":
        packages = [p for p in packages if text in " ".join(
            [p.get("title") or "", p.get("notes") or "", *(t["name"] for t in p.get("tags") or [])]).lower()]
    sort = (query.get("sort") or ["score desc, metadata_modified desc"])[0]
    packages = _sorted(packages, sort)
    return _ok("package_search", {"count": len(packages), "sort": sort, "facets": {}, "search_facets": {},
                                  "results": packages[start : start + rows]})


def handle(path: str, query: dict[str, list[str]], root: Path) -> tuple[int, str, bytes] | None:
    """Answer /ckan/api/3/action/{package_search,package_show,package_list,status_show}."""
    prefix = next((p for p in PREFIXES if path.startswith(p)), None)
    if prefix is None:
        return None
    action = path[len(prefix) :].strip("/")
    if action == "package_search":
        return _search(query, root)
    if action == "package_show":
        ref = (query.get("id") or [""])[0]
        for package in _public(root):
            if ref in (package.get("id"), package.get("name")):
                return _ok(action, package)
        return _error(404, "Not Found Error", "Not found")
    if action == "package_list":
        return _ok(action, sorted(p["name"] for p in _public(root)))
    if action == "status_show":
        return _ok(action, {"ckan_version": "2.10.4", "site_title": "Kommunportalen (demo)",
                            "site_description": "En CKAN-portal med kommunala öppna data", "extensions": []})
    return _error(400, "Bad Request", f"Action name not known: {action}")
