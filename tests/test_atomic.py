"""Files written whole or not at all: never half a file, never a file replaced that may not be."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from calendar_app.files.atomic import atomic_write


def test_atomic_write_creates_folders_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "events" / "2027" / "new-event.md"
    atomic_write(target, "---\ntitle: A\n---\n", overwrite=False)
    assert target.read_text(encoding="utf-8") == "---\ntitle: A\n---\n"
    assert [p.name for p in target.parent.iterdir()] == ["new-event.md"]


def test_atomic_write_never_replaces_a_file_it_may_not(tmp_path: Path) -> None:
    target = tmp_path / "event.md"
    target.write_text("the coordinator's version", encoding="utf-8")
    with pytest.raises(FileExistsError):
        atomic_write(target, "another version", overwrite=False)
    assert target.read_text(encoding="utf-8") == "the coordinator's version"
    assert [p.name for p in tmp_path.iterdir()] == ["event.md"]


def test_atomic_write_replaces_when_asked(tmp_path: Path) -> None:
    target = tmp_path / "event.md"
    target.write_text("old", encoding="utf-8")
    atomic_write(target, "new\n", overwrite=True)
    assert target.read_bytes() == b"new\n"
    assert [p.name for p in tmp_path.iterdir()] == ["event.md"]


def test_atomic_write_writes_unix_line_endings(tmp_path: Path) -> None:
    target = tmp_path / "event.md"
    atomic_write(target, "a\nb\n", overwrite=False)
    assert target.read_bytes() == b"a\nb\n"


def test_two_writers_racing_for_one_name_leave_one_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "event.md"
    outcomes: list[str] = []
    texts = [f"writer {i}\n" * 1000 for i in range(8)]

    def write(text: str) -> None:
        try:
            atomic_write(target, text, overwrite=False)
            outcomes.append("written")
        except FileExistsError:
            outcomes.append("refused")

    threads = [threading.Thread(target=write, args=(t,)) for t in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused"] * 7 + ["written"]
    assert target.read_text(encoding="utf-8") in texts
    assert [p.name for p in tmp_path.iterdir()] == ["event.md"]
