"""Docs that cannot rot: every setting, adapter kind, quality rule and CLI command is documented."""

from __future__ import annotations

from pathlib import Path

from api.cli import app, source_app
from catalog.quality.rules import RULES
from catalog.settings import Settings
from harvester.adapters import known_kinds

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme() -> None:
    for name in Settings.model_fields:
        assert f"`{name.upper()}`" in README, f"DATAKATALOG_{name.upper()} is not documented in README.md"


def test_every_source_kind_is_in_the_readme() -> None:
    for kind in known_kinds():
        assert f"--kind {kind}" in README or f"`{kind}`" in README, f"source kind {kind} is undocumented"


def test_every_quality_rule_is_in_docs_quality() -> None:
    doc = (ROOT / "docs/quality.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert f"`{rule}`" in doc, f"quality rule {rule} is not in docs/quality.md"


def test_every_cli_command_is_in_the_readme() -> None:
    names = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
    names += [f"source {c.name}" for c in source_app.registered_commands]
    for name in names:
        assert f"datakatalog {name}" in README, f"`datakatalog {name}` is not in README.md"
