"""Writing event files: the text people would write, read back unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from calendar_app.core.config import SiteConfig
from calendar_app.core.frontmatter import split_front_matter
from calendar_app.core.loader import load_event_file
from calendar_app.files.writer import ordered_fields, render_event_file

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
    copy.write_text(render_event_file(front.data, original.body), encoding="utf-8")
    again = load_event_file(copy, tmp_path, config)
    assert again.fields == original.fields
    assert (again.start, again.end, again.uid, again.body) == (original.start, original.end, original.uid, original.body)


def test_where_a_synced_event_came_from_is_written_last_and_read_back(tmp_path: Path) -> None:
    data = {**EXAMPLE, "source": {"id": "ovc-ttac", "uid": "cst-ler@ovc.example.org"}, "sequence": 2}
    text = render_event_file(data, "")
    assert text.endswith("uid: cst-ler-2027@calendar.example.org\nsequence: 2\nsource:\n  id: ovc-ttac\n"
                          "  uid: cst-ler@ovc.example.org\n---\n")
    path = tmp_path / "cst-ler.md"
    path.write_text(text, encoding="utf-8")
    source = load_event_file(path, tmp_path, SiteConfig()).fields.source
    assert source is not None and (source.id, source.uid) == ("ovc-ttac", "cst-ler@ovc.example.org")
