"""Publisher types (ADMS publisher type vocabulary): stated by the source, or inferred from a Swedish
public body's name (issue 14).

DCAT-AP-SE 3.0.1 makes ``dct:type`` mandatory on every agent (one of the eleven ADMS publisher types),
but many sources name their publisher and say nothing of its type. Where the name says it, the type
is inferred: ``… kommun`` and ``… stad`` (Stockholms stad, Göteborgs Stad) are municipalities,
``Region …`` and ``… regionen``/``region`` are regions, ``… myndigheten``/``-verket``/``-styrelsen``/
``-inspektionen``/``-ämbetet`` and ``Statens …`` are national agencies (Länsstyrelsen too:
a state agency, though regional), ``universitet``/``högskola`` are
academia and ``… AB`` (aktiebolag) is a company. A stated type is never overridden; an inferred one is
flagged (``type_inferred`` in the API, and a note in the record's quality output), so a publisher can
see it and state the right one. No rule matches → no type: the SHACL check then says it is missing.
"""

from __future__ import annotations

import re
from functools import lru_cache

from catalog.records import Agent, LangMap

NS = "http://purl.org/adms/publishertype/"
TYPES = ("Academia-ScientificOrganisation", "Company", "IndustryConsortium", "LocalAuthority",
         "NationalAuthority", "NonGovernmentalOrganisation", "NonProfitOrganisation", "PrivateIndividual(s)",
         "RegionalAuthority", "StandardisationBody", "SupraNationalAuthority")
IRIS = frozenset(NS + t for t in TYPES)

LOCAL = NS + "LocalAuthority"
REGIONAL = NS + "RegionalAuthority"
NATIONAL = NS + "NationalAuthority"
ACADEMIA = NS + "Academia-ScientificOrganisation"
COMPANY = NS + "Company"

# Checked in order on the lower-cased name; the first match wins. "Region Skåne, Skånetrafiken" is a
# region before it is anything else; "Överförmyndarnämnden i Lunds kommun" is the municipality's.
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"kommun(en|s)?\b|kommunförbund"), LOCAL),
    (re.compile(r"\bstad\b"), LOCAL),
    (re.compile(r"^region\b|regionen\b|\bregion\s*$|\blandsting"), REGIONAL),
    (re.compile(r"universitet|högskola|\bkarolinska institutet\b"), ACADEMIA),
    (re.compile(r"myndighet|verket\b|styrelsen\b|inspektionen\b|ämbetet\b|^statens\b"), NATIONAL),
    (re.compile(r"(^|\s)ab$|^ab\s|\baktiebolag\b"), COMPANY),
)


def infer(name: LangMap | str | None) -> str | None:
    """The ADMS publisher type a Swedish public body's name makes plain, or None."""
    if not name:
        return None
    if isinstance(name, str):
        return _infer((name,))
    names = tuple(name[k] for k in sorted(name, key=lambda k: k != "sv") if name[k])
    return _infer(names)


@lru_cache(maxsize=4096)
def _infer(names: tuple[str, ...]) -> str | None:
    """:func:`infer` of the names, Swedish first (cached: a catalogue names few publishers, each often)."""
    for text in names:
        low = " ".join(text.lower().split())
        for pattern, iri in _RULES:
            if pattern.search(low):
                return iri
    return None


def resolve(agent: Agent | None) -> tuple[str | None, bool]:
    """The agent's type and whether it was inferred: the stated one first, else one from its name."""
    if agent is None:
        return None, False
    if agent.type:
        return agent.type, False
    inferred = infer(agent.name)
    return inferred, inferred is not None
