"""The layer rule and docs/architecture.md hold for the tree as it is.

Layers: api → harvester → catalog, and api → catalog; catalog imports neither harvester nor api, and
harvester never imports api. Every import statement is read with ``ast``, wherever it stands (inside
functions and ``TYPE_CHECKING`` blocks too), relative imports resolved, and ``import_module("…")``
calls with a constant name count as imports. And every module and
subpackage of catalog/, harvester/ and api/ is named in docs/architecture.md, so the page cannot
fall behind the tree.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("catalog", "harvester", "api")
# what a layer must never import (api, the outermost, may import both)
FORBIDDEN = {"catalog": {"harvester", "api"}, "harvester": {"api"}}
ARCHITECTURE = ROOT / "docs" / "architecture.md"


def _sources(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)


def _module_name(path: Path) -> list[str]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def imported_modules(text: str, path: Path) -> list[tuple[int, str]]:
    """(line, dotted name) of everything the module at ``path`` imports, relative imports made absolute."""
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(text, filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                found.append((node.lineno, ".".join([*base, *([node.module] if node.module else [])])))
            elif node.module:
                found.append((node.lineno, node.module))
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str) and _callee(node.func) in ("import_module", "__import__")):
            found.append((node.lineno, node.args[0].value))
    return sorted(found)


def _callee(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_layer_imports_a_layer_above_it(package: str) -> None:
    breaks = [f"{path.relative_to(ROOT)}:{line} imports {name}"
              for path in _sources(package)
              for line, name in imported_modules(path.read_text(encoding="utf-8"), path)
              if name.split(".")[0] in FORBIDDEN[package]]
    assert breaks == [], "imports against api → harvester → catalog:\n" + "\n".join(breaks)


def test_the_import_reader_sees_every_kind_of_import() -> None:
    # the rule above is only as good as this reader: plain, from-, relative, nested, guarded and dynamic imports
    text = ("import harvester.fetch\nfrom api import app\nfrom ..search import query\nfrom . import tables\n"
            "def f():\n    from harvester.runner import harvest_source\n"
            "if TYPE_CHECKING:\n    import api.cli\nimportlib.import_module('harvester.adapters.dcat')\n")
    found = imported_modules(text, ROOT / "catalog" / "store" / "example.py")
    assert found == [(1, "harvester.fetch"), (2, "api"), (3, "catalog.search"), (4, "catalog.store"),
                     (6, "harvester.runner"), (8, "api.cli"), (9, "harvester.adapters.dcat")]


def _documented_names() -> list[str]:
    """Every module and subpackage, as docs/architecture.md names them (``catalog/store/runs.py``,
    ``catalog/store/``); migrations are scripts of Alembic's, named by their folder."""
    names: list[str] = []
    for package in PACKAGES:
        for path in _sources(package):
            rel = path.relative_to(ROOT)
            if "migrations" in rel.parts:
                continue
            if path.name == "__init__.py":
                if path.parent != ROOT / package:
                    names.append(rel.parent.as_posix() + "/")
            else:
                names.append(rel.as_posix())
    return names


def test_docs_architecture_names_every_module() -> None:
    doc = ARCHITECTURE.read_text(encoding="utf-8")
    missing = [name for name in _documented_names() if f"`{name}`" not in doc]
    assert missing == [], f"docs/architecture.md does not name: {', '.join(missing)}"


def test_docs_architecture_names_no_module_that_is_gone() -> None:
    doc = ARCHITECTURE.read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:catalog|harvester|api)/[\w/]*?(?:\.py|/))`", doc))
    gone = sorted(name for name in named if not (ROOT / name).exists())
    assert gone == [], f"docs/architecture.md names what is not in the tree: {', '.join(gone)}"


def test_readme_layout_names_every_subpackage() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1].split("```")[1]
    subpackages = sorted({init.parent.relative_to(ROOT) for package in PACKAGES for init in _sources(package)
                          if init.name == "__init__.py" and init.parent != ROOT / package})
    missing = [path.as_posix() for path in subpackages if f"{path.name}/" not in layout]
    assert missing == [], f"README.md's Layout does not show: {', '.join(missing)}"
