"""Properties that must hold for every event file anyone could write.

Validation never raises; every file that validates publishes a feed that two parsers read back
as the file says (instants, summaries, every occurrence, expanded three ways); its pages render
with every text escaped. An event saved through the coordinators' form loads as it was typed,
reopens in the form as it was saved, and saved again unchanged leaves its file byte for byte.
`HYPOTHESIS_PROFILE=thorough` runs twenty times more examples.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from html import unescape
from html.parser import HTMLParser
from itertools import islice
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from dateutil.rrule import rrulestr
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import event as outcome
from markupsafe import escape

from calendar_app.core.config import SiteConfig
from calendar_app.core.errors import EventFileError
from calendar_app.core.loader import load_event_file
from calendar_app.core.model import Event
from calendar_app.desk.eventform import BODY, FIELDS_BY_NAME, FORM_FIELDS
from calendar_app.files.site import Site
from calendar_app.files.writer import render_event_file
from calendar_app.render.ical.ics import render_feed
from calendar_app.render.ical.vevent import description_text, location_line
from calendar_app.web.app import create_app

from .coordinator_site import DeskSite, form_of, make_site
from .feedcheck import as_utc, parse_both
from .strategies import _EDGES, coordinator_forms, event_texts, valid_event_fields, valid_events

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


# ---------------------------------------------------------------------------------------------
# A file saved by the coordinators' form and loaded again is what was saved; reopened, the form
# shows it; saved again unchanged, the file does not move.

_ALLOWED_REFUSALS = ("does not exist", "cannot start in the repeated hour", "skips every occurrence")
_CHOICES = tuple(f.name for f in FORM_FIELDS if f.kind == "choices")  # groups of boxes: one value per box ticked


def _trim(text: str) -> str:
    """`text` less what the model trims from the ends of a one-line value."""
    return _EDGES.sub("", text)


def _items(text: str) -> list[str]:
    """A comma-separated (or one per line) control as the list it stands for."""
    return [item for item in map(_trim, re.split(r"[,\n]", text)) if item]


def _as_typed(values: dict[str, str | list[str]], name: str) -> object:
    """What a control means, the way a person reads the form: spaces at the ends are nothing, a
    list is its items, a box is ticked or not. Compared between what was typed and what the
    form shows when the event is opened again."""
    value = values.get(name, [] if name in _CHOICES else "")
    kind = FIELDS_BY_NAME[name].kind
    if kind == "choices":
        return sorted(value if isinstance(value, list) else _items(value))
    assert isinstance(value, str)
    if kind in ("tags", "lines"):
        return _items(value)
    if kind == "check":
        return value.strip().lower() == "on"
    if kind == "number":
        return int(value) if value.strip() else 0
    if kind == "textarea":
        return value.replace("\r\n", "\n").strip("\n")
    return _trim(value)


def _front_matter_as_typed(values: dict[str, str | list[str]]) -> dict[str, object]:
    """The front matter the model should read from a file saved with these form values (only
    what differs from the defaults, as `model_dump(exclude_defaults=True)` gives it; not the uid)."""
    expected: dict[str, object] = {}

    def put(name: str, value: object) -> None:
        if value is None or value == "" or value == []:
            return
        parent, _, child = name.partition(".")
        if child:
            expected.setdefault(parent, {})[child] = value  # type: ignore[index]
        else:
            expected[name] = value

    for field in FORM_FIELDS:
        name = field.name
        if name in (BODY, "uid", "online", "online.url", "online.platform"):
            continue
        meaning = values.get(name, []) if name in _CHOICES else _as_typed(values, name)  # in the order ticked
        if (name, meaning) in (("status", "scheduled"), ("featured", False), ("sequence", 0)):
            continue  # the defaults
        if name == "recording":
            meaning = {"yes": True, "no": False}.get(meaning)  # type: ignore[arg-type]
        put(name, meaning)
    online = {part: _trim(str(values.get(f"online.{part}", ""))) for part in ("url", "platform")}
    put("online", {k: v for k, v in online.items() if v} or _as_typed(values, "online") or None)
    return expected


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DeskSite]:
    """One coordinators' site (a real app, a coordinator logged in) that every example saves into."""
    site = make_site(tmp_path_factory.mktemp("desk"), today=TODAY)
    with site.client:  # one event loop for every request, rather than one each
        yield site


_form_slugs = itertools.count()


def _posted(form: dict[str, str]) -> dict[str, str | list[str]]:
    """A form page's values as a browser posts them: each ticked box of a group on its own."""
    return {name: value.split(",") if name in _CHOICES and value else value
            for name, value in form.items() if not (name in _CHOICES and not value)}


def _problems_shown(html: str) -> list[str]:
    summary = re.search(r'<div class="error-summary".*?<ul>(.*?)</ul>', html, re.S)
    assert summary, "a refused save shows no problems"
    return [unescape(re.sub(r"<[^>]+>", "", item)) for item in re.findall(r"<li>(.*?)</li>", summary.group(1), re.S)]


_WEBINAR = {"type": "webinar", "start": "2027-03-02 14:00", "online": "on"}


@settings(PROPERTY_SETTINGS, max_examples=max(50, settings().max_examples // 2))  # four requests each: half
@given(drawn=coordinator_forms())
# Found by this property: opened and saved unchanged, ruamel folded a title of 200 characters
# onto a line of its own, so the file changed.
@example(drawn=({**_WEBINAR, "title": "\u00e9" * 200}, None))
# Boxes ticked in another order than the form shows them were taken for a change: rewritten.
@example(drawn=({**_WEBINAR, "title": "Captions first", "accessibility": ["wheelchair", "asl"]}, None))
# A zero-width space after the longest title counted towards its length: refused, though trimmed.
@example(drawn=({**_WEBINAR, "title": "\u00e9" * 200 + "\u200b"}, None))
def test_an_event_saved_by_the_form_loads_as_saved_and_reopens_unchanged(
    desk: DeskSite, drawn: tuple[dict[str, str | list[str]], str | None]
) -> None:
    values, invalid = drawn
    note(f"typed: {values!r}")  # the report of a failure shows the drawn tuple empty
    client = desk.client
    slug = f"form-{next(_form_slugs)}"
    posted = {**_posted(form_of(client, "/manage/new")), **values, "slug": slug, "action": "save"}
    response = client.post("/manage/new", data=posted, follow_redirects=False)
    written = list(desk.events.rglob(f"{slug}.md"))
    try:
        if response.status_code != 303:
            # Refused: said beside the form, nothing written, and only for a reason the input has.
            assert response.status_code == 422, response.text[:3000]
            assert not written
            problems = _problems_shown(response.text)
            note(f"refused: {problems}")
            if invalid is not None:
                dom_id = FIELDS_BY_NAME[invalid].dom_id
                assert f'id="{dom_id}-error"' in response.text, problems
                outcome(f"refused on purpose ({invalid})")
            else:
                assert problems and all(any(a in p for a in _ALLOWED_REFUSALS) for p in problems), problems
                outcome("refused: a time the clocks skip, or a series with nothing left")
            return
        assert invalid is None, f"{invalid}={values[invalid]!r} was saved"
        outcome("saved")
        assert response.headers["location"] == f"/manage/events/{slug}/edit"
        [path] = written
        saved = path.read_bytes()
        note(saved.decode())

        # Loaded again with the validator itself: the fields as typed, less the spaces around them.
        loaded = load_event_file(path, desk.events, desk.config)
        assert {k: v for k, v in loaded.fields.dump().items() if k != "uid"} == (
            _front_matter_as_typed(posted))
        assert loaded.body == _as_typed(posted, BODY)
        typed_uid = _trim(str(posted.get("uid", "")))
        if typed_uid:
            assert loaded.uid == typed_uid
        else:  # one is made
            assert re.fullmatch(rf"{slug}-[0-9a-f]{{8}}@{re.escape(desk.config.uid_domain)}", loaded.uid), loaded.uid
        start = str(posted["start"]).strip()
        assert loaded.all_day == (len(start) == 10)
        if not loaded.all_day:
            zone = ZoneInfo(_trim(str(posted.get("timezone", ""))) or desk.config.timezone)
            typed = datetime.fromisoformat(start)
            expected_start = typed.replace(tzinfo=zone) if typed.tzinfo is None else typed
            assert as_utc(loaded.start) == as_utc(expected_start)
            assert loaded.zone == zone

        # Opened again, the form shows what was saved.
        reopened = form_of(client, f"/manage/events/{slug}/edit")
        for field in FORM_FIELDS:
            if field.name != "uid":
                assert _as_typed(reopened, field.name) == _as_typed(posted, field.name), field.name
        assert _trim(reopened["uid"]) == loaded.uid

        # Saved again as it was opened: nothing moves.
        again = client.post(f"/manage/events/{slug}/edit", data={**_posted(reopened), "action": "save"},
                            follow_redirects=False)
        assert again.status_code == 303, _problems_shown(again.text)
        assert path.read_bytes() == saved
    finally:
        for path in written:
            path.unlink()
        desk.client.app.state.site.refresh()  # type: ignore[attr-defined]
