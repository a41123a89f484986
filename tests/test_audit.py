"""The dependency audit's verdict (`.ci/audit.py`): what fails CI and what only warns.

pip-audit's own answers come from the vulnerability service; these tests feed the verdict the
JSON reports pip-audit writes, so the rule that CI fails on a known vulnerability with a fix,
and only then, holds whatever the service answers on the day.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from .conftest import ROOT

_SPEC = importlib.util.spec_from_file_location("ci_audit", ROOT / ".ci" / "audit.py")
assert _SPEC and _SPEC.loader
audit = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(audit)


def _package(name: str, version: str, *vulns: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "version": version, "vulns": list(vulns)}


def test_a_vulnerability_with_a_fix_fails_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    report = {"dependencies": [
        _package("jinja2", "3.1.2", {"id": "GHSA-h5c8-rqwp-cp95", "fix_versions": ["3.1.3"]}),
        _package("fastapi", "0.115.0"),
    ]}
    assert audit.judge(report) == 1
    out = capsys.readouterr().out
    assert "error: jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 (fixed in 3.1.3)" in out
    assert "2 packages audited, 0 skipped, 1 known vulnerabilities with a fix" in out


def test_a_vulnerability_without_a_fix_warns_and_passes(capsys: pytest.CaptureFixture[str]) -> None:
    report = {"dependencies": [_package("ecdsa", "0.19.1", {"id": "PYSEC-2024-0", "fix_versions": []})]}
    assert audit.judge(report) == 0
    assert "warning: ecdsa 0.19.1: PYSEC-2024-0 has no fixed version yet" in capsys.readouterr().out


def test_no_answer_from_the_service_is_said_loudly_and_does_not_fail(capsys: pytest.CaptureFixture[str]) -> None:
    skipped = {"name": "jinja2", "skip_reason": "Dependency not found on PyPI and could not be audited: jinja2 (3.1.6)"}
    assert audit.judge({"dependencies": [skipped, {**skipped, "name": "fastapi"}]}) == 0
    out = capsys.readouterr().out
    assert "answered for none of 2 packages; nothing was audited" in out and "jinja2 (3.1.6)" in out


def test_packages_the_service_skipped_are_named_beside_those_it_audited(capsys: pytest.CaptureFixture[str]) -> None:
    report = {"dependencies": [_package("fastapi", "0.115.0"),
                               {"name": "calendar-app", "skip_reason": "not on PyPI"}]}
    assert audit.judge(report) == 0
    out = capsys.readouterr().out
    assert "note: not audited: not on PyPI" in out and "1 packages audited, 1 skipped, 0 known" in out
