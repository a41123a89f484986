"""Splitting a file into front matter and body: values as written, and the line of every key."""

from __future__ import annotations

import pytest

from calendar_app.core.errors import EventFileError
from calendar_app.core.frontmatter import FrontMatter, split_front_matter


def split(text: str) -> FrontMatter:
    return split_front_matter(text, "events/example.md")


def problem_of(text: str) -> tuple[int | None, int | None, str | None, str]:
    with pytest.raises(EventFileError) as caught:
        split(text)
    (problem,) = caught.value.problems
    return problem.line, problem.column, problem.field, problem.message


EXAMPLE = """---
title: "Child Sex Trafficking: Law Enforcement Response"
type: training
start: 2027-02-22
end: 2027-02-24
location:
  venue: Embassy Suites Columbia
  city: Columbia
  region: SC
  country: US
sponsors: [OJJDP]
topics:
  - child sex trafficking
  - investigations
---
A three-day course on identifying and responding to **child sex trafficking** ...
"""


def test_values_are_kept_as_the_text_written() -> None:
    front = split(EXAMPLE)
    assert front.data == {
        "title": "Child Sex Trafficking: Law Enforcement Response",
        "type": "training",
        "start": "2027-02-22",
        "end": "2027-02-24",
        "location": {"venue": "Embassy Suites Columbia", "city": "Columbia", "region": "SC", "country": "US"},
        "sponsors": ["OJJDP"],
        "topics": ["child sex trafficking", "investigations"],
    }


def test_every_key_and_item_has_its_line() -> None:
    front = split(EXAMPLE)
    assert front.lines[("title",)] == 2
    assert front.lines[("end",)] == 5
    assert front.lines[("location", "region")] == 9
    assert front.lines[("topics", 1)] == 14
    assert front.line_of(("location", "region", "nothing-below")) == 9
    assert front.line_of(("missing",)) is None


def test_body_and_its_first_line() -> None:
    front = split(EXAMPLE)
    assert front.body == "A three-day course on identifying and responding to **child sex trafficking** ...\n"
    assert front.end_line == 15
    assert front.body_line == 16


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("14:00", "14:00"),  # YAML 1.1 reads the sexagesimal number 840
        ("NO", "NO"),  # YAML 1.1 reads false: Norway must stay Norway
        ("yes", "yes"),
        ("off", "off"),
        ("2027-01-11", "2027-01-11"),  # not a date object that later fails as a string
        ("2027-01-19 14:00:00", "2027-01-19 14:00:00"),
        ("01234", "01234"),  # a postal code keeps its leading zero
        ("1_000", "1_000"),
        ("3.0", "3.0"),
        ("0x10", "0x10"),
        (".inf", ".inf"),
    ],
)
def test_yaml_one_one_traps_do_not_change_meaning(written: str, kept: str) -> None:
    front = split(f"---\nvalue: {written}\n---\n")
    assert front.data["value"] == kept
    assert ("value",) not in front.quoted


def test_quoted_values_are_marked() -> None:
    front = split("---\na: '14:00'\nb: \"NO\"\nc: plain\nd: |\n  block\n---\n")
    assert front.data == {"a": "14:00", "b": "NO", "c": "plain", "d": "block\n"}
    assert front.quoted == {("a",), ("b",), ("d",)}


@pytest.mark.parametrize("empty", ["", "~", "null", "Null", "NULL"])
def test_empty_values_are_none(empty: str) -> None:
    assert split(f"---\nend: {empty}\n---\n").data == {"end": None}


def test_quoted_empty_value_is_text() -> None:
    assert split('---\nstatus_note: ""\n---\n').data == {"status_note": ""}


def test_byte_order_mark_and_windows_line_endings() -> None:
    front = split("\ufeff---\r\ntitle: A\r\ntype: webinar\r\n---\r\nBody\r\n")
    assert front.data == {"title": "A", "type": "webinar"}
    assert front.lines[("type",)] == 3
    assert front.body == "Body\r\n"


def test_front_matter_may_close_with_three_dots() -> None:
    front = split("---\ntitle: A\n...\nBody\n")
    assert front.data == {"title": "A"}
    assert front.body == "Body\n"


def test_a_later_line_of_dashes_belongs_to_the_body() -> None:
    front = split("---\ntitle: A\n---\nAbove\n\n---\n\nBelow\n")
    assert front.body == "Above\n\n---\n\nBelow\n"


def test_anchors_and_aliases_are_expanded() -> None:
    front = split("---\ntopics: &t [labor trafficking]\naudience: *t\n---\n")
    assert front.data["audience"] == ["labor trafficking"]


def test_empty_file() -> None:
    assert problem_of("") == (1, None, None, "the file is empty")
    assert problem_of(" \n\n") == (1, None, None, "the file is empty")


def test_no_front_matter() -> None:
    assert problem_of("title: A\n")[3] == "no front matter: the first line must be '---'"


def test_front_matter_not_closed() -> None:
    assert problem_of("---\ntitle: A\n")[:3] == (1, None, None)


def test_empty_front_matter() -> None:
    assert problem_of("---\n---\nBody\n") == (2, None, None, "the front matter is empty")
    assert problem_of("---\n# only a comment\n---\n") == (2, None, None, "the front matter is empty")


def test_front_matter_that_is_not_a_mapping() -> None:
    assert problem_of("---\n\n- a\n---\n") == (3, None, None, "the front matter must be a set of 'key: value' lines")
    assert problem_of("---\njust words\n---\n")[3] == "the front matter must be a set of 'key: value' lines"


def test_broken_yaml_reports_yamls_own_line_and_column() -> None:
    line, column, field, message = problem_of("---\ntitle: A\ntopics: [a, b\nstart: 2027-01-01\n---\n")
    assert (line, column, field) == (4, 6, None)
    assert message == (
        "invalid YAML at column 6: did not find expected ',' or ']' (while parsing a flow sequence started on line 3)"
    )


def test_bad_indentation() -> None:
    line, column, _field, message = problem_of("---\nlocation:\n  city: Columbia\n region: SC\n---\n")
    assert (line, column) == (4, 2)
    assert message.startswith("invalid YAML at column 2: ")


def test_duplicate_key_names_both_lines() -> None:
    with pytest.raises(EventFileError) as caught:
        split("---\nlocation:\n  city: Columbia\n  region: SC\n  city: Chicago\n---\n")
    (problem,) = caught.value.problems
    assert (problem.line, problem.field, problem.message, problem.hint) == (
        5,
        "location.city",
        "duplicate key (first given on line 3)",
        "remove one of the two",
    )


def test_merge_keys_are_refused() -> None:
    assert problem_of("---\nbase: &b {type: webinar}\n<<: *b\n---\n") == (
        3,
        None,
        None,
        "merge keys ('<<') are not supported",
    )


def test_complex_keys_are_refused() -> None:
    assert problem_of("---\n? [a, b]\n: value\n---\n")[3] == "a key must be a plain name"


def test_alias_bombs_stop_early() -> None:
    lines = ["---", "a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for name, previous in zip("bcdefgh", "abcdefg", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    text = "\n".join(lines) + "\n---\n"
    assert problem_of(text)[3] == "the front matter is too large or nests aliases too deeply"


def test_problems_name_the_file_they_were_given() -> None:
    with pytest.raises(EventFileError) as caught:
        split_front_matter("", "events/2027/cst-ler.md")
    assert str(caught.value) == "events/2027/cst-ler.md:1: the file is empty. Hint: start it with a line '---'."


def test_a_tab_in_the_indentation_gets_a_hint() -> None:
    with pytest.raises(EventFileError) as caught:
        split("---\nonline:\n\turl: https://www.example.org/join\n---\n")
    (problem,) = caught.value.problems
    assert (problem.line, problem.hint) == (3, "indent with spaces; YAML does not allow tabs")
