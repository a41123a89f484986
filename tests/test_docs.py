"""The manual in docs/: its generated pages match the code, the architecture page names every
module, the README stays the front door, and the whole site builds with `mkdocs build --strict`."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from benchmarks import report

from .conftest import ROOT

DOCS = ROOT / "docs"
PACKAGE = ROOT / "calendar_app"
REFRESH = "make docs-reference"


def _generator() -> ModuleType:
    """docs/gen_reference.py, which lives with the pages it writes rather than in a package."""
    spec = importlib.util.spec_from_file_location("docs_gen_reference", DOCS / "gen_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENERATED = _generator().pages()


# --- generated reference pages -------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_page_matches_the_code(name: str) -> None:
    path = DOCS / name
    hint = f"Hint: run `{REFRESH}` and commit docs/{name}"
    assert path.is_file(), f"docs/{name} is missing. {hint}"
    committed = path.read_text(encoding="utf-8")
    if committed != GENERATED[name]:
        pairs = zip(committed.splitlines(), GENERATED[name].splitlines(), strict=False)
        changed = [f"  line {i}: {old!r} -> {new!r}" for i, (old, new) in enumerate(pairs, start=1) if old != new][:5]
        pytest.fail(f"docs/{name} differs from what the code gives now. {hint}\n" + "\n".join(changed), pytrace=False)


def test_reference_pages_cover_every_command_and_setting() -> None:
    from calendar_app.cli.main import build_parser
    from calendar_app.core.config import SiteConfig

    cli = GENERATED["reference/cli.md"]
    for name, _parser in _generator()._commands(build_parser()):
        assert f"## `calendar-app{' ' + name if name else ''}`" in cli
    assert "## `calendar-app coordinator add`" in cli
    settings = GENERATED["reference/settings.md"]
    assert all(f"| `{name}` |" in settings for name in SiteConfig.model_fields)


# --- architecture --------------------------------------------------------------------------------


def _modules() -> set[str]:
    """Every module of the package by its path under calendar_app/: `core/catalog.py`, ..."""
    return {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py") if p.name != "__init__.py"}


def _named_on_architecture_page() -> set[str]:
    page = (DOCS / "architecture.md").read_text(encoding="utf-8")
    layers = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    named = re.findall(r"`((?:[a-z_]+/)*[a-z_0-9]+\.py)`", page)
    # A layer's modules, and the package's own dunder modules (`__main__.py`) at its top.
    return {name for name in named if name.split("/", 1)[0] in layers or ("/" not in name and name.startswith("__"))}


def test_architecture_page_names_every_module() -> None:
    missing = sorted(_modules() - _named_on_architecture_page())
    assert missing == [], (
        f"docs/architecture.md does not name {', '.join(missing)}. "
        "Hint: add a row `| `<layer>/<module>.py` | what it holds |` to its layer's table"
    )


def test_architecture_page_names_no_module_that_is_gone() -> None:
    gone = sorted(_named_on_architecture_page() - _modules())
    assert gone == [], f"docs/architecture.md names {', '.join(gone)}, which no longer exist. Hint: remove their rows"


def test_architecture_page_names_every_layer_of_the_import_contract() -> None:
    page = (DOCS / "architecture.md").read_text(encoding="utf-8")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers = [
        name.strip().removeprefix("calendar_app.")
        for contract in config["tool"]["importlinter"]["contracts"]
        if contract["type"] == "layers"
        for line in contract["layers"]
        for name in line.split("|")
    ]
    assert layers, "pyproject.toml has no layers contract"
    assert [layer for layer in layers if f"| `{layer}/` |" not in page] == []


# --- the README and the benchmark page -----------------------------------------------------------


def test_the_readme_is_the_front_door() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200, "README.md is the front door: move the detail to a page in docs/"
    assert "## Quick start" in readme
    assert "make serve    # installs into .venv, then serves the sample calendar at http://127.0.0.1:8000" in readme
    assert "make test     # " in readme
    links = re.findall(r"\]\(((?:docs/)?[^)#:]+\.md)(?:#[^)]*)?\)", readme)
    assert links, "README.md links to no page of the manual"
    assert [link for link in links if not (ROOT / link).is_file()] == []


def test_the_benchmark_page_is_the_generators() -> None:
    page = (DOCS / "benchmarks.md").read_text(encoding="utf-8")
    assert page.startswith(report.NOTE + "\n")
    assert "## Runs" in page and "## Figures" in page
    assert "| measure | events | median | spread (min - max) | baseline | baseline median | ratio |" in page


def test_the_benchmark_page_takes_the_newest_figures_for_each_size(tmp_path: Path) -> None:
    def fake_run(started: str, counts: list[int], median: float) -> dict[str, object]:
        summary = {"median": median, "min": median, "max": median, "n": 1}
        machine = {"python": "3.11.7", "platform": "Linux", "cpus": 2, "load_average": [1.0, 1.0, 1.0]}
        return {
            "started": started, "machine_before": machine, "machine_after": machine, "seconds": 60,
            "options": {"repeats": 1}, "http": [],
            "sizes": [{"count": c, "info": {}, "summary": {"cold_start": summary}} for c in counts],
        }

    older = fake_run("2026-11-01T00:00:00+00:00", [1000, 10000], 1.0)
    newer = fake_run("2026-12-01T00:00:00+00:00", [1000], 2.0)
    (tmp_path / "20261101T000000Z.json").write_text(json.dumps(older), encoding="utf-8")
    (tmp_path / "20261201T000000Z.json").write_text(json.dumps(newer), encoding="utf-8")
    written = report.write_page(tmp_path)
    assert written == tmp_path / "benchmarks.md"  # never the manual's page for another results folder
    page = written.read_text(encoding="utf-8")
    assert "| cold start: load and validate every file | 1,000 | 2.00 s |" in page
    assert "| cold start: load and validate every file | 10,000 | 1.00 s |" in page
    assert "up to 2026-12-01" in page


# --- examples, as a newcomer follows them ---------------------------------------------------------


def _new_example() -> list[str]:
    """The `calendar-app new` command of the command-line page, as its words."""
    page = (DOCS / "command-line.md").read_text(encoding="utf-8")
    match = re.search(r"^\$ calendar-app (new .*?[^\\])$", page, re.MULTILINE | re.DOTALL)
    assert match, "docs/command-line.md has no `calendar-app new` example"
    return shlex.split(match.group(1).replace("\\\n", " "))


def _api_create_example() -> dict[str, Any]:
    """The body of the write API's create example on the coordinators' page."""
    page = (DOCS / "coordinators.md").read_text(encoding="utf-8")
    match = re.search(r"# Create.*?-d '(\{.*?\})'", page, re.DOTALL)
    assert match, "docs/coordinators.md has no create example"
    return dict(json.loads(match.group(1)))


def test_the_two_ways_to_add_an_event_in_the_manual_can_both_be_followed(tmp_path: Path) -> None:
    """`calendar-app new` as the command-line page shows it, then the API's create example: two events."""
    from fastapi.testclient import TestClient

    from calendar_app.cli.main import main
    from calendar_app.core.config import load_config
    from calendar_app.desk.accounts import Accounts
    from calendar_app.web.app import create_app

    from .coordinator_site import CHEAP

    (tmp_path / "events").mkdir()
    (tmp_path / "calendar.toml").write_text((ROOT / "calendar.toml").read_text(encoding="utf-8"), encoding="utf-8")
    options = ["--events", str(tmp_path / "events"), "--config", str(tmp_path / "calendar.toml")]
    assert main([*_new_example(), *options]) == 0
    config = load_config(tmp_path / "calendar.toml")
    accounts = Accounts(tmp_path / config.coordinators_file, hasher=CHEAP)
    accounts.add("Ana Ruiz", "ana@example.org", "correct horse battery staple")
    token = accounts.issue_token("Ana Ruiz")[1]
    client = TestClient(create_app(config, tmp_path / "events", watch=False, state_dir=tmp_path))
    response = client.post("/api/events", json=_api_create_example(), headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.text
    assert len(list((tmp_path / "events").rglob("*.md"))) == 2


def test_the_json_api_example_is_what_the_sample_site_answers_on_its_day(tmp_path: Path) -> None:
    """The example names the day it was taken on, so its figures do not go stale."""
    from fastapi.testclient import TestClient

    from calendar_app.core.config import load_config
    from calendar_app.web.app import create_app

    page = (DOCS / "web-listing.md").read_text(encoding="utf-8").split("## The JSON API", 1)[1].split("\n## ", 1)[0]
    today = re.search(r"--today (\d{4}-\d\d-\d\d)", page)
    query = re.search(r"curl -s '(http://127\.0\.0\.1:8000)(/api/events\?[^']+)'", page)
    assert today and query, "the JSON API example names no day, or no request"
    config = load_config(ROOT / "calendar.toml")
    app = create_app(
        config, ROOT / "events", today=date.fromisoformat(today.group(1)), watch=False, state_dir=tmp_path, cache_dir=None
    )
    answer = TestClient(app).get(query.group(2)).json()
    shown = {key: re.search(rf'"{key}": ("[^"]*"|\d+)', page) for key in ("total", "pages", "slug", "when", "ics")}
    assert {key: json.loads(m.group(1)) for key, m in shown.items() if m} == {
        "total": answer["total"], "pages": answer["pages"], "slug": answer["events"][0]["slug"],
        "when": answer["events"][0]["when"], "ics": answer["links"]["ics"],
    }
    assert config.base_url == query.group(1)  # what `calendar-app serve` names on its default port


# --- the site ------------------------------------------------------------------------------------


def test_the_manual_builds_with_strict(tmp_path: Path) -> None:
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("material") is None:
        pytest.skip("mkdocs and mkdocs-material are not installed (pip install -e '.[docs]')")
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"),
         "--site-dir", str(site)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stderr}"
    for name in ["index.md", "architecture.md", "changelog.md", *GENERATED]:
        built = site / name.removesuffix(".md") / "index.html" if name != "index.md" else site / "index.html"
        assert built.is_file(), f"{name} was not built"
    assert "Keep a Changelog" in (site / "changelog" / "index.html").read_text(encoding="utf-8")
