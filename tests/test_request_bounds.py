"""No request costs more than a real one: bounded filters, bounded date ranges, edge dates answered.

Each test sends what an attacker sent and checks what does not depend on the machine's speed:
the status, the size of the answer, how many occurrences were computed, what the render cache
keeps. The same attacks against a served process, with its memory, are in
tests/e2e/test_served_bounds.py.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from dateutil import rrule as dateutil_rrule
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calendar_app.core.config import load_config
from calendar_app.core.filters import LAST_DAY, MAX_CHOSEN, MAX_QUERY_CHARS
from calendar_app.web import pages
from calendar_app.web.app import SECURITY_HEADERS, create_app
from tests.conftest import ROOT, SAMPLE_EVENTS

TODAY = "2026-11-23"
LISTS = ["/", "/past", "/api/events", "/feed.atom"]
EVERY = [*LISTS, "/calendar.ics"]

DAILY = """---
title: Daily check-in call for task force coordinators
type: meeting
start: "2026-11-02 09:00"
end: "09:30"
repeat: FREQ=DAILY
online: true
topics: [coordination]
---
A short call every morning.
"""


def daily_site(tmp_path: Path, extra_topics: int = 0) -> Path:
    """The sample events, plus an endless daily series (and events with `extra_topics` topics)."""
    events = tmp_path / "events"
    shutil.copytree(SAMPLE_EVENTS, events)
    (events / "daily-check-in.md").write_text(DAILY, encoding="utf-8")
    for i in range(extra_topics):
        (events / f"topic-{i}.md").write_text(
            f'---\ntitle: Topic {i} seminar\ntype: seminar\nstart: "2027-03-{1 + i % 28:02d}"\n'
            f"online: true\ntopics: [t{i:03d}]\n---\nA seminar.\n",
            encoding="utf-8",
        )
    return events


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(load_config(ROOT / "calendar.toml"), daily_site(tmp_path), today=_day(TODAY), watch=False)
    with TestClient(app) as test_client:
        yield test_client


def _day(text: str) -> Any:
    return datetime.strptime(text, "%Y-%m-%d").date()


@pytest.fixture
def walked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts every occurrence dateutil computes, by any rule, while the test runs."""
    count = [0]
    original = dateutil_rrule.rrule._iter

    def counting(self: Any) -> Iterator[datetime]:
        for occurrence in original(self):
            count[0] += 1
            yield occurrence

    monkeypatch.setattr(dateutil_rrule.rrule, "_iter", counting)
    return count


def assert_security_headers(response: Any) -> None:
    for name, value in SECURITY_HEADERS:
        assert response.headers.get(name) == value, (response.request.url, name)


# --- 1. filter values ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/past", "/api/events", "/feed.atom"])
def test_three_thousand_topics_are_refused_in_a_small_answer(client: TestClient, path: str) -> None:
    query = "topic=" + ",".join(f"c{i}" for i in range(3000))
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert len(response.content) < 20_000
    assert "query" in response.text and f"{MAX_QUERY_CHARS:,}" in response.text
    assert_security_headers(response)


@pytest.mark.parametrize(
    ("param", "value"),
    [("topic", "basket weaving"), ("audience", "astronauts"), ("sponsor", "NASA"), ("region", "ZZ"),
     ("language", "tlh"), ("accessibility", "telepathy"), ("type", "picnic")],
)
def test_a_value_the_site_does_not_have_is_a_400_naming_the_parameter(client: TestClient, param: str, value: str) -> None:
    page = client.get("/?" + urlencode({param: value}))
    assert page.status_code == 400
    assert "That filter could not be applied" in page.text and f"<code>{param}</code>" in page.text
    api = client.get("/api/events?" + urlencode({param: value}))
    assert api.status_code == 400 and api.json()["error"]["parameter"] == param
    assert api.json()["error"]["choices"], "the answer lists the values there are"


def test_known_values_are_matched_as_the_listing_matches_them(client: TestClient) -> None:
    """Case and accents do not make a known topic unknown; one a past event has is known too."""
    for query in ("topic=Coordination", "audience=LAW+ENFORCEMENT", "sponsor=ovc", "language=en"):
        assert client.get(f"/?{query}").status_code == 200, query


def test_a_feed_filtered_on_a_value_no_event_has_stays_a_valid_empty_calendar(client: TestClient) -> None:
    """A subscriber's topic whose events are all gone gets an empty feed (the app then clears
    them), not an error that leaves stale events in their calendar."""
    response = client.get("/calendar.ics?topic=basket+weaving")
    assert response.status_code == 200 and b"BEGIN:VEVENT" not in response.content


def test_more_values_than_the_limit_are_refused_naming_the_parameter(tmp_path: Path) -> None:
    events = daily_site(tmp_path, extra_topics=MAX_CHOSEN + 5)
    app = create_app(load_config(ROOT / "calendar.toml"), events, today=_day(TODAY), watch=False)
    with TestClient(app) as client:
        ok = client.get("/?" + urlencode([("topic", f"t{i:03d}") for i in range(MAX_CHOSEN)]))
        assert ok.status_code == 200
        too_many = client.get("/?" + urlencode([("topic", f"t{i:03d}") for i in range(MAX_CHOSEN + 1)]))
        assert too_many.status_code == 400 and f"choose at most {MAX_CHOSEN}" in too_many.text
        assert client.get("/api/events?" + urlencode([("topic", f"t{i:03d}") for i in range(MAX_CHOSEN + 1)])).json()[
            "error"
        ]["parameter"] == "topic"


def test_the_most_values_allowed_make_a_page_of_ordinary_size(tmp_path: Path) -> None:
    """Each chosen value carries a link that removes it and keeps the others, so values cost the
    square of their number: bounded, the page stays the size of an ordinary listing."""
    events = daily_site(tmp_path, extra_topics=MAX_CHOSEN)
    app = create_app(load_config(ROOT / "calendar.toml"), events, today=_day(TODAY), watch=False)
    with TestClient(app) as client:
        everything = client.get("/")
        chosen = client.get("/?" + urlencode([("topic", f"t{i:03d}") for i in range(MAX_CHOSEN)]))
    assert chosen.status_code == 200 and chosen.text.count('<li class="entry') == MAX_CHOSEN
    assert len(chosen.content) < 2 * len(everything.content)


def test_an_echoed_value_is_cut_short_on_the_error_page(client: TestClient) -> None:
    response = client.get("/?" + urlencode({"from": "x" * 1500}))
    assert response.status_code == 400
    assert "x" * 61 not in response.text and "x" * 60 in response.text


def test_the_render_cache_keeps_no_error_page_and_is_bounded_in_bytes() -> None:
    cache = pages._RenderCache(size=100, max_bytes=8000)
    built: list[str] = []

    def page(name: str, status: int = 200, size: int = 900) -> Any:
        def build() -> pages.Rendered:
            built.append(name)
            return status, b"x" * size, "text/html"

        return build

    for i in range(20):
        cache.get(("page", i), page(f"page {i}"))
        assert cache.held_bytes <= 8000
    cache.get(("page", 19), page("again"))
    assert built[-1] == "page 19", "the newest page is served from the cache"
    cache.get(("page", 0), page("page 0 again"))
    assert built[-1] == "page 0 again", "the oldest went to make room"
    cache.get(("bad",), page("error", status=400))
    cache.get(("bad",), page("error again", status=400))
    assert built[-2:] == ["error", "error again"], "an error page is built each time, not kept"
    cache.get(("huge",), page("huge", size=5000))
    cache.get(("huge",), page("huge again", size=5000))
    assert built[-1] == "huge again", "a page larger than an eighth of the cache is not kept"


# --- 2. far dates -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", EVERY)
@pytest.mark.parametrize("query", [f"to={LAST_DAY}", "from=1900-01-01", f"from={LAST_DAY}", "from=2190-06-01&to=2190-06-02"])
def test_a_far_range_computes_a_handful_of_occurrences(client: TestClient, walked: list[int], path: str, query: str) -> None:
    response = client.get(f"{path}?{query}")
    assert response.status_code == 200, response.text
    assert walked[0] < 200, f"{path}?{query} computed {walked[0]} occurrences"
    if path != "/past":  # (past events hold no endless series; the others do look at it)
        assert "Daily check-in" in response.text
        if path != "/calendar.ics":  # (a feed from before every event is the whole feed's ready bytes)
            assert walked[0] > 0


def test_the_daily_series_is_found_in_a_far_range_by_the_listing(client: TestClient) -> None:
    """Bounded work does not mean a wrong answer: the endless series does run in 2190."""
    page = client.get("/?from=2190-06-01&to=2190-06-02")
    assert "Daily check-in call" in page.text
    api = client.get("/api/events?from=2190-06-01&to=2190-06-02").json()
    assert [item["slug"] for item in api["events"]] == ["daily-check-in"]
    feed = client.get("/calendar.ics?from=2190-06-01&to=2190-06-02")
    assert feed.content.count(b"BEGIN:VEVENT") == 1 and b"RRULE:FREQ=DAILY" in feed.content


# --- 3. dates at the edge -----------------------------------------------------------------------


@pytest.mark.parametrize("path", EVERY)
@pytest.mark.parametrize(("param", "value"), [("to", "9999-12-31"), ("from", "0001-01-01"), ("to", "9999-12-30"), ("from", "1899-12-31")])
def test_a_date_outside_the_calendar_is_a_400_naming_the_parameter_and_the_range(
    client: TestClient, path: str, param: str, value: str
) -> None:
    response = client.get(f"{path}?{param}={value}")
    assert response.status_code == 400
    assert param in response.text and "1900-01-01 to 2200-12-31" in response.text
    assert_security_headers(response)


def test_a_server_error_carries_the_security_headers_and_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug in the listing")

    monkeypatch.setattr(pages, "listing_context", broken)
    app = create_app(load_config(ROOT / "calendar.toml"), daily_site(tmp_path), today=_day(TODAY), watch=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/")
    assert response.status_code == 500
    assert_security_headers(response)
    assert "a bug in the listing" not in response.text and "Traceback" not in response.text


# --- any query at all ---------------------------------------------------------------------------

_NAMES = ["type", "topic", "audience", "sponsor", "region", "language", "accessibility", "online", "free",
          "q", "from", "to", "observance", "page", "past", "year"]
_VALUES = st.one_of(
    st.sampled_from(["webinar", "training", "coordination", "law enforcement", "OVC", "SC", "en", "captions",
                     "true", "no", "prevention-month", "2", "0", "-1", "2027-01-15", "2200-12-31", "1900-01-01",
                     "9999-12-31", "0001-01-01", "2027-02-30", ""]),
    st.text(max_size=30),
    st.lists(st.sampled_from(["webinar", "coordination", "c0", "x" * 50]), max_size=40).map(",".join),
    st.integers(0, 5000).map(lambda n: "v" * n),
)
_ITEMS = st.lists(st.tuples(st.one_of(st.sampled_from(_NAMES), st.text(max_size=12)), _VALUES), max_size=12)
# What one shown event may add to an answer (its entry, its links, its description), and what an
# answer may hold besides: generous, and still far below what grew with the query before.
PER_EVENT = 12_000
BESIDES = 96_000


def _shown(path: str, response: Any) -> int:
    if path == "/api/events":
        return len(response.json().get("events", [])) if response.status_code == 200 else 0
    if path == "/calendar.ics":
        return response.content.count(b"BEGIN:VEVENT")
    if path == "/feed.atom":
        return response.content.count(b"<entry>")
    return response.content.count(b'<li class="entry')


@pytest.fixture(scope="module")
def any_query_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    events = daily_site(tmp_path_factory.mktemp("any-query"))
    app = create_app(load_config(ROOT / "calendar.toml"), events, today=_day(TODAY), watch=False)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(EVERY), items=_ITEMS)
def test_any_query_gets_an_answer_of_bounded_size_with_the_security_headers(
    any_query_client: TestClient, path: str, items: list[tuple[str, str]]
) -> None:
    response = any_query_client.get(path + "?" + urlencode(items))
    assert response.status_code in (200, 303, 400, 404), (path, items, response.status_code)
    assert_security_headers(response)
    assert len(response.content) <= BESIDES + PER_EVENT * _shown(path, response), (path, items)
