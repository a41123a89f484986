"""Editing front matter in place: only what changed is touched; comments and layout stay."""

from __future__ import annotations

import pytest

from calendar_app.core.frontmatter import split_front_matter
from calendar_app.desk.eventform import values_from_data
from calendar_app.desk.roundtrip import CannotKeepLayout, rewrite_event_file

ORIGINAL = """\
---
# Kept: a comment above everything
title: 'Task Force Operations'   # and one beside a value
type: training
start: "2027-02-09"
end: 2027-02-11
location:
  venue: Music City Center  # the big one
  city: Nashville
sponsors:
  - BJA
  - OVC
featured: false
---
Three days on running a task force.

With a second paragraph.
"""


def edit(text: str, **changes: str) -> str:
    front = split_front_matter(text, "x.md")
    before = values_from_data(front.data, front.body.strip("\n"))
    return rewrite_event_file(text, before, {**before, **changes})


def test_nothing_changed_gives_the_same_file() -> None:
    assert edit(ORIGINAL) == ORIGINAL


def test_a_change_touches_only_its_line() -> None:
    changed = edit(ORIGINAL, end="2027-02-12")
    assert changed == ORIGINAL.replace("end: 2027-02-11", "end: 2027-02-12")


def test_long_values_stay_on_their_lines_when_another_field_changes() -> None:
    link = "https://www.example.org/register?event=task-force-operations-2027&source=calendar&utm_campaign=" + "x" * 40
    title = "Task-Force-Operations:-Planning,-Victim-Centered-Investigations-and-Multidisciplinary-Response-2027"
    text = ORIGINAL.replace("title: 'Task Force Operations'", f"title: {title}").replace(
        "featured: false\n", f"featured: false\nregistration: {link}\n")
    changed = edit(text, type="conference")
    assert changed == text.replace("type: training", "type: conference")


def test_new_keys_go_where_the_documented_order_puts_them() -> None:
    changed = edit(ORIGINAL, **{"timezone": "America/Chicago", "location.region": "TN", "url": "https://example.org/tf"})
    assert "end: 2027-02-11\ntimezone: America/Chicago\nlocation:\n" in changed
    assert "  city: Nashville\n  region: TN\nurl: https://example.org/tf\nsponsors:\n" in changed
    assert "  venue: Music City Center  # the big one\n" in changed


def test_emptied_fields_are_removed_and_lists_keep_their_style() -> None:
    changed = edit(ORIGINAL, **{"location.venue": "", "sponsors": "BJA, OVC, OJJDP"})
    assert "venue" not in changed and "  city: Nashville\n" in changed
    assert "sponsors:\n  - BJA\n  - OVC\n  - OJJDP\n" in changed  # one item per line, as it was


def test_the_body_is_kept_byte_for_byte_unless_changed() -> None:
    assert edit(ORIGINAL, title="New").endswith("---\nThree days on running a task force.\n\nWith a second paragraph.\n")
    assert edit(ORIGINAL, description="Short.\r\nNow.").endswith("---\nShort.\nNow.\n")


def test_a_file_without_front_matter_cannot_be_kept() -> None:
    with pytest.raises(CannotKeepLayout, match="no front matter"):
        rewrite_event_file("just text\n", {}, {"title": "x"})


SERIES_WITH_CHANGES = """\
---
title: Wednesday Webinars
type: webinar
start: 2027-01-06 13:00
end: "14:00"
online: true
repeat: FREQ=WEEKLY;BYDAY=WE;COUNT=6
except: ["2027-01-20 13:00"]
extra: ["2027-02-25 13:00"]   # an extra session
changes:
  - occurrence: "2027-01-27 13:00"
    start: "2027-01-28 14:00"
    title: "Special session: Labor Trafficking"
  - occurrence: 2027-02-03 13:00
    status: cancelled
    status_note: The presenter is ill.
---
Weekly.
"""


def test_extra_dates_and_changes_the_form_does_not_edit_are_kept() -> None:
    assert edit(SERIES_WITH_CHANGES) == SERIES_WITH_CHANGES  # saved unchanged: byte for byte
    retitled = edit(SERIES_WITH_CHANGES, title="Wednesday Webinars 2027")
    assert retitled == SERIES_WITH_CHANGES.replace("title: Wednesday Webinars\n", "title: Wednesday Webinars 2027\n")
