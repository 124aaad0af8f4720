"""The built wheel is complete: installed into a fresh virtualenv outside the checkout, ``datakatalog demo``
and ``datakatalog validate`` work from an empty directory.

Fast but honest: the wheel is built without build isolation (setuptools comes from the dev extras), and
the new virtualenv borrows the third-party packages of the running environment through a ``.pth`` file
that lists its site-packages, so nothing is downloaded; the wheel itself is installed with ``--no-deps
--no-index``. The checkout's own packages cannot leak in through that path: the editable install's
finder is started by a ``.pth`` file in that folder, and Python executes ``.pth`` files only in its
site directories, not in folders another ``.pth`` file adds. ``test_the_installed_packages_come_from_the_wheel``
proves it. What this does not prove is that pyproject.toml declares every dependency: the borrowed
environment was installed from the same pyproject.toml, so a dependency installed by hand would go unnoticed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from catalog.resources import migrations_dir

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))

# A catalogue with one complete dataset and one without a title: the mandatory check and the SHACL
# shapes (read from the installed package) both name the untitled one.
SMALL_CATALOGUE = """\
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct:  <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .

<https://data.example.se/katalog> a dcat:Catalog ;
    dct:title "Provkatalog"@sv ;
    dct:description "En liten katalog för installationsprovet."@sv ;
    dct:publisher <https://data.example.se/org> ;
    dcat:dataset <https://data.example.se/dataset/badplatser> , <https://data.example.se/dataset/utan-titel> .

<https://data.example.se/org> a foaf:Agent ; foaf:name "Provkommunen"@sv .

<https://data.example.se/dataset/badplatser> a dcat:Dataset ;
    dct:title "Badplatser"@sv ;
    dct:description "Kommunens badplatser med vattentemperatur."@sv ;
    dct:publisher <https://data.example.se/org> ;
    dcat:contactPoint [ a vcard:Organization ; vcard:fn "Kundtjänst" ; vcard:hasEmail <mailto:info@example.se> ] ;
    dcat:distribution <https://data.example.se/distribution/badplatser-csv> .

<https://data.example.se/distribution/badplatser-csv> a dcat:Distribution ;
    dcat:accessURL <https://data.example.se/files/badplatser.csv> ;
    dct:format <http://publications.europa.eu/resource/authority/file-type/CSV> .

<https://data.example.se/dataset/utan-titel> a dcat:Dataset ;
    dct:description "Ett dataset utan titel."@sv ;
    dct:publisher <https://data.example.se/org> .
"""


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    workdir: Path  # empty, and kept so: commands run from here
    scratch: Path  # where commands may write (databases, input files)

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(a) for a in args], cwd=self.workdir, env=_clean_env(), capture_output=True,
                              text=True, timeout=300)


def _clean_env() -> dict[str, str]:
    """The environment without anything that points Python or datakatalog at the checkout or its settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "DATAKATALOG_")) and k not in ("VIRTUAL_ENV", "PWD")}
    env["COLUMNS"] = "200"  # rich wraps long lines at the terminal width; assertions read whole lines
    return env


def _copy_sources(target: Path) -> None:
    """The files the build reads, copied out of the checkout.

    Built in place, setuptools would write build/ and an egg-info into the checkout that other runs share,
    and reuse build/lib, where a module deleted from the tree lingers and would ship in the wheel.
    """
    target.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, target / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for pattern in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]:
        package = pattern.rstrip("*")
        shutil.copytree(ROOT / package, target / package, ignore=ignore)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    _copy_sources(base / "src")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(base / "src"), "--no-deps", "--no-build-isolation",
                    "--quiet", "-w", str(base / "dist")], check=True, capture_output=True, text=True, timeout=300)
    (wheel,) = (base / "dist").glob("datakatalog-*.whl")

    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    site_packages = Path(subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True, env=_clean_env()).stdout.strip())
    borrowed = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (site_packages / "_borrowed_dependencies.pth").write_text("\n".join(borrowed) + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet",
                    "--no-deps", "--no-index", str(wheel)], check=True, capture_output=True, text=True, timeout=300)

    workdir = base / "empty"
    workdir.mkdir()
    scratch = base / "scratch"
    scratch.mkdir()
    return Installed(wheel=wheel, venv=venv, workdir=workdir, scratch=scratch)


def _checkout_files(folder: str, pattern: str = "**/*") -> set[str]:
    return {p.relative_to(ROOT).as_posix() for p in (ROOT / folder).glob(pattern)
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}


RUNTIME_FILES = [("config/vocab", "*.json"), ("config/shapes", "*.ttl"), ("config/mappings", "*.toml"),
                 ("config/demo", "**/*"), ("catalog/store/migrations", "**/*")]
# the portal's files, asserted once their folders hold any (pyproject.toml already ships them)
PORTAL_FILES = [(folder, "**/*") for folder in ("api/web/templates", "api/web/static", "api/web/locale")
                if _checkout_files(folder)]


@pytest.mark.parametrize(("folder", "pattern"), RUNTIME_FILES + PORTAL_FILES, ids=str)
def test_the_wheel_ships_every_file_read_at_run_time(installed: Installed, folder: str, pattern: str) -> None:
    expected = _checkout_files(folder, pattern)
    assert expected, f"nothing matches {folder}/{pattern} in the checkout"
    shipped = set(zipfile.ZipFile(installed.wheel).namelist())
    assert sorted(expected - shipped) == []


def test_the_wheel_holds_only_the_packages(installed: Installed) -> None:
    names = zipfile.ZipFile(installed.wheel).namelist()
    packages = {p.rstrip("*") for p in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert {name.split("/")[0] for name in names if ".dist-info/" not in name} == packages
    assert [name for name in names if "__pycache__" in name or name.endswith(".pyc")] == []


def test_the_installed_packages_come_from_the_wheel(installed: Installed) -> None:
    probe = ("import json, sys, api, catalog, config, harvester, catalog.resources as r; "
             "print(json.dumps({'files': [m.__file__ for m in (api, catalog, config, harvester)], "
             "'migrations': r.migrations_dir(), 'path': sys.path}))")
    result = installed.run(installed.python, "-c", probe)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    for file in [*found["files"], found["migrations"]]:
        assert Path(file).is_relative_to(installed.venv), f"{file} is not the installed copy"
    # the only folders of the checkout on the path are the borrowed site-packages (the outer .venv)
    inside = {p for p in found["path"] if p and Path(p).is_relative_to(ROOT)}
    assert inside <= {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}


def test_demo_harvests_the_bundled_sources_from_an_empty_directory(installed: Installed) -> None:
    db = installed.scratch / "demo.db"
    result = installed.run(installed.venv / "bin" / "datakatalog", "demo", "--no-serve", "--db", db)
    assert result.returncode == 0, result.stdout + result.stderr
    runs = [m.groups() for m in re.finditer(r"^(\w+): succeeded — (\d+) listed, (\d+) added", result.stdout, re.M)]
    assert [name for name, _, _ in runs] == ["kommuner", "kommunportal", "trafiklab", "riksteatern"]
    for name, listed, added in runs:
        assert int(listed) > 0 and added == listed, name
    with sqlite3.connect(db) as conn:
        (version,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        (datasets,) = conn.execute("SELECT count(*) FROM dataset").fetchone()
    assert version == ScriptDirectory(migrations_dir()).get_current_head()  # migrations from the wheel
    assert datasets == sum(int(listed) for _, listed, _ in runs)
    assert list(installed.workdir.iterdir()) == []  # nothing written where it was run


def test_validate_reports_a_file_from_an_empty_directory(installed: Installed) -> None:
    target = installed.scratch / "small.ttl"
    target.write_text(SMALL_CATALOGUE, encoding="utf-8")
    result = installed.run(installed.venv / "bin" / "datakatalog", "validate", target)
    assert result.returncode == 1, result.stdout + result.stderr  # a violation
    # the title twice (mandatory check, EU shape), and DCAT-AP-SE's catalogue licence and publisher type
    assert f"{target} not valid: 2 datasets, 0 data services, 4 violations" in result.stdout
    assert "dataset-title (violation, 1): The dataset has no title" in result.stdout
    assert "dcat-ap:Dataset/dct:title/minCount (violation, 1)" in result.stdout  # the shapes shipped
    assert "dcat-ap-se:Agent/dct:type/minCount (violation, 1)" in result.stdout  # and the DCAT-AP-SE ones
    assert "dcat-ap-se:Catalog/dct:license/minCount (violation, 1)" in result.stdout
    assert "  - https://data.example.se/dataset/utan-titel" in result.stdout
    assert list(installed.workdir.iterdir()) == []


PORTAL_PROBE = """
import json, re, sys
from fastapi.testclient import TestClient
from api.app import create_app
from catalog.settings import Settings

app = create_app(Settings(database_url=sys.argv[1]))
with TestClient(app) as client:
    home = client.get("/", headers={"Accept": "text/html"})
    styles = re.findall(r'href="(/static/[^"]+)"', home.text)
    static = client.get(styles[0]) if styles else None
    docs = client.get("/docs")
    search = client.get("/api/datasets")
print(json.dumps({"home": [home.status_code, home.headers["content-type"], home.text[:2000]],
                  "static": [static.status_code, static.headers["content-type"]] if static else None,
                  "docs": docs.status_code, "search": [search.status_code, search.json().get("total")]}))
"""


def test_the_installed_app_serves_the_portal_and_the_api(installed: Installed) -> None:
    db = f"sqlite:///{installed.scratch / 'portal.db'}"
    result = installed.run(installed.python, "-c", PORTAL_PROBE, db)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    status, content_type, page = found["home"]
    assert status == 200 and content_type.startswith("text/html") and "<html lang=" in page
    assert found["static"] and found["static"][0] == 200 and found["static"][1].startswith("text/css")
    assert found["docs"] == 200
    assert found["search"] == [200, 0]
    assert list(installed.workdir.iterdir()) == []
