"""The build's folder: files written only when their bytes change, kept, removed, and the manifest."""

from __future__ import annotations

from pathlib import Path

import pytest

from calendar_app.build.outputtree import MANIFEST_DIR, MANIFEST_NAME, Manifest, OutputTree


def _build(out: Path, files: dict[str, str], keep: tuple[str, ...] = ()) -> OutputTree:
    previous = Manifest.read(out)
    assert previous is not None
    tree = OutputTree(out, previous)
    tree.begin()
    for path in keep:
        assert tree.can_keep(path)
        tree.keep(path)
    for path, text in files.items():
        tree.put(path, text)
    tree.finish()
    return tree


def test_only_changed_files_are_written_and_gone_ones_removed(tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = _build(out, {"index.html": "home", "events/a/index.html": "a", "events/b/index.html": "b"})
    assert sorted(first.written) == ["events/a/index.html", "events/b/index.html", "index.html"]
    stamp = (out / "index.html").stat().st_mtime_ns
    second = _build(out, {"index.html": "home", "events/a/index.html": "a, changed"})
    assert second.written == ["events/a/index.html"] and second.unchanged == 1
    assert second.removed == ["events/b/index.html"]
    assert (out / "index.html").stat().st_mtime_ns == stamp
    assert not (out / "events" / "b").exists()  # its folder went with it
    assert (out / "events" / "a" / "index.html").read_text(encoding="utf-8") == "a, changed"


def test_kept_files_stay_and_missing_ones_cannot_be_kept(tmp_path: Path) -> None:
    out = tmp_path / "site"
    _build(out, {"index.html": "home", "a.ics": "feed"})
    third = _build(out, {"index.html": "home"}, keep=("a.ics",))
    assert third.removed == [] and (out / "a.ics").exists()
    (out / "a.ics").unlink()
    tree = OutputTree(out, Manifest.read(out))  # type: ignore[arg-type]
    assert not tree.can_keep("a.ics") and not tree.can_keep("never-made.html")


def test_files_the_build_did_not_write_are_never_touched(tmp_path: Path) -> None:
    out = tmp_path / "site"
    _build(out, {"index.html": "home"})
    (out / "CNAME").write_text("trainings.example.org\n", encoding="utf-8")
    _build(out, {})
    assert (out / "CNAME").exists() and not (out / "index.html").exists()


def test_a_folder_of_other_files_is_not_a_build(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    assert Manifest.read(tmp_path) is None
    assert Manifest.read(tmp_path / "new") == Manifest()


def test_a_damaged_manifest_trusts_nothing(tmp_path: Path) -> None:
    out = tmp_path / "site"
    _build(out, {"index.html": "home"})
    (out / MANIFEST_DIR / MANIFEST_NAME).write_text("{not json", encoding="utf-8")
    again = _build(out, {"index.html": "home"})
    assert again.written == ["index.html"]


def test_paths_stay_inside_the_folder(tmp_path: Path) -> None:
    tree = OutputTree(tmp_path, Manifest())
    for bad in ("../escape.html", "/etc/passwd", "a//b", "", "a/./b"):
        with pytest.raises(AssertionError):
            tree.put(bad, "x")
    tree.put("ok.html", "x")
    with pytest.raises(AssertionError, match="twice"):
        tree.put("ok.html", "x")
