"""Who changed what: git commits with the coordinator as author, or an append-only change log."""

from __future__ import annotations

import subprocess
from pathlib import Path

from calendar_app.desk.history import Change, History

from .coordinator_site import init_git


def git_log(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), "log", *args], capture_output=True, text=True, check=True).stdout


def test_a_change_in_a_repository_is_committed_as_the_coordinator(tmp_path: Path) -> None:
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "a.md").write_text("one\n")
    init_git(tmp_path)
    (tmp_path / "unrelated.txt").write_text("staged by someone else\n")
    subprocess.run(["git", "-C", str(tmp_path), "add", "unrelated.txt"], check=True)
    history = History(tmp_path / "events", tmp_path / "changes.log", ("Publisher", "pub@example.org"))
    assert history.uses_git
    (tmp_path / "events" / "a.md").write_text("two\n")
    (tmp_path / "events" / "b.md").write_text("new\n")
    change = Change("edited", "a", "Ana Ruiz", "ana@example.org", "title", (tmp_path / "events" / "a.md",
                                                                          tmp_path / "events" / "b.md"))
    assert history.record(change) is None
    assert git_log(tmp_path, "-1", "--format=%an <%ae>|%s") == "Ana Ruiz <ana@example.org>|Edited a: title\n"
    assert git_log(tmp_path, "-1", "--name-only", "--format=") == "events/a.md\nevents/b.md\n"
    status = subprocess.run(["git", "-C", str(tmp_path), "status", "--porcelain"], capture_output=True, text=True)
    assert status.stdout == "A  unrelated.txt\n"  # what others staged is left alone
    entries = history.entries("a", tmp_path / "events" / "a.md")
    assert [e.message for e in entries] == ["Edited a: title", "Initial events"]
    assert entries[0].author == "Ana Ruiz" and entries[0].revision


def test_a_removed_file_is_committed_as_removed(tmp_path: Path) -> None:
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "a.md").write_text("one\n")
    init_git(tmp_path)
    history = History(tmp_path / "events", tmp_path / "changes.log", ("Publisher", "pub@example.org"))
    (tmp_path / "events" / "a.md").unlink()
    history.record(Change("deleted", "a", "Ana Ruiz", "ana@example.org", "", (tmp_path / "events" / "a.md",)))
    assert git_log(tmp_path, "-1", "--format=%s", "--name-status") == "Deleted a\n\nD\tevents/a.md\n"


def test_without_git_the_change_log_grows_one_line_at_a_time(tmp_path: Path) -> None:
    (tmp_path / "events").mkdir()
    history = History(tmp_path / "events", tmp_path / "changes.log", ("Publisher", "pub@example.org"))
    assert not history.uses_git
    for n in range(3):
        history.record(Change("edited", "a", "Ana Ruiz", "ana@example.org", f"change {n}", ()))
    with (tmp_path / "changes.log").open("a") as log:
        log.write('{"cut by a cr')  # a line cut short by a crash does not hide the others
    history.record(Change("cancelled", "b", "Ben", "ben@example.org", "", ()))
    lines = (tmp_path / "changes.log").read_text().splitlines()
    assert len(lines) == 4
    assert [e.message for e in history.entries("a", None)] == [f"Edited a: change {n}" for n in (2, 1, 0)]
