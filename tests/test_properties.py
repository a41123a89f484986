"""Properties that must hold for every event file anyone could write."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings

from calendar_app.config import SiteConfig
from calendar_app.errors import EventFileError
from calendar_app.loader import load_event_file
from calendar_app.writer import render_event_file

from .strategies import event_texts, valid_event_fields

CONFIG = SiteConfig()
PROPERTY_SETTINGS = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


def _load(tmp_path: Path, text: str, name: str = "fuzzed-event.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return load_event_file(path, tmp_path, CONFIG)


@PROPERTY_SETTINGS
@given(text=event_texts())
def test_validation_never_raises_and_every_problem_has_a_line(tmp_path: Path, text: str) -> None:
    try:
        event = _load(tmp_path, text)
    except EventFileError as exc:
        assert exc.problems, "an error with no problem in it"
        for problem in exc.problems:
            assert problem.path.endswith("fuzzed-event.md")
            assert isinstance(problem.line, int) and problem.line >= 1, str(problem)
            assert problem.message and "\n" not in problem.message, str(problem)
    else:
        assert event.title and event.start is not None


@PROPERTY_SETTINGS
@given(fields=valid_event_fields())
def test_documented_values_validate(tmp_path: Path, fields: dict[str, str]) -> None:
    text = render_event_file(fields, "A description.")
    try:
        event = _load(tmp_path, text)
    except EventFileError as exc:
        # The only refusal allowed for these values: a local time the clocks skip (DST).
        assert all("does not exist" in p.message for p in exc.problems), str(exc)
    else:
        assert event.title == fields["title"]
        assert event.all_day == (" " not in fields["start"])
