"""The one grouping of problems by rule (catalog.quality.problems), pure."""

from __future__ import annotations

from catalog.quality.problems import RuleTally, describe, validation_groups
from catalog.quality.rules import RULES, violation

SHACL_TITLE = {"rule": "dcat-ap:Dataset/dct:title/minCount", "path": "dct:title", "severity": "violation",
               "focus": "https://x.example/ds/1", "source": "shacl",
               "message_sv": "Datamängden saknar titel (dct:title).", "message_en": "The dataset has no title."}


def test_a_rule_is_described_by_the_problem_then_the_rule_table_then_its_message() -> None:
    assert describe(SHACL_TITLE) == {k: SHACL_TITLE[k] for k in ("rule", "path", "severity", "message_sv",
                                                                "message_en")}
    # a job record keeps only rule, severity and the English message: the table fills the rest
    known = describe({"rule": "dataset-title", "severity": "violation", "message": "x"})
    rule = RULES["dataset-title"]
    assert (known["path"], known["message_sv"], known["message_en"]) == (rule.path, rule.sv, rule.en)
    skipped = describe({"rule": "duplicate", "severity": "warning", "message": "listed twice"})
    assert (skipped["path"], skipped["message_sv"], skipped["message_en"]) == (None, None, "listed twice")


def test_count_is_problems_and_datasets_is_distinct_datasets() -> None:
    tally = RuleTally()
    # one dataset with two distributions lacking an access URL, and a second dataset with one
    tally.add_all([violation("distribution-accessurl", "d1"), violation("distribution-accessurl", "d2")],
                  dataset_id="a")
    tally.add_all([violation("distribution-accessurl", "d3"), violation("dataset-title", "b")], dataset_id="b")
    [access, title] = tally.groups(order="datasets", dataset_ids=10)
    assert (access["rule"], access["count"], access["datasets"], access["dataset_ids"]) == (
        "distribution-accessurl", 3, 2, ["a", "b"])
    assert (title["rule"], title["count"], title["datasets"], title["dataset_ids"]) == ("dataset-title", 1, 1, ["b"])


def test_groups_rank_by_datasets_or_count_with_ties_by_rule() -> None:
    tally = RuleTally()
    for _ in range(3):
        tally.add(violation("dataset-description", "x"), dataset_id="x")  # 3 problems, 1 dataset
    tally.add(violation("dataset-title", "y"), dataset_id="y")
    tally.add(violation("dataset-title", "z"), dataset_id="z")  # 2 problems, 2 datasets
    tally.add(violation("dataset-publisher", "z"), dataset_id="z")
    tally.add(violation("dataset-publisher", "y"), dataset_id="y")  # 2 problems, 2 datasets
    assert [g["rule"] for g in tally.groups(order="datasets")] == [
        "dataset-publisher", "dataset-title", "dataset-description"]
    assert [g["rule"] for g in tally.groups(order="count")] == [
        "dataset-description", "dataset-publisher", "dataset-title"]
    assert [g["rule"] for g in tally.groups(order="datasets", top=1)] == ["dataset-publisher"]


def test_members_are_listed_under_the_name_the_report_uses() -> None:
    tally = RuleTally()
    tally.add({"rule": "mapping", "severity": "error"}, member={"ref": "r1", "message": "boom"})
    [group] = tally.groups(members="records")
    assert group["records"] == [{"ref": "r1", "message": "boom"}]
    assert (group["count"], group["datasets"]) == (1, 0)  # a record that was never read is no dataset
    assert "dataset_ids" not in group


def test_validation_groups_put_violations_first_and_list_each_focus_once() -> None:
    warning = {**violation("theme-unknown", "https://x.example/ds/1"), "value": "x"}
    groups = validation_groups([warning, warning, SHACL_TITLE, {**SHACL_TITLE, "focus": "https://x.example/ds/2"},
                                {**SHACL_TITLE, "value": "again"}])
    assert [g["rule"] for g in groups] == ["dcat-ap:Dataset/dct:title/minCount", "theme-unknown"]
    title, theme = groups
    assert title["source"] == "shacl" and theme["source"] == "mandatory"
    assert title["count"] == 3 and title["focus"] == ["https://x.example/ds/1", "https://x.example/ds/2"]
    assert [i["value"] for i in title["items"]] == [None, None, "again"]
    assert "datasets" not in title  # a validated document's problems name resources, not stored datasets
