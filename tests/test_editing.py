"""Saving event files: validation before writing, conflicts, sequence, and nothing lost under load or crash."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from calendar_app.core.clock import Clock
from calendar_app.core.config import load_config
from calendar_app.core.loader import load_events
from calendar_app.desk.editing import Author, EditConflict, Editor, EditRefused, SaveFailed, slugify
from calendar_app.desk.eventform import empty_values
from calendar_app.desk.history import History
from calendar_app.files.site import Site

from .coordinator_site import ROOT, TRAINING, WEBINAR

ANA = Author("Ana Ruiz", "ana@example.org")


def make_editor(root: Path) -> Editor:
    config = load_config(ROOT / "calendar.toml")
    events = root / "events"
    if not events.exists():
        (events / "2027").mkdir(parents=True)
        (events / "2027" / "screening-youth-webinar.md").write_text(WEBINAR, encoding="utf-8")
        (events / "2027" / "cst-law-enforcement-columbia.md").write_text(TRAINING, encoding="utf-8")
    site = Site(config, events, Clock(config.zone))
    history = History(events, root / "changes.log", ("Publisher", "calendar@example.org"))
    return Editor(site, history, root / ".calendar-edit.lock")


@pytest.fixture
def editor(tmp_path: Path) -> Editor:
    return make_editor(tmp_path)


def values(**changes: str) -> dict[str, str]:
    v = empty_values()
    v.update(title="Tribal Consultation on Human Trafficking", type="meeting", start="2027-05-04",
             end="2027-05-05", **{"location.city": "Rapid City", "location.region": "SD"})
    v.update(changes)
    return v


def test_create_writes_the_file_in_field_order_and_publishes_it(editor: Editor) -> None:
    saved = editor.create(values(description="Two days of listening sessions."), ANA)
    assert saved.path == editor.events_dir / "2027" / "tribal-consultation-on-human-trafficking.md"
    text = saved.path.read_text()
    assert text.startswith("---\ntitle: Tribal Consultation on Human Trafficking\ntype: meeting\nstart: 2027-05-04\n"
                           "end: 2027-05-05\nlocation:\n  city: Rapid City\n  region: SD\nuid: ")
    assert text.endswith("---\nTwo days of listening sessions.\n")
    assert "tribal-consultation-on-human-trafficking" in editor.site.catalog.by_slug


def test_create_refuses_invalid_events_and_writes_nothing(editor: Editor) -> None:
    before = sorted(editor.events_dir.rglob("*"))
    with pytest.raises(EditRefused) as caught:
        editor.create(values(end="2027-05-01", **{"location.city": "", "location.region": ""}), ANA)
    messages = {(p.field, p.message) for p in caught.value.problems}
    assert ("end", "ends before start (2027-05-01 < 2027-05-04)") in messages
    assert any("neither a location nor online details" in m for _, m in messages)
    for slug in ("../outside", "Upper", "a" * 81, "-x"):
        with pytest.raises(EditRefused) as caught:
            editor.create(values(), ANA, slug=slug)
        assert caught.value.problems[0].field == "slug"
    with pytest.raises(EditRefused, match="already exists"):
        editor.create(values(), ANA, slug="screening-youth-webinar")
    assert sorted(editor.events_dir.rglob("*")) == before


def test_raw_html_in_a_new_description_is_refused_but_an_old_one_is_kept(editor: Editor) -> None:
    with pytest.raises(EditRefused) as caught:
        editor.create(values(description='Join us <img src=x onerror="alert(1)">'), ANA)
    assert caught.value.problems[0].field == "description"
    assert "write the description in Markdown" in caught.value.problems[0].message
    path = editor.events_dir / "2027" / "screening-youth-webinar.md"
    path.write_text(WEBINAR.replace("How to screen", "<b>How</b> to screen"), encoding="utf-8")
    editor.site.refresh()
    source = editor.source("screening-youth-webinar")
    assert source.values is not None
    editor.update("screening-youth-webinar", {**source.values, "title": "Renamed"}, source.version, ANA)
    assert "<b>How</b> to screen" in path.read_text()


def test_sequence_rises_with_time_place_or_status_and_never_goes_down(editor: Editor) -> None:
    def edit(**changes: str) -> int:
        source = editor.source("cst-law-enforcement-columbia")
        assert source.values is not None
        return editor.update("cst-law-enforcement-columbia", {**source.values, **changes}, source.version,
                             ANA).event.sequence

    assert edit(title="CST: Law Enforcement Response") == 0
    assert edit(end="2027-02-25") == 1
    assert edit(**{"location.venue": "Columbia Convention Center"}) == 2
    assert edit(status="postponed", status_note="Moved to the spring.") == 3
    assert edit(topics="investigations") == 3
    with pytest.raises(EditRefused, match="must not go down"):
        edit(sequence="1")


def test_cancel_needs_a_reason_and_keeps_the_event(editor: Editor) -> None:
    version = editor.source("screening-youth-webinar").version
    with pytest.raises(EditRefused, match="give the reason"):
        editor.cancel("screening-youth-webinar", "  ", version, ANA)
    saved = editor.cancel("screening-youth-webinar", "The presenter is ill.", version, ANA)
    assert saved.event.status.value == "cancelled" and saved.event.sequence == 1
    assert saved.event.fields.status_note == "The presenter is ill."
    assert "# Written by hand" in saved.path.read_text()


def test_a_series_with_a_cancelled_session_can_be_cancelled_and_brought_back(editor: Editor) -> None:
    path = editor.events_dir / "2027" / "screening-youth-webinar.md"
    path.write_text(WEBINAR.replace('featured: false', 'repeat: FREQ=WEEKLY;COUNT=3\nchanges:\n'
                                    '- occurrence: "2027-03-09 14:00"\n  status: cancelled'), encoding="utf-8")
    editor.site.refresh()
    version = editor.source("screening-youth-webinar").version
    saved = editor.cancel("screening-youth-webinar", "The series is called off.", version, ANA)
    assert saved.event.status.value == "cancelled"
    # The session's own cancellation stays, and means something again once the series is back on.
    assert '- occurrence: "2027-03-09 14:00"\n  status: cancelled' in saved.path.read_text()
    source = editor.source("screening-youth-webinar")
    assert source.values is not None
    back = editor.update("screening-youth-webinar", {**source.values, "status": "scheduled", "status_note": ""},
                         source.version, ANA)
    assert back.event.status.value == "scheduled"
    assert [o.change.status.value if o.change and o.change.status else None for o in back.event.occurrences()] == [
        None, "cancelled", None]


def test_an_edit_started_from_an_old_version_is_refused(editor: Editor) -> None:
    old = editor.source("screening-youth-webinar")
    assert old.values is not None
    editor.update("screening-youth-webinar", {**old.values, "title": "First"}, old.version, ANA)
    kept = editor.source("screening-youth-webinar").text
    with pytest.raises(EditConflict, match="changed by someone else"):
        editor.update("screening-youth-webinar", {**old.values, "title": "Second"}, old.version, ANA)
    assert editor.source("screening-youth-webinar").text == kept


def test_a_file_that_cannot_be_read_is_only_rewritten_when_asked(editor: Editor) -> None:
    path = editor.events_dir / "2027" / "screening-youth-webinar.md"
    path.write_text("---\ntitle: [unclosed\n---\nBody\n", encoding="utf-8")
    source = editor.source("screening-youth-webinar")
    assert source.values is None
    with pytest.raises(EditRefused, match="cannot be read"):
        editor.update("screening-youth-webinar", values(title="Fixed"), source.version, ANA)
    saved = editor.update("screening-youth-webinar", values(title="Fixed"), source.version, ANA, allow_rewrite=True)
    assert saved.path.read_text().startswith("---\ntitle: Fixed\n")


def test_a_uid_another_event_has_is_refused(editor: Editor) -> None:
    with pytest.raises(EditRefused, match="already has this uid"):
        editor.create(values(uid="cst-law-enforcement-columbia@calendar.example.org"), ANA)


def test_changes_are_logged_when_there_is_no_git(editor: Editor, tmp_path: Path) -> None:
    source = editor.source("screening-youth-webinar")
    assert source.values is not None
    editor.update("screening-youth-webinar", {**source.values, "end": "16:00", "topics": "youth"}, source.version, ANA)
    entries = editor.history.entries("screening-youth-webinar", None)
    assert [e.message for e in entries] == ["Edited screening-youth-webinar: end, topics (sequence 1)"]
    assert entries[0].author == "Ana Ruiz" and entries[0].email == "ana@example.org"


def test_slugify() -> None:
    assert slugify("Child Sex Trafficking: Law Enforcement Response!") == "child-sex-trafficking-law-enforcement-response"
    assert slugify("¿Qué?") == "que" and slugify("!!!") == "event"


def test_slugify_transliterates_and_cuts_between_words() -> None:
    title = "La trata laboral en el trabajo agrícola: identificación y apoyo a sobrevivientes"
    assert slugify(title) == "la-trata-laboral-en-el-trabajo-agricola-identificacion-y"
    assert slugify("Straße der Ærø-Fähre, Łódź") == "strasse-der-aero-fahre-lodz"
    assert slugify("x" * 70) == "x" * 60  # one word longer than a slug: cut, as nothing else can be


# --- nothing lost ------------------------------------------------------------------------------------


def add_topic(editor: Editor, topic: str) -> int:
    """Read, change, save; on a conflict read again. Returns how many conflicts it met."""
    conflicts = 0
    while True:
        source = editor.source("screening-youth-webinar")
        assert source.values is not None
        topics = f"{source.values['topics']}, {topic}"
        try:
            editor.update("screening-youth-webinar", {**source.values, "topics": topics}, source.version, ANA)
            return conflicts
        except EditConflict:
            conflicts += 1


def assert_whole_and_valid(root: Path) -> None:
    result = load_events(root / "events", load_config(ROOT / "calendar.toml"))
    assert result.problems == [] and len(result.events) == 2
    assert list((root / "events").rglob(".*.tmp")) == []


def test_threads_saving_at_once_lose_no_update(editor: Editor, tmp_path: Path) -> None:
    topics = [f"thread {n}" for n in range(8)]
    threads = [threading.Thread(target=add_topic, args=(editor, t)) for t in topics]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    saved = editor.site.catalog.by_slug["screening-youth-webinar"].fields.topics
    assert sorted(saved) == sorted(["screening", "youth", *topics])
    assert_whole_and_valid(tmp_path)
    assert len(editor.history.entries("screening-youth-webinar", None)) == 8


def test_of_several_saves_from_the_same_version_exactly_one_wins(editor: Editor) -> None:
    source = editor.source("screening-youth-webinar")
    assert source.values is not None
    outcomes: list[str] = []

    def save(n: int) -> None:
        try:
            editor.update("screening-youth-webinar", {**source.values, "title": f"Title {n}"}, source.version, ANA)
            outcomes.append("saved")
        except EditConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=save, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 5 + ["saved"]


def _process_worker(root: str, name: str) -> None:
    editor = make_editor(Path(root))
    for n in range(2):
        add_topic(editor, f"{name} {n}")


def test_processes_saving_at_once_lose_no_update(tmp_path: Path) -> None:
    make_editor(tmp_path)
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_process_worker, args=(str(tmp_path), f"process {n}")) for n in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
        assert w.exitcode == 0
    final = make_editor(tmp_path).site.catalog.by_slug["screening-youth-webinar"].fields.topics
    assert sorted(final) == sorted(["screening", "youth", *(f"process {p} {n}" for p in range(3) for n in range(2))])
    assert_whole_and_valid(tmp_path)


def test_a_failure_before_the_rename_leaves_the_old_file(editor: Editor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import calendar_app.files.atomic as atomic

    path = editor.events_dir / "2027" / "screening-youth-webinar.md"
    before = path.read_text()
    source = editor.source("screening-youth-webinar")
    assert source.values is not None

    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", disk_full)
    with pytest.raises(SaveFailed, match="No space left"):  # refused plainly, not a server error
        editor.update("screening-youth-webinar", {**source.values, "title": "Lost"}, source.version, ANA)
    assert path.read_text() == before
    assert_whole_and_valid(tmp_path)


CRASH = """
import os, sys
from pathlib import Path
sys.path.insert(0, {root!r})
import calendar_app.files.atomic as atomic
from tests.test_editing import ANA, make_editor
editor = make_editor(Path({tmp!r}))
source = editor.source("screening-youth-webinar")
atomic.os.replace = lambda *a: os._exit(9)  # the process dies after the new text is on disk, before the rename
editor.update("screening-youth-webinar", {{**source.values, "title": "Half done"}}, source.version, ANA)
"""


def test_a_crash_between_write_and_rename_leaves_the_old_file_intact(tmp_path: Path) -> None:
    editor = make_editor(tmp_path)
    path = editor.events_dir / "2027" / "screening-youth-webinar.md"
    before = path.read_text()
    result = subprocess.run([sys.executable, "-c", CRASH.format(root=str(ROOT), tmp=str(tmp_path))],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 9, result.stderr
    assert path.read_text() == before
    leftovers = list(path.parent.glob(".screening-youth-webinar.md.*.tmp"))
    assert len(leftovers) == 1 and "Half done" in leftovers[0].read_text()  # written, never renamed
    result = load_events(tmp_path / "events", load_config(ROOT / "calendar.toml"))
    assert result.problems == [] and {e.title for e in result.events} >= {"Screening Youth for Trafficking"}

