"""The peer's side of benchmarks/peer.py: ckanext-dcat parses and maps DCAT pages into CKAN dataset dicts.

Runs under the PEER's interpreter (a venv with CKAN and ckanext-dcat, see benchmarks/peer.py), never the
project's: it imports nothing from datakatalog.

    .peer/bin/python benchmarks/peer_ckan.py [--profiles "euro_dcat_ap_3"] PAGE.ttl [PAGE.ttl ...]

For each page, in order, it does what ckanext-dcat's RDF harvester (``DCATRDFHarvester.gather_stage``)
does with a downloaded page before anything is stored: a new ``RDFParser()`` (the profiles of the
``ckanext.dcat.rdf.profiles`` setting, ckanext-dcat 2.x's default ``euro_dcat_ap_3`` when unset, as the
harvester passes none), ``parser.parse(content, _format="turtle")``, every dict of
``parser.datasets()`` (each profile's ``parse_dataset``), and ``parser.next_page()``.

Counted (``seconds``, and its CPU time ``cpu_seconds``): parse + map + next_page. Measured but not
counted: reading and decoding the file (``read_seconds``; the harvester's HTTP download), and
``json.dumps`` of each dict (``json_seconds``; the harvester stores that as each harvest object's
content). Not done at all: the rest of gather (a unique ``name`` per dataset, guid, HarvestObject rows)
and the import stage (``package_create``: validation, the database, the Solr index).

Configuration: what a CKAN site has when its ini sets only the one required option, ``ckan.site_url``:
that plus the declared defaults of CKAN core and of the ``dcat`` plugin (``Declaration.make_safe`` and
``normalize``, as CKAN's own start-up applies them; e.g. ``ckan.locale_default = en``,
``ckanext.dcat.normalize_ckan_format = true``). No database, Solr or Flask app is needed for parsing.

Prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any


def configure() -> None:
    """The least a CKAN site has: ``ckan.site_url`` and the declared defaults (core and ckanext-dcat)."""
    from ckan.config.declaration import Declaration
    from ckantoolkit import config

    config.update({"ckan.site_url": "http://localhost:5000"})
    declaration = Declaration()
    declaration.load_core_declaration()
    declaration.load_plugin("dcat")
    declaration.make_safe(config)
    declaration.normalize(config)


def run(paths: list[Path], profiles: list[str] | None) -> dict[str, Any]:
    from ckanext.dcat.processors import RDFParser

    datasets = 0
    parse_s = map_s = read_s = json_s = cpu_s = 0.0
    next_pages: list[str | None] = []
    used_profiles: list[str] = []
    for path in paths:
        t0 = time.perf_counter()
        content = path.read_text(encoding="utf-8")
        t1 = time.perf_counter()
        c1 = time.process_time()
        parser = RDFParser(profiles=profiles)  # the harvester makes a new parser for each page
        parser.parse(content, _format="turtle")
        t2 = time.perf_counter()
        page = list(parser.datasets())
        t3 = time.perf_counter()
        next_pages.append(parser.next_page())
        t4 = time.perf_counter()
        cpu_s += time.process_time() - c1
        for dataset in page:
            json.dumps(dataset)
        t5 = time.perf_counter()
        read_s += t1 - t0
        parse_s += t2 - t1
        map_s += (t3 - t2) + (t4 - t3)
        json_s += t5 - t4
        datasets += len(page)
        used_profiles = [profile.name for profile in parser._profiles]
        del parser, page, content
    # every page but the last names the next one: the paging the harvester would follow was read
    paging_ok = all(nxt for nxt in next_pages[:-1]) and not next_pages[-1]
    return {
        "datasets": datasets,
        "pages": len(paths),
        "seconds": parse_s + map_s,
        "cpu_seconds": cpu_s,
        "parse_seconds": parse_s,
        "map_seconds": map_s,
        "read_seconds": read_s,
        "json_seconds": json_s,
        "paging_ok": paging_ok,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "profiles": used_profiles,
        "gc_enabled": gc.isenabled(),
        "python": sys.version.split()[0],
        "ckan": version("ckan"),
        "ckanext-dcat": version("ckanext-dcat"),
        "rdflib": version("rdflib"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="+", type=Path, help="Turtle files, in paging order")
    parser.add_argument("--profiles", default=None,
                        help="space-separated ckanext-dcat profiles (default: the setting's, euro_dcat_ap_3)")
    args = parser.parse_args()
    configure()
    print(json.dumps(run(args.pages, args.profiles.split() if args.profiles else None)))


if __name__ == "__main__":
    main()
