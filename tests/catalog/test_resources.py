"""Run-time files are found through importlib.resources, also when a package is imported from a zip."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest

from catalog.resources import config_file, package_dir


def test_config_files_are_read_from_the_package() -> None:
    assert config_file("vocab", "licenses.json").is_file()


def test_a_folder_of_a_zipped_package_is_extracted_once_to_a_real_folder(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("zipped_pkg/__init__.py", "")
        zf.writestr("zipped_pkg/static/site.css", "body { color: black; }")
        zf.writestr("zipped_pkg/static/img/logo.svg", "<svg/>")
    monkeypatch.syspath_prepend(str(archive))
    try:
        folder = package_dir("zipped_pkg", "static")
        assert (folder / "site.css").read_text() == "body { color: black; }"
        assert (folder / "img" / "logo.svg").is_file()
        assert package_dir("zipped_pkg", "static") == folder  # extracted once
        assert str(archive) not in str(folder)
    finally:
        sys.modules.pop("zipped_pkg", None)
