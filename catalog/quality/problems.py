"""Problems grouped by rule: the one grouping behind every report that lists problems.

A problem is a mapping with at least a ``rule``; what a rule means (its path, severity and Swedish
and English messages) is taken from the problem itself where it says so (stored violations, SHACL
results), else from the mandatory-rule table :data:`catalog.quality.rules.RULES`, else from the
problem's own ``message`` (job records of skipped or unreadable records carry only that).

:class:`RuleTally` counts problems by rule: how many problems (``count``), in how many distinct
datasets (``datasets``), and, where the report lists them, the records or datasets failing each
rule. Job reports, previews, ``validate`` and the quality reports of publishers and organisations
all build their groups with it, so a rule reads and counts the same in every one of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from catalog.quality.rules import RULES

Problem = Mapping[str, Any]
Order = Literal["count", "datasets", "severity"]

SEVERITY_ORDER = {"violation": 0, "error": 0, "warning": 1, "info": 2}


def describe(problem: Problem) -> dict[str, Any]:
    """What a problem's rule is: rule, path, severity, message_sv, message_en (None where unknown)."""
    rule = str(problem["rule"])
    known = RULES.get(rule)
    return {
        "rule": rule,
        "path": problem.get("path") or (known.path if known else None),
        "severity": problem.get("severity") or (known.severity if known else None),
        "message_sv": problem.get("message_sv") or (known.sv if known else None),
        "message_en": problem.get("message_en") or (known.en if known else None) or problem.get("message"),
    }


@dataclass(slots=True)
class _Group:
    info: dict[str, Any]
    count: int = 0
    datasets: set[str] = field(default_factory=set)
    members: list[dict[str, Any]] = field(default_factory=list)


class RuleTally:
    """Problems counted by rule; the first problem of a rule describes it.

    ``count_datasets`` off leaves ``datasets`` out of the groups, for reports whose problems are not
    tied to stored datasets (a document being validated, whose problems name resources).
    """

    def __init__(self, *, count_datasets: bool = True) -> None:
        self._groups: dict[str, _Group] = {}
        self._count_datasets = count_datasets

    def add(self, problem: Problem, *, dataset_id: str | None = None,
            member: dict[str, Any] | None = None) -> None:
        """Count one problem, of one dataset when given; ``member`` is what the group lists for it."""
        rule = str(problem["rule"])
        group = self._groups.get(rule)
        if group is None:
            group = self._groups[rule] = _Group(describe(problem))
        group.count += 1
        if dataset_id is not None:
            group.datasets.add(dataset_id)
        if member is not None:
            group.members.append(member)

    def add_all(self, problems: Iterable[Problem], *, dataset_id: str | None = None) -> None:
        """Count every problem of one dataset (members are not listed)."""
        for problem in problems:
            self.add(problem, dataset_id=dataset_id)

    def __len__(self) -> int:
        return len(self._groups)

    def groups(self, *, order: Order = "count", top: int | None = None, members: str | None = None,
               dataset_ids: int | None = None) -> list[dict[str, Any]]:
        """The groups, ordered, the first ``top`` of them.

        ``order``: ``count`` (most problems first), ``datasets`` (most datasets first) or ``severity``
        (violations first, then most problems). ``members`` names the list of what was added with each
        problem (``records`` in job reports and previews, ``items`` in validation reports).
        ``dataset_ids`` lists up to that many ids of the failing datasets, in id order.
        Ties go by rule id, so the order is stable.
        """
        def key(g: _Group) -> tuple[Any, ...]:
            rule = g.info["rule"]
            if order == "datasets":
                return (-len(g.datasets), -g.count, rule)
            if order == "severity":
                return (SEVERITY_ORDER.get(g.info["severity"], 3), -g.count, rule)
            return (-g.count, rule)

        out: list[dict[str, Any]] = []
        for g in sorted(self._groups.values(), key=key)[:top]:
            entry: dict[str, Any] = {**g.info, "count": g.count}
            if self._count_datasets:
                entry["datasets"] = len(g.datasets)
            if dataset_ids is not None:
                entry["dataset_ids"] = sorted(g.datasets)[:dataset_ids]
            if members is not None:
                entry[members] = g.members
            out.append(entry)
        return out


def validation_groups(problems: Iterable[Problem]) -> list[dict[str, Any]]:
    """A validation report's problems by rule, violations first: each group lists every focus node
    (``focus``, distinct, in order) and every problem (``items``: focus and value), and says which
    check found it (``source``: mandatory, shacl or mapping) and, for SHACL, which shape set
    (``shapes``: DCAT-AP 3.0.1 or DCAT-AP-SE 3.0.1)."""
    tally = RuleTally(count_datasets=False)
    sources: dict[str, str] = {}
    shape_sets: dict[str, str | None] = {}
    for p in problems:
        sources.setdefault(str(p["rule"]), p.get("source", "mandatory"))
        shape_sets.setdefault(str(p["rule"]), p.get("shapes"))
        tally.add(p, member={"focus": p.get("focus"), "value": p.get("value")})
    groups = tally.groups(order="severity", members="items")
    for g in groups:
        g["source"] = sources[g["rule"]]
        g["shapes"] = shape_sets[g["rule"]]
        g["focus"] = list(dict.fromkeys(item["focus"] for item in g["items"]))
    return groups
