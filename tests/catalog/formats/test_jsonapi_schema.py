"""The mapping-profile schema: what a valid profile becomes, and how a broken one is refused (the key path
as its author wrote it, and what the value should have been)."""

from __future__ import annotations

import pytest

from catalog.errors import InvalidInput
from catalog.formats.jsonapi import Profile, parse_profile, profile_keys

RECORD = """
[records]
path = "data"
id = "id"
[dataset]
title = "name"
"""

COLLECTIONS = """
mode = "collection"
[paging]
style = "page"
size = 10
[records]
path = "results"
[dataset]
title = { template = "{collection}", lang = "sv" }
license = { value = "CC0-1.0" }
[[collection]]
name = "scener"
records = { id = "sceneId" }
[[collection]]
name = "turer"
url = "api/turer.json"
records = { id = "turId", path = "items" }
paging = { size = 5 }
dataset = { title = { value = "Turnéer" } }
"""


def refused(text: str) -> str:
    with pytest.raises(InvalidInput) as err:
        parse_profile(text, "p.toml")
    message = err.value.message
    assert message.startswith("mapping p.toml: ")
    return message.removeprefix("mapping p.toml: ")


def test_a_minimal_record_profile_and_its_defaults() -> None:
    profile = parse_profile(RECORD, "minimal.toml")
    assert isinstance(profile, Profile)
    assert (profile.name, profile.version, profile.mode, profile.collections) == ("minimal.toml", "1", "record", [])
    assert profile.records is not None and (profile.records.path.text, profile.records.id.text) == ("data", "id")
    assert (profile.paging.style, profile.paging.start, profile.paging.stop) == ("none", 1, "empty")
    assert profile.dataset is not None and profile.dataset.title is not None
    [title] = profile.dataset.title  # a string is a path, and one spec is a list of one
    assert title.path is not None and title.path.text == "name" and title.lang == ""
    assert len(profile.digest) == 16 and profile.digest != parse_profile(RECORD + "\n", "minimal.toml").digest


def test_paging_defaults_follow_the_style() -> None:
    offset = parse_profile('[paging]\nstyle = "offset"\nsize = 50\n' + RECORD)
    assert (offset.paging.start, offset.paging.offset_param, offset.paging.limit_param) == (0, "offset", "limit")
    total = parse_profile('[paging]\nstyle = "page"\nsize = 20\ntotal = "meta.count"\n' + RECORD)
    assert (total.paging.start, total.paging.stop) == (1, "total")
    assert total.paging.total is not None and total.paging.total.text == "meta.count"


def test_collections_start_from_the_shared_tables_and_override_them_key_by_key() -> None:
    profile = parse_profile(COLLECTIONS)
    scener, turer = profile.collections
    assert (scener.url, turer.url) == ("scener", "api/turer.json")
    assert (scener.records.path.text, scener.records.id.text) == ("results", "sceneId")
    assert (turer.records.path.text, turer.records.id.text) == ("items", "turId")
    assert (scener.paging.size, turer.paging.size, turer.paging.style) == (10, 5, "page")
    assert scener.dataset.license is not None and turer.dataset.license is not None  # shared
    assert scener.dataset.title is not None and scener.dataset.title[0].template is not None
    assert turer.dataset.title is not None and turer.dataset.title[0].value == "Turnéer"
    assert profile.records is None  # the shared [records] lives only in each collection


def test_maps_by_name_or_inline_are_looked_up_trimmed_and_case_insensitively() -> None:
    profile = parse_profile(RECORD + """themes = [
    { path = "tema", map = "teman" }, { path = "x", map = { " Ja " = true } },
]
[maps.teman]
" Miljö " = "ENVI"
Trafik = "TRAN"
""")
    assert profile.maps == {"teman": {"miljö": "ENVI", "trafik": "TRAN"}}
    assert profile.dataset is not None and profile.dataset.themes is not None
    named, inline = profile.dataset.themes
    assert named.map == {"miljö": "ENVI", "trafik": "TRAN"} and inline.map == {"ja": "true"}


def test_every_key_of_every_table_is_known_to_the_documentation_check() -> None:
    keys = profile_keys()
    assert {"maps", "mode", "collection", "newest", "style", "total", "each", "distribution", "publisher",
            "contact", "path", "template", "value", "map", "lang", "default", "split", "endpoint_url"} <= keys
    assert {"next", "page", "offset", "none", "empty", "short", "record"} <= keys  # the words keys take
    assert "expected" not in keys and "digest" not in keys


@pytest.mark.parametrize(("text", "message"), [
    ("[records\n", "not valid TOML"),
    ('[paging]\nsise = 4\n' + RECORD, "paging.sise: unknown key (known: style, next, page_param, size_param, size, "
                                      "start, offset_param, limit_param, stop, total)"),
    ('[paging]\nstyle = "cursor"\n' + RECORD, "paging.style: one of next, page, offset, none, not 'cursor'"),
    ('[paging]\nstyle = "offset"\n' + RECORD, 'paging.size: style "offset" needs a page size'),
    ('[paging]\nstyle = "next"\n' + RECORD, "paging.next: style \"next\" needs the path to the next page's URL"),
    ('[paging]\nstyle = "page"\nstop = "total"\nsize = 5\n' + RECORD,
     'paging.total: stop = "total" needs the path to the total count'),
    ('[paging]\nsize = 0\n' + RECORD, "paging.size: a positive whole number"),
    ('[paging]\nsize = true\n' + RECORD, "paging.size: a positive whole number"),
    ('[paging]\npage_param = ""\n' + RECORD, "paging.page_param: a query parameter name"),
    ("version = 1.5\n" + RECORD, "version: text or a number"),
    ('mode = "tabell"\n' + RECORD, "mode: one of record, collection, not 'tabell'"),
    ("[dataset]\ntitle = 'x'\n", 'records: required when mode = "record"'),
    (RECORD.replace('title = "name"', 'description = "d"'), "dataset.title: required (every dataset needs a title)"),
    (RECORD.replace('id = "id"', ""), "records.id: required (where the records are, and each record's id)"),
    (RECORD.replace('id = "id"', 'idd = "id"'), "records.idd: unknown key (known: path, id)"),
    (RECORD.replace('path = "data"', 'path = "data.["'), "records.path: bad JMESPath expression 'data.['"),
    (RECORD.replace('id = "id"', 'id = "snake(id)"'), "records.id: unknown JMESPath function snake() in 'snake(id)'"),
    (RECORD.replace('title = "name"', 'title = ["name", { path = "x[" }]'), "dataset.title[1].path: bad JMESPath"),
    (RECORD.replace('title = "name"', 'title = "x["'), "dataset.title: bad JMESPath"),
    (RECORD.replace('title = "name"', 'title = []'), "dataset.title: an empty list"),
    (RECORD.replace('title = "name"', 'title = 5'),
     "dataset.title: a field is a JMESPath string or a table with path, template or value"),
    (RECORD.replace('title = "name"', 'title = { path = "a", value = "b" }'),
     "dataset.title: give exactly one of path, template or value"),
    (RECORD.replace('title = "name"', 'title = { template = "{a" }'), "dataset.title.template: unbalanced braces"),
    (RECORD.replace('title = "name"', 'title = { template = "{a[}" }'),
     "dataset.title.template (placeholder {a[}): bad JMESPath expression"),
    (RECORD.replace('title = "name"', 'title = { path = "a", lang = "svenska" }'),
     'dataset.title.lang: a language tag such as "sv" or "en"'),
    (RECORD.replace('title = "name"', 'title = { path = "a", map = "teman" }'),
     "dataset.title.map: no map named 'teman' in [maps]"),
    (RECORD.replace('title = "name"', 'title = { path = "a", split = "" }'),
     "dataset.title.split: a non-empty separator string"),
    (RECORD.replace('title = "name"', 'title = { value = ["a"] }'), "dataset.title.value: text, a number or a boolean"),
    (RECORD + "[dataset.utgivare]\nname = 'x'\n", "dataset.utgivare: unknown key (known: uri, identifier, title"),
    (RECORD + "[[dataset.distribution]]\nformat = 'a'\n[[dataset.distribution]]\nsize = 1\n",
     "dataset.distribution[1].size: unknown key"),
    (RECORD + "[maps.teman]\nmiljo = ['ENVI']\n", "maps.teman.miljo: the value must be text"),
    (RECORD + "[service]\ntitle = 'x'\nendpoint_url = 'u'\n", "service.uri: required (the data service needs it)"),
    (RECORD + "[[collection]]\nname = 'x'\n", 'collection: only when mode = "collection"'),
    (COLLECTIONS + "[service]\nuri = 'x'\n", 'service: only when mode = "record"'),
    (COLLECTIONS.replace('name = "turer"', 'name = "scener"'), "collection[1].name: 'scener' is used twice"),
    (COLLECTIONS.replace('name = "turer"', 'namn = "turer"'), "collection[1].namn: unknown key (known: name, url, "
                                                              "newest, records, paging, dataset)"),
    (COLLECTIONS.replace('records = { id = "sceneId" }', ""),
     "collection[0].records.id: required (where the records are, and each record's id)"),
    (COLLECTIONS.replace('paging = { size = 5 }', 'paging = { size = -5 }'), "collection[1].paging.size: a positive"),
    (COLLECTIONS.replace('[records]\npath = "results"', '[records]\npath = "results"\nrot = 1'),
     "records.rot: unknown key (known: path, id)"),
    (COLLECTIONS.replace('title = { template = "{collection}", lang = "sv" }', ""),
     "collection[0].dataset.title: required (every dataset needs a title)"),
    ('mode = "collection"\n' + RECORD, 'collection: mode = "collection" needs at least one [[collection]]'),
])
def test_a_broken_profile_is_refused_naming_the_key_path(text: str, message: str) -> None:
    assert message in refused(text)
