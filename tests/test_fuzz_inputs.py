"""Every input the coverage-guided fuzzer found (tests/data/fuzz/) is replayed through its checks.

`make fuzz` runs tests/fuzz/fuzz_frontmatter.py; each input it finds is fixed, then kept in
tests/data/fuzz/ under a name that says what it was, so the defect cannot come back unseen.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import DATA
from .fuzz.fuzz_frontmatter import check_one

FOUND = sorted((DATA / "fuzz").iterdir())


def test_there_are_inputs_to_replay() -> None:
    assert FOUND, "tests/data/fuzz/ is empty"


@pytest.mark.parametrize("path", FOUND, ids=[p.name for p in FOUND])
def test_a_found_input_is_now_handled(path: Path) -> None:
    check_one(path.read_bytes())


def test_the_seeds_pass_the_fuzzer_checks() -> None:
    """The files the fuzzer starts from hold: a failing seed would stop it at once."""
    for path in sorted((DATA / "valid").rglob("*.md")) + sorted((DATA / "invalid").glob("*.md")):
        check_one(path.read_bytes())
