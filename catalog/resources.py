"""The files datakatalog reads at run time, found inside the installed packages.

Vocabularies, SHACL shapes, mapping profiles and the demo's sources live in the ``config`` package,
the Alembic migrations in ``catalog.store``; both ship in the wheel and are read through
:mod:`importlib.resources`, never by a path relative to a source checkout (docs/architecture.md).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path


def config_file(*parts: str) -> Traversable:
    """A file (or folder) of the bundled ``config`` package, e.g. ``config_file("vocab", "licenses.json")``."""
    return files("config").joinpath(*parts)


def read_config_text(*parts: str) -> str:
    return config_file(*parts).read_text(encoding="utf-8")


@contextmanager
def config_dir(*parts: str) -> Iterator[Path]:
    """A real folder holding ``config/<parts>``: the package's own, or a temporary copy when zipped."""
    resource = config_file(*parts)
    if isinstance(resource, Path):
        yield resource
        return
    with tempfile.TemporaryDirectory(prefix="datakatalog-") as tmp:
        target = Path(tmp) / "/".join(parts)
        _copy(resource, target)
        yield target


def _copy(resource: Traversable, target: Path) -> None:
    if resource.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        with resource.open("rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
        return
    target.mkdir(parents=True, exist_ok=True)
    for child in resource.iterdir():
        _copy(child, target / child.name)


_EXTRACTED: dict[tuple[str, ...], Path] = {}


def package_dir(package: str, *parts: str) -> Path:
    """A real folder holding ``<package>/<parts>`` for the life of the process: the installed folder
    itself, or (when the package is imported from a zip) a copy extracted once into a temporary folder."""
    resource = files(package).joinpath(*parts)
    if isinstance(resource, Path):
        return resource
    key = (package, *parts)
    if key not in _EXTRACTED:
        target = Path(tempfile.mkdtemp(prefix="datakatalog-")) / "/".join(parts)
        _copy(resource, target)
        _EXTRACTED[key] = target
    return _EXTRACTED[key]


def migrations_dir() -> str:
    """The Alembic script folder, as the path Alembic needs (the wheel installs it unzipped)."""
    return str(files("catalog.store").joinpath("migrations"))
