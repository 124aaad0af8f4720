"""Writing CKAN: normalised records in CKAN's package, resource and organization shapes (action API v3).

Pure: a record and what the store knows of it in, plain dicts out; the CKAN action use cases
(:mod:`catalog.services.ckan`) read the rows and answer the actions. Field mapping: ``organization`` =
the publisher's stable id, ``tags`` = keywords, ``res_format`` = the EU file-type code (``CSV``),
``license_id`` = the SPDX-style licence id (``CC-BY-4.0``), ``groups`` = the lower-cased EU
data-theme code (``tran``). ``metadata_created`` / ``metadata_modified`` are when datakatalog first
stored and last changed the record; the dataset's own ``dct:issued`` and ``dct:modified`` are in
``extras``, beside the extras ckanext-dcat uses (``version``, ``frequency``, ``language``,
``conforms_to``, ``hvd_category``, ``applicable_legislation``, ``temporal_start``/``_end``,
``contact_name``/``_email``; lists as JSON lists). A withdrawn dataset is ``state: deleted``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

import orjson

from catalog import vocab
from catalog.normalise import iso
from catalog.records import DatasetRecord, Distribution, display_text


class StoredRow(Protocol):
    """What the package shape needs of a stored dataset's row."""

    id: str
    title: str | None
    status: str
    publisher_id: str | None
    first_seen_at: datetime | None
    updated_at: datetime | None


def organization(pub_id: str, name: str | None, count: int | None = None, uri: str | None = None) -> dict[str, Any]:
    """A publisher in CKAN's organization shape (``package_count`` when counted)."""
    org = {"id": pub_id, "name": pub_id, "title": name or pub_id, "display_name": name or pub_id,
           "type": "organization", "is_organization": True, "state": "active", "approval_status": "approved",
           "description": "", "image_url": "", "uri": uri}
    if count is not None:
        org["package_count"] = count
    return org


def group(theme: str) -> dict[str, Any]:
    """An EU data theme (IRI or code) in CKAN's group shape."""
    code = vocab.theme_code(theme) or theme
    label = vocab.themes().label(code)
    return {"id": code.lower(), "name": code.lower(), "title": label, "display_name": label}


def resource(dist: Distribution, pos: int, package_id: str, rec: DatasetRecord) -> dict[str, Any]:
    """A distribution in CKAN's resource shape (its licence, failing its own, the dataset's)."""
    url = (dist.download_urls or dist.access_urls or [""])[0]
    dist_lic = vocab.licence_code(dist.license or rec.license) if (dist.license or rec.license) else None
    return {
        "id": dist.id, "package_id": package_id, "position": pos, "url": url,
        "format": dist.format or dist.format_raw or "", "mimetype": dist.media_type,
        "name": display_text(dist.title) or (f"{dist.format} ({pos + 1})" if dist.format else f"Resurs {pos + 1}"),
        "description": display_text(dist.description) or "", "license": dist_lic,
        "access_url": dist.access_urls[0] if dist.access_urls else None,
        "download_url": dist.download_urls[0] if dist.download_urls else None,
        "created": dist.issued, "last_modified": dist.modified, "state": "active", "uri": dist.uri,
    }


def endpoint_resource(url: str, n: int, pos: int, package_id: str, rec: DatasetRecord) -> dict[str, Any]:
    """A data service's endpoint as a resource (CKAN has no services: clients find an API by its
    resources), described by the service's endpoint description or documentation when it has one."""
    about = [*rec.endpoint_descriptions, *rec.documentation]
    lic = vocab.licence_code(rec.license) if rec.license else None
    return {
        "id": f"{package_id}-endpoint-{n}", "package_id": package_id, "position": pos, "url": url,
        "format": "API", "mimetype": None, "resource_type": "api",
        "name": f"API-ändpunkt {n + 1}" if len(rec.endpoint_urls) > 1 else "API-ändpunkt",
        "description": f"Dokumentation: {about[0]}" if about else "", "license": lic,
        "access_url": url, "download_url": None, "created": rec.issued, "last_modified": rec.modified,
        "state": "active", "uri": None,
    }


def _json_list(values: list[str]) -> str | None:
    return orjson.dumps(values).decode() if values else None


def package(rec: DatasetRecord, row: StoredRow, base_url: str, *, publisher_name: str | None,
            source_name: str | None) -> dict[str, Any]:
    """One dataset in CKAN's package shape; a data service's endpoints follow its distributions as
    resources of ``format`` API."""
    licences = rec.licenses()
    lic_code = vocab.licence_code(licences[0]) if licences else None
    known = vocab.licence(lic_code) if lic_code else None
    tags = [{"name": k, "display_name": k, "state": "active"} for k in rec.all_keywords()]
    resources = [resource(dist, pos, row.id, rec) for pos, dist in enumerate(rec.distributions)]
    known_urls = {r["url"] for r in resources}
    for n, url in enumerate(rec.endpoint_urls):
        if url not in known_urls:
            resources.append(endpoint_resource(url, n, len(resources), row.id, rec))
    contact = rec.contact_points[0] if rec.contact_points else None
    extras = [{"key": k, "value": v} for k, v in (
        ("uri", rec.uri), ("identifier", rec.identifier), ("issued", rec.issued), ("modified", rec.modified),
        ("access_rights", rec.access_rights), ("source", source_name), ("type", rec.kind),
        ("documentation", " ".join(dict.fromkeys([*rec.documentation, *rec.endpoint_descriptions]))),
        # what ckanext-dcat keeps in extras (lists as JSON lists), so a CKAN harvester reads them back
        ("version", rec.version), ("frequency", rec.frequency),
        ("language", _json_list(rec.languages)), ("conforms_to", _json_list(rec.conforms_to)),
        ("hvd_category", _json_list(rec.hvd_categories)),
        ("applicable_legislation", _json_list(rec.applicable_legislation)),
        ("temporal_start", rec.temporal[0].get("start") if rec.temporal else None),
        ("temporal_end", rec.temporal[0].get("end") if rec.temporal else None),
        ("contact_name", contact.name if contact else None),
        ("contact_email", (contact.email or "").removeprefix("mailto:") if contact else None),
    ) if v]
    return {
        "id": row.id, "name": row.id, "title": row.title or "", "notes": display_text(rec.description) or "",
        "url": rec.landing_pages[0] if rec.landing_pages else "", "type": "dataset", "private": False,
        "state": "deleted" if row.status == "withdrawn" else "active",
        "metadata_created": iso(row.first_seen_at, naive=True), "metadata_modified": iso(row.updated_at, naive=True),
        "license_id": lic_code or "", "license_title": vocab.licence_label(lic_code) if lic_code else "",
        "license_url": known.iri if known else (licences[0] if licences else ""),
        "owner_org": row.publisher_id,
        "organization": organization(row.publisher_id, publisher_name) if row.publisher_id else None,
        "author": publisher_name or "", "maintainer": contact.name if contact else "",
        "maintainer_email": (contact.email or "").removeprefix("mailto:") if contact else "",
        "tags": tags, "num_tags": len(tags), "groups": [group(theme) for theme in rec.themes],
        "resources": resources, "num_resources": len(resources), "extras": extras,
        "datakatalog_url": f"{base_url.rstrip('/')}/api/datasets/{row.id}",
    }
