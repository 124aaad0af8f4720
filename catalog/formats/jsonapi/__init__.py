"""Mapping profiles: TOML files that say, without Python, how a JSON API becomes DCAT-AP-SE records.

A profile names the paging style, where the records are (JMESPath), and how every field is built
(paths, constants, templates, value maps, language tags); ``config/mappings/README.md`` documents
every key. The flow: :mod:`.loading` finds the file (or takes an uploaded profile's text),
:mod:`.schema` validates it into a :class:`Profile` (refusing a broken one with the key path),
:mod:`.builder` applies it to JSON records, with the JMESPath helpers of :mod:`.jmes`.
"""

from catalog.formats.jsonapi.builder import CollectionTally, collection_dataset, map_record, record_id
from catalog.formats.jsonapi.jmes import BadRecord, Expr, Template
from catalog.formats.jsonapi.loading import (
    MAX_PROFILE_BYTES,
    bundled_profiles,
    load_profile,
    profile_from_text,
    resolve,
)
from catalog.formats.jsonapi.schema import Collection, Paging, Profile, Records, parse_profile, profile_keys

__all__ = [
    "MAX_PROFILE_BYTES", "BadRecord", "Collection", "CollectionTally", "Expr", "Paging", "Profile", "Records",
    "Template", "bundled_profiles", "collection_dataset", "load_profile", "map_record", "parse_profile",
    "profile_from_text", "profile_keys", "record_id", "resolve",
]
