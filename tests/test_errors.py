"""How a problem reads: its place, its message, and its hint as a sentence of its own."""

from __future__ import annotations

import pytest

from calendar_app.core.errors import Problem, with_hint


@pytest.mark.parametrize(
    ("message", "hint", "shown"),
    [
        ("strat: unknown field", "did you mean 'start'?", "strat: unknown field. Hint: did you mean 'start'?"),
        ("the file is empty", "start it with a line '---'", "the file is empty. Hint: start it with a line '---'."),
        ("it was changed.", "open it again.", "it was changed. Hint: open it again."),
        ("known fields:", "venue, city;", "known fields. Hint: venue, city."),
        ("end: ends before start", None, "end: ends before start"),
    ],
)
def test_a_hint_follows_its_message_as_a_sentence(message: str, hint: str | None, shown: str) -> None:
    assert with_hint(message, hint) == shown


def test_a_problem_reads_with_one_full_stop_before_its_hint() -> None:
    problem = Problem("events/2027/cst-ler.md", 7, "strat", "unknown field", "did you mean 'start'?")
    assert str(problem) == "events/2027/cst-ler.md:7: strat: unknown field. Hint: did you mean 'start'?"
    assert ". ." not in problem.explained and ".:" not in str(problem)


def test_a_problem_without_a_hint_has_no_full_stop_added() -> None:
    problem = Problem("events/2027/cst-ler.md", 7, "end", "ends before start (2027-02-24 < 2027-02-26)")
    assert str(problem) == "events/2027/cst-ler.md:7: end: ends before start (2027-02-24 < 2027-02-26)"
