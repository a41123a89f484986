"""Loading event files: every file in tests/data, folders with bad files, cross-file checks.

Each file in `tests/data/invalid/` says what it must produce in lines of the form
`# expect: 5: end: ends before start (2027-02-24 < 2027-02-26)`, exactly as `calendar-app
validate` prints a problem after the file name; adding a case is adding one file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from calendar_app.core.config import SiteConfig
from calendar_app.core.errors import EventFileError, Problem
from calendar_app.core.loader import event_files, load_event_file, load_events

from .conftest import DATA

VALID = DATA / "valid"
INVALID = DATA / "invalid"
_EXPECT = re.compile(r"^# expect: (.*)$", re.MULTILINE)

# Files that cannot hold their own expectation.
EXPECTED_HERE = {
    "empty.md": ["1: the file is empty. Hint: start it with a line '---'."],
}


def shown(problem: Problem) -> str:
    """A problem as `validate` prints it, without the file name in front."""
    return str(problem)[len(problem.path) + 1 :].lstrip()


def expectations(path: Path) -> list[str]:
    if path.name in EXPECTED_HERE:
        return EXPECTED_HERE[path.name]
    return _EXPECT.findall(path.read_bytes().decode("utf-8", errors="replace"))


def problems_of(path: Path, root: Path, config: SiteConfig) -> list[Problem]:
    try:
        load_event_file(path, root, config)
    except EventFileError as exc:
        return exc.problems
    return []


def _ids(paths: list[Path], root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in paths]


VALID_FILES = event_files(VALID)
INVALID_FILES = sorted(INVALID.glob("*.md"))


@pytest.mark.parametrize("path", VALID_FILES, ids=_ids(VALID_FILES, VALID))
def test_valid_file_loads(path: Path, sample_config: SiteConfig) -> None:
    event = load_event_file(path, VALID, sample_config)
    assert event.slug == path.stem
    assert event.title


@pytest.mark.parametrize("path", INVALID_FILES, ids=_ids(INVALID_FILES, INVALID))
def test_invalid_file_reports_exactly(path: Path, sample_config: SiteConfig) -> None:
    expected = expectations(path)
    assert expected, f"{path.name} says nothing it expects: add a line '# expect: LINE: field: message'"
    problems = problems_of(path, INVALID, sample_config)
    assert [shown(p) for p in problems] == expected
    assert all(p.path.endswith(path.name) for p in problems)


def test_every_invalid_file_shows_one_kind_of_mistake() -> None:
    """Names say what the file shows; the test data folders hold no stray files."""
    stray = [p.name for p in INVALID.iterdir() if p.suffix != ".md"]
    assert stray == []
    assert len(INVALID_FILES) >= 40


def test_huge_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    config = SiteConfig()
    path = tmp_path / "huge.md"
    path.write_text("---\ntitle: Big\n---\n" + "x" * config.max_file_bytes, encoding="utf-8")
    size = path.stat().st_size
    problems = problems_of(path, tmp_path, config)
    assert [shown(p) for p in problems] == [
        f"the file is too large ({size:,} bytes; the limit is {config.max_file_bytes:,})"
    ]


def test_symbolic_link_leaving_the_events_folder_is_refused(tmp_path: Path) -> None:
    events = tmp_path / "events"
    events.mkdir()
    outside = tmp_path / "secret.md"
    outside.write_text((VALID / "hybrid.md").read_text(encoding="utf-8"), encoding="utf-8")
    (events / "leak.md").symlink_to(outside)
    result = load_events(events, SiteConfig())
    assert result.events == []
    assert [p.message for p in result.problems] == ["is a symbolic link that leads outside the events folder"]
    assert result.problems[0].path.endswith("leak.md")


def test_symbolic_link_inside_the_events_folder_is_followed(tmp_path: Path) -> None:
    events = tmp_path / "events"
    (events / "2027").mkdir(parents=True)
    (events / "2027" / "hybrid.md").write_text((VALID / "hybrid.md").read_text(encoding="utf-8"), encoding="utf-8")
    (events / "hybrid-again.md").symlink_to(events / "2027" / "hybrid.md")
    result = load_events(events, SiteConfig())
    assert result.problems == []
    assert sorted(e.slug for e in result.events) == ["hybrid", "hybrid-again"]


def test_linked_folder_is_not_walked(tmp_path: Path) -> None:
    events = tmp_path / "events"
    events.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "hybrid.md").write_text((VALID / "hybrid.md").read_text(encoding="utf-8"), encoding="utf-8")
    (events / "linked").symlink_to(elsewhere, target_is_directory=True)
    assert event_files(events) == []


def _copy(name: str, to: Path) -> Path:
    to.parent.mkdir(parents=True, exist_ok=True)
    to.write_bytes((VALID / name).read_bytes())
    return to


def test_duplicate_slugs_across_folders(tmp_path: Path) -> None:
    _copy("hybrid.md", tmp_path / "2026" / "symposium.md")
    _copy("timed-without-end.md", tmp_path / "2027" / "symposium.md")
    result = load_events(tmp_path, SiteConfig())
    assert [e.path for e in result.events] == [str(tmp_path / "2026" / "symposium.md")]
    assert [str(p) for p in result.problems] == [
        f"{tmp_path / '2027' / 'symposium.md'}:1: duplicate slug 'symposium': {tmp_path / '2026' / 'symposium.md'} "
        "has the same file name. Hint: rename one of the files."
    ]


def test_duplicate_uids_across_files(tmp_path: Path) -> None:
    first = _copy("uid-and-sequence.md", tmp_path / "a-seminar.md")
    second = tmp_path / "b-seminar.md"
    second.write_text(first.read_text(encoding="utf-8").replace("title: Human", "title: Copied Human"), "utf-8")
    result = load_events(tmp_path, SiteConfig())
    assert [e.slug for e in result.events] == ["a-seminar"]
    (problem,) = result.problems
    assert (problem.path, problem.line, problem.field) == (str(second), 1, "uid")
    assert problem.message == (
        f"duplicate uid 'htic-seminar-2027@calendar.example.org': {first} has the same uid"
    )


def test_derived_uid_clashing_with_a_written_one(tmp_path: Path) -> None:
    _copy("hybrid.md", tmp_path / "symposium.md")
    other = tmp_path / "zz-other.md"
    other.write_text(
        (VALID / "timed-without-end.md").read_text(encoding="utf-8").replace(
            "online: true", "online: true\nuid: symposium@calendar.example.org"
        ),
        encoding="utf-8",
    )
    result = load_events(tmp_path, SiteConfig())
    assert [p.field for p in result.problems] == ["uid"]
    assert [e.slug for e in result.events] == ["symposium"]


def test_one_bad_file_never_hides_the_others(tmp_path: Path) -> None:
    _copy("hybrid.md", tmp_path / "2027" / "good.md")
    for name in ("not-utf8.md", "broken-yaml.md", "several-problems.md", "end-before-start.md"):
        (tmp_path / "2027" / name).write_bytes((INVALID / name).read_bytes())
    result = load_events(tmp_path, SiteConfig())
    assert [e.slug for e in result.events] == ["good"]
    files = [Path(p.path).name for p in result.problems]
    assert files == [
        "broken-yaml.md",
        "end-before-start.md",
        "not-utf8.md",
        *["several-problems.md"] * 5,
    ]


def test_hidden_and_underscore_entries_are_not_events(tmp_path: Path) -> None:
    _copy("hybrid.md", tmp_path / "hybrid.md")
    _copy("hybrid.md", tmp_path / ".drafts" / "draft.md")
    _copy("hybrid.md", tmp_path / "_trash" / "old.md")
    _copy("hybrid.md", tmp_path / ".hidden.md")
    (tmp_path / "notes.txt").write_text("not an event", encoding="utf-8")
    assert [p.name for p in event_files(tmp_path)] == ["hybrid.md"]


def test_missing_events_folder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    result = load_events(tmp_path / "nowhere", SiteConfig())
    assert result.events == []
    assert [p.message for p in result.problems] == ["the events folder does not exist"]


def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    # A folder named like an event file cannot be read as one, whoever runs the tests (root reads
    # files of any mode, so a chmod would prove nothing under CI).
    path = tmp_path / "folder-not-file.md"
    path.mkdir()
    (problem,) = problems_of(path, tmp_path, SiteConfig())
    assert (problem.line, problem.message) == (None, "is a folder, not a regular file; only regular files are read")


def test_the_shown_path_is_relative_to_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "events" / "2027").mkdir(parents=True)
    (tmp_path / "events" / "2027" / "end-before-start.md").write_bytes((INVALID / "end-before-start.md").read_bytes())
    monkeypatch.chdir(tmp_path)
    result = load_events(tmp_path / "events", SiteConfig())
    assert [str(p) for p in result.problems] == [
        "events/2027/end-before-start.md:6: end: ends before start (2027-02-24 < 2027-02-26)"
    ]


def test_last_modified_defaults_to_the_file_time(tmp_path: Path) -> None:
    path = _copy("hybrid.md", tmp_path / "hybrid.md")
    os.utime(path, (1_800_000_000, 1_800_000_000))
    event = load_event_file(path, tmp_path, SiteConfig())
    assert event.last_modified.isoformat() == "2027-01-15T08:00:00+00:00"


def test_content_hash_follows_the_bytes(tmp_path: Path) -> None:
    path = _copy("hybrid.md", tmp_path / "hybrid.md")
    before = load_event_file(path, tmp_path, SiteConfig()).content_hash
    path.write_text(path.read_text(encoding="utf-8") + "One more line.\n", encoding="utf-8")
    after = load_event_file(path, tmp_path, SiteConfig()).content_hash
    assert before != after
    assert load_event_file(path, tmp_path, SiteConfig()).content_hash == after


def test_a_named_pipe_among_the_events_is_reported_and_never_waited_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening a FIFO waits for a writer that never comes: it is refused, and the rest loads."""
    from calendar_app.cli.main import main

    from .noblock import within

    events = tmp_path / "events"
    (events / "2027").mkdir(parents=True)
    (events / "2027" / "webinar.md").write_text(
        "---\ntitle: Webinar\ntype: webinar\nstart: 2027-01-19 14:00\nonline: true\n---\n", encoding="utf-8")
    os.mkfifo(events / "2027" / "stuck.md")
    result = within(30, lambda: load_events(events, SiteConfig()))
    assert [e.slug for e in result.events] == ["webinar"]
    assert [str(p) for p in result.problems] == [
        f"{events}/2027/stuck.md: is a named pipe (FIFO), not a regular file; only regular files are read. "
        "Hint: remove it, or move it out of the events folder."]
    monkeypatch.chdir(tmp_path)
    assert within(30, lambda: main(["validate", "--events", "events"])) == 1
    out = capsys.readouterr()
    assert "events/2027/stuck.md: is a named pipe (FIFO), not a regular file" in out.out
    assert "1 event(s) valid, 1 error(s)" in out.out + out.err
