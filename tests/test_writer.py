"""Writing event files: the text people would write, read back unchanged, saved atomically."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from calendar_app.core.config import SiteConfig
from calendar_app.core.frontmatter import split_front_matter
from calendar_app.core.loader import load_event_file
from calendar_app.files.writer import atomic_write, ordered_fields, render_event_file

from .conftest import DATA

EXAMPLE = {
    "uid": "cst-ler-2027@calendar.example.org",
    "title": "Child Sex Trafficking: Law Enforcement Response",
    "start": "2027-02-22",
    "type": "training",
    "end": "2027-02-24",
    "location": {"venue": "Embassy Suites Columbia", "city": "Columbia", "region": "SC", "country": "US"},
    "sponsors": ["OJJDP"],
    "topics": ["child sex trafficking", "investigations"],
    "registration": {"url": "https://www.example.org/register/cst-ler", "deadline": "2027-02-01", "cost": "Free"},
}


def test_fields_come_in_the_documented_order_with_readable_values() -> None:
    assert render_event_file(EXAMPLE, "A three-day course on **child sex trafficking**.") == (
        "---\n"
        "title: 'Child Sex Trafficking: Law Enforcement Response'\n"
        "type: training\n"
        "start: 2027-02-22\n"
        "end: 2027-02-24\n"
        "location:\n"
        "  venue: Embassy Suites Columbia\n"
        "  city: Columbia\n"
        "  region: SC\n"
        "  country: US\n"
        "registration:\n"
        "  url: https://www.example.org/register/cst-ler\n"
        "  deadline: 2027-02-01\n"
        "  cost: Free\n"
        "sponsors: [OJJDP]\n"
        "topics: [child sex trafficking, investigations]\n"
        "uid: cst-ler-2027@calendar.example.org\n"
        "---\n"
        "A three-day course on **child sex trafficking**.\n"
    )


def test_date_times_are_written_without_tags() -> None:
    text = render_event_file(
        {"title": "A", "type": "webinar", "start": "2027-01-19 14:00", "end": "15:30", "except": ["2027-01-26 14:00"]},
        "",
    )
    assert "!!" not in text
    assert "start: 2027-01-19 14:00\n" in text
    assert "end: '15:30'\n" in text  # YAML 1.1 tools would read 15:30 unquoted as a number


def test_yaml_words_are_quoted_so_every_tool_reads_text() -> None:
    text = render_event_file(
        {"title": "yes", "type": "conference", "start": "2027-09-14",
         "location": {"country": "NO", "postal_code": "01234"}},
        "",
    )
    assert "title: 'yes'\n" in text
    assert "  country: 'NO'\n" in text
    assert "  postal_code: '01234'\n" in text


def test_empty_values_are_left_out() -> None:
    assert ordered_fields(
        {"title": "A", "end": None, "topics": [], "location": {"venue": None, "city": ""}, "url": ""}
    ) == {"title": "A"}


def test_unknown_keys_go_last() -> None:
    assert list(ordered_fields({"zeta": "1", "sequence": "2", "title": "A"})) == ["title", "sequence", "zeta"]


def test_body_line_endings_are_normalised_and_no_body_means_none() -> None:
    assert render_event_file({"title": "A"}, "\r\n\r\nLine one\r\nLine two\r\n\r\n") == (
        "---\ntitle: A\n---\nLine one\nLine two\n"
    )
    assert render_event_file({"title": "A"}, "") == "---\ntitle: A\n---\n"


def test_unicode_is_written_as_is() -> None:
    text = render_event_file({"title": "Trata laboral: señales y respuesta"}, "Sesión en español.")
    assert "señales" in text and "Sesión" in text


@pytest.mark.parametrize("path", sorted((DATA / "valid").glob("*.md")), ids=lambda p: p.name)
def test_rewriting_a_valid_file_keeps_its_meaning(path: Path, tmp_path: Path) -> None:
    config = SiteConfig()
    original = load_event_file(path, path.parent, config)
    front = split_front_matter(path.read_bytes().decode("utf-8-sig"), str(path))
    copy = tmp_path / path.name
    atomic_write(copy, render_event_file(front.data, original.body), overwrite=False)
    again = load_event_file(copy, tmp_path, config)
    assert again.fields == original.fields
    assert (again.start, again.end, again.uid, again.body) == (original.start, original.end, original.uid, original.body)


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
