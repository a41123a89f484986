"""The Atom feed of upcoming events, written by feedgen."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

from calendar_app.core.catalog import Catalog
from calendar_app.core.config import SiteConfig
from calendar_app.core.filters import Filters
from calendar_app.core.loader import load_events
from calendar_app.render.atom import render_atom

ATOM = "{http://www.w3.org/2005/Atom}"


def write(folder: Path, slug: str, front: str, body: str) -> None:
    (folder / f"{slug}.md").write_text(f"---\n{front.strip()}\n---\n{body}\n", encoding="utf-8")


def test_atom_entries_for_upcoming_events(tmp_path: Path) -> None:
    write(tmp_path, "soon-webinar", 'title: Soon & Sooner\ntype: webinar\nstart: "2027-01-19 14:00"\nonline: true', "Learn **this**.")
    write(tmp_path, "called-off", 'title: Called Off\ntype: meeting\nstart: "2027-02-01 10:00"\nstatus: cancelled\nonline: true', "")
    write(tmp_path, "long-over", 'title: Long Over\ntype: webinar\nstart: "2026-01-01 10:00"\nonline: true', "")
    config = SiteConfig(base_url="https://trainings.example.gov")
    catalog = Catalog(config, load_events(tmp_path, config).events)
    root = ET.fromstring(render_atom(catalog, Filters(), today=date(2026, 11, 23)))
    assert root.find(f"{ATOM}title").text == "Human Trafficking Trainings"  # type: ignore[union-attr]
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "https://trainings.example.gov/feed.atom"  # type: ignore[union-attr]
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == ["Soon & Sooner", "Cancelled: Called Off"]  # type: ignore[union-attr]
    first = entries[0]
    assert first.find(f"{ATOM}id").text == "urn:uid:soon-webinar@calendar.example.org"  # type: ignore[union-attr]
    assert first.find(f"{ATOM}summary").text == "January 19, 2027 | 2 p.m. ET | Online. Learn this."  # type: ignore[union-attr]
    assert "<strong>this</strong>" in (first.find(f"{ATOM}content").text or "")  # type: ignore[union-attr]
    assert [c.get("term") for c in first.findall(f"{ATOM}category")] == ["webinar"]


def test_filtered_atom_names_itself(tmp_path: Path) -> None:
    config = SiteConfig()
    catalog = Catalog(config, [])
    root = ET.fromstring(render_atom(catalog, Filters(types=("webinar",)), today=date(2026, 11, 23)))
    assert root.find(f"{ATOM}title").text == "Human Trafficking Trainings: webinars"  # type: ignore[union-attr]
    assert root.findall(f"{ATOM}entry") == []


def test_atom_entries_follow_the_next_session_as_changed(tmp_path: Path) -> None:
    # The series began before the single webinar, but its next session comes after it; that
    # session has its own title, and every session left of the other series is cancelled.
    write(
        tmp_path, "wednesdays",
        'title: Wednesday Webinars\ntype: webinar\nstart: "2026-11-04 13:00"\nonline: true\nrepeat: FREQ=WEEKLY;COUNT=6\n'
        'changes:\n  - occurrence: "2026-11-25 13:00"\n    start: "2026-11-26 15:00"\n    title: "Special session: Labor Trafficking"',
        "",
    )
    write(tmp_path, "single", 'title: Single\ntype: webinar\nstart: "2026-11-24 10:00"\nonline: true', "")
    write(
        tmp_path, "called-off-calls",
        'title: Calls\ntype: meeting\nstart: "2026-11-02 10:00"\nonline: true\nrepeat: FREQ=WEEKLY;COUNT=4\n'
        'changes:\n  - occurrence: "2026-11-23 10:00"\n    status: cancelled',
        "",
    )
    config = SiteConfig(base_url="https://trainings.example.gov")
    catalog = Catalog(config, load_events(tmp_path, config).events)
    root = ET.fromstring(render_atom(catalog, Filters(), today=date(2026, 11, 23)))
    entries = {e.find(f"{ATOM}title").text: e for e in root.findall(f"{ATOM}entry")}  # type: ignore[union-attr]
    assert list(entries) == ["Cancelled: Calls", "Single", "Wednesday Webinars"]
    assert entries["Wednesday Webinars"].find(f"{ATOM}summary").text == (  # type: ignore[union-attr]
        "November 26, 2026 | 3 p.m. ET | Online. This session: Special session: Labor Trafficking."
    )
