"""Properties that must hold for every event file anyone could write.

Validation never raises; every file that validates publishes a feed that two parsers read back
as the file says (instants, summaries, every occurrence, expanded three ways); its pages render
with every text escaped. `HYPOTHESIS_PROFILE=thorough` runs twenty times more examples.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from html.parser import HTMLParser
from itertools import islice
from pathlib import Path
from urllib.parse import quote

import pytest
import recurring_ical_events
from dateutil.rrule import rrulestr
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, note, settings
from markupsafe import escape

from calendar_app.config import SiteConfig
from calendar_app.errors import EventFileError
from calendar_app.ics import render_feed
from calendar_app.loader import load_event_file
from calendar_app.model import Event
from calendar_app.site import Site
from calendar_app.vevent import description_text, location_line
from calendar_app.web.app import create_app
from calendar_app.writer import render_event_file

from .feedcheck import as_utc, parse_both
from .strategies import event_texts, valid_event_fields, valid_events

CONFIG = SiteConfig()
PROPERTY_SETTINGS = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


def _load(tmp_path: Path, text: str, name: str = "fuzzed-event.md"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return load_event_file(path, tmp_path, CONFIG)


@PROPERTY_SETTINGS
@given(text=event_texts())
def test_validation_never_raises_and_every_problem_has_a_line(tmp_path: Path, text: str) -> None:
    try:
        event = _load(tmp_path, text)
    except EventFileError as exc:
        assert exc.problems, "an error with no problem in it"
        for problem in exc.problems:
            assert problem.path.endswith("fuzzed-event.md")
            assert isinstance(problem.line, int) and problem.line >= 1, str(problem)
            assert problem.message and "\n" not in problem.message, str(problem)
    else:
        assert event.title and event.start is not None


@PROPERTY_SETTINGS
@given(fields=valid_event_fields())
def test_documented_values_validate(tmp_path: Path, fields: dict[str, str]) -> None:
    text = render_event_file(fields, "A description.")
    try:
        event = _load(tmp_path, text)
    except EventFileError as exc:
        # The only refusal allowed for these values: a local time the clocks skip (DST).
        assert all("does not exist" in p.message for p in exc.problems), str(exc)
    else:
        assert event.title == fields["title"]
        assert event.all_day == (" " not in fields["start"])


# ---------------------------------------------------------------------------------------------
# Every file that validates publishes a feed both parsers read as the file says.

TODAY = date(2026, 11, 23)
SERIES_COMPARED = 60  # occurrences compared per series (a rule without an end never stops)


def _load_valid(tmp_path: Path, fields: dict[str, object], body: str, name: str = "generated-event.md") -> Event | None:
    """The event the file makes, or None for the refusals `valid_events` allows."""
    text = render_event_file(fields, body)
    note(text)
    try:
        return _load(tmp_path, text, name)
    except EventFileError as exc:
        allowed = ("does not exist", "cannot start in the repeated hour", "skips every occurrence")
        assert all(any(a in p.message for a in allowed) for p in exc.problems), f"{exc}\n---\n{text}"
        return None


def _starts_from_dateutil(event: Event) -> list[date | datetime]:
    """The first occurrences, straight from python-dateutil and the file's own fields."""
    if event.fields.repeat is None:
        return [event.start]
    naive = event.start if event.all_day else event.start.replace(tzinfo=None)  # type: ignore[union-attr]
    if event.all_day:
        naive = datetime.combine(naive, time(0))  # type: ignore[arg-type]
    rule = rrulestr(event.fields.repeat, dtstart=naive, ignoretz=True)
    starts = (s.date() if event.all_day else s.replace(tzinfo=event.zone) for s in rule)
    return list(islice((s for s in starts if s not in event.exdates), SERIES_COMPARED))


def as_read(text: str) -> str:
    """Text as a calendar app reads it: a Unicode line or paragraph separator (or NEL) is a line break."""
    return re.sub("[\x85\u2028\u2029]", "\n", text)


def _instants(values: Iterable[date | datetime]) -> list[date | datetime]:
    return [as_utc(v) for v in values]


@settings(PROPERTY_SETTINGS, max_examples=max(50, settings().max_examples // 2))  # two parsers, three expansions
@given(drawn=valid_events())
def test_every_valid_file_publishes_a_feed_both_parsers_read_as_the_file_says(
    tmp_path: Path, drawn: tuple[dict[str, object], str]
) -> None:
    event = _load_valid(tmp_path, *drawn)
    if event is None:
        return
    data = render_feed([event], CONFIG, today=TODAY)
    loose, strict = parse_both(data)
    assert len(loose.events) == len(strict.events) == 1
    vevent, parsed = loose.events[0], strict.events[0]
    summary = {"postponed": "Postponed: ", "cancelled": "Cancelled: "}.get(event.status.value, "") + event.title
    assert str(vevent["SUMMARY"]) == parsed.summary == summary
    assert str(vevent["UID"]) == parsed.uid == event.uid
    assert str(vevent.get("LOCATION", "")) == (parsed.location or "") == location_line(event)
    assert str(vevent["DESCRIPTION"]) == parsed.description == as_read(description_text(event, CONFIG))
    assert _instants([vevent["DTSTART"].dt, parsed.dtstart]) == _instants([event.start] * 2)
    expected_end = event.end + timedelta(days=1) if event.all_day else event.end  # type: ignore[operator]
    assert _instants([vevent["DTEND"].dt, parsed.dtend]) == _instants([expected_end] * 2)
    starts = _starts_from_dateutil(event)
    expected = _instants(starts)
    # The VEVENT, not the calendar (see test_ics.assert_same_occurrences), over the days the expected
    # occurrences span: after() would go on looking up to the year 9999 once a short series ends.
    last = starts[-1] if isinstance(starts[-1], date) and not isinstance(starts[-1], datetime) else starts[-1].date()
    window = (event.start_date - timedelta(days=1), last + timedelta(days=2))
    expanded = recurring_ical_events.of(vevent).between(*window)
    assert _instants(o["DTSTART"].dt for o in expanded)[:SERIES_COMPARED] == expected
    assert _instants(item.dtstart for item in islice(strict.timeline, SERIES_COMPARED)) == expected


# ---------------------------------------------------------------------------------------------
# The listing and the event page of any valid file: no server error, every text escaped.


class _Markup(HTMLParser):
    """What a browser would build from a page: elements, their attributes, and script contents."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._in_script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None

    def handle_data(self, data: str) -> None:
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)


def assert_nothing_injected(html: str) -> None:
    """No element, attribute, script or link that the site's templates did not write."""
    page = _Markup()
    page.feed(html)
    page.close()
    for tag, attrs in page.tags:
        assert tag != "x-inj", "markup from an event file became an element"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"an event-handler attribute {name}={value!r} on <{tag}>"
            if name in ("href", "src", "action", "formaction"):
                assert not (value or "").strip().lower().startswith(("javascript:", "data:text")), (tag, value)
    for attrs, text in page.scripts:
        if attrs.get("type") == "application/ld+json":
            json.loads(text)  # a title with </script> in it would have cut it short
        else:
            assert (attrs.get("src") or "").startswith("/static/") and not text.strip(), attrs


_web_examples = max(20, settings().max_examples // 5)  # a request per page: a fifth of the examples


@pytest.fixture(scope="module")
def generated_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Site, TestClient]]:
    """One server over a folder that each example fills with its own event file."""
    folder = tmp_path_factory.mktemp("events")
    app = create_app(CONFIG, folder, today=TODAY, watch=False, state_dir=tmp_path_factory.mktemp("state"))
    with TestClient(app) as client:
        yield folder, app.state.site, client


_generated = itertools.count()


@settings(PROPERTY_SETTINGS, max_examples=_web_examples)
@given(drawn=valid_events())
def test_pages_of_any_valid_file_render_with_every_text_escaped(
    generated_site: tuple[Path, Site, TestClient], drawn: tuple[dict[str, object], str]
) -> None:
    folder, site, client = generated_site
    for old in folder.glob("*.md"):
        old.unlink()
    slug = f"generated-{next(_generated)}"
    event = _load_valid(folder, *drawn, name=f"{slug}.md")
    site.refresh()
    if event is None:
        return
    assert [e.slug for e in site.catalog.events] == [slug]
    page = client.get(f"/events/{slug}")
    assert page.status_code == 200
    assert str(escape(event.title)) in page.text
    assert_nothing_injected(page.text)
    for address in ("/", "/past", f"/?q={quote(event.title[:40])}"):
        listing = client.get(address)
        assert listing.status_code == 200, address
        assert_nothing_injected(listing.text)
    detail = client.get(f"/api/events/{slug}")
    assert detail.status_code == 200
    assert detail.json()["title"] == event.title
    for address in (f"/events/{slug}.ics", "/calendar.ics", "/feed.atom", "/api/events?past=true"):
        assert client.get(address).status_code == 200, address
