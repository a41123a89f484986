"""The catalog as iCalendar (RFC 5545, RFC 7986): feeds people subscribe to and single-event files.

Each event's VEVENTs are written as bytes when the event changes (`vevent.vevent_bytes`, by
`vevent_writer`: the bytes icalendar would make, without building its objects) and kept; a feed
is a calendar header, the VTIMEZONEs its events use (see `timezones`), and those bytes joined. So
a request filters the catalog and joins, and serving a filtered feed of thousands of events
builds no icalendar objects at all.

What it offers the web routes, the pages, the static build and the command line:

- ``render_feed(events, config, ...)``: a feed from a list of events.
- ``feed_header``, ``assemble``: the same in two steps, for callers that keep each event's
  VEVENT bytes (the server's feed cache, `calendar_app.web.feedcache`, and the static build).
- ``FeedBytes``: a feed ready to serve (body, gzip made once, strong ETag, Last-Modified).
- ``feed_path(filters)``: ``/calendar.ics?type=webinar`` for what a listing shows.
- ``feed_names(config, filters, title)``: the NAME and DESCRIPTION a filtered feed carries.
- ``subscribe_links(base_url, path_and_query)``: the ``webcal``, ``https`` and Google Calendar
  addresses of a feed, for subscribe links.

Choices the RFCs leave open: DTSTAMP is the event's LAST-MODIFIED (its file's last commit,
or its modification time outside git), so a feed built twice, or from a fresh clone, is the
same to the byte. SEQUENCE is the file's `sequence` field, which the coordinators' tools
raise when the time, place or status changes. The description is plain text only: no
X-ALT-DESC, because HTML in a calendar app runs outside the site's sanitiser and policy.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property

from icalendar import Calendar, vDuration

from ...core.config import SiteConfig
from ...core.filters import Filters
from ...core.model import Event
from ..phrasing import filters_text
from ..urls import feed_subscription, with_query
from .timezones import vtimezone_bytes
from .vevent import Text, vevent_bytes

Component = bytes | memoryview  # a VEVENT's bytes, or a view of them inside the full feed
CONTENT_TYPE = "text/calendar; charset=utf-8"
FEED_PATH = "/calendar.ics"
_END = b"END:VCALENDAR\r\n"
_OPEN_SERIES_YEARS = 10  # zone rules written for a series without an end


# ---------------------------------------------------------------------------------------------
# Feeds


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


@dataclass(frozen=True)
class FeedBytes:
    """A feed ready to serve: its bytes, a strong ETag, Last-Modified, and gzip made once when needed."""

    body: bytes
    etag: str
    last_modified: datetime
    count: int

    @classmethod
    def of(cls, body: bytes, last_modified: datetime, count: int, digest: str | None = None) -> FeedBytes:
        digest = digest or body_digest(body)
        return cls(body, f'"{digest}"', last_modified.astimezone(UTC).replace(microsecond=0), count)

    @cached_property
    def gzipped(self) -> bytes:
        return gzip.compress(self.body, compresslevel=6, mtime=0)  # mtime=0: the same bytes every time

    @property
    def etag_gzip(self) -> str:
        """Another representation, so another strong ETag (RFC 9110 8.8.3)."""
        return self.etag[:-1] + '-gz"'


def feed_header(
    config: SiteConfig,
    *,
    name: str | None,
    description: str | None,
    source: str | None,
    url: str | None = None,
) -> bytes:
    """The VCALENDAR's own properties, without its END line (components are joined after it)."""
    cal = Calendar()
    cal.add("VERSION", "2.0")
    cal.add("PRODID", f"-//{config.publisher_name}//calendar-app//EN")
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("METHOD", "PUBLISH")
    # Wrapped in Text: icalendar 7.3 writes these names' plain strings without escaping ',' and ';', and a
    # feed's name holds the filters of its address, which anyone may write.
    if name:
        cal.add("NAME", Text(name))
        cal.add("X-WR-CALNAME", Text(name))
    if description:
        cal.add("DESCRIPTION", Text(description))
        cal.add("X-WR-CALDESC", Text(description))
    if source:
        refresh = timedelta(hours=config.refresh_hours)
        cal.add("SOURCE", source)
        if url:
            cal.add("URL", url)
        cal.add("REFRESH-INTERVAL", vDuration(refresh), parameters={"VALUE": "DURATION"})
        cal.add("X-PUBLISHED-TTL", vDuration(refresh))
        cal.add("X-WR-TIMEZONE", config.timezone)
    data: bytes = cal.to_ical(sorted=False)
    assert data.endswith(_END)
    return data[: -len(_END)]


def zone_spans(events: Iterable[Event]) -> dict[str, tuple[int, int]]:
    """For every time zone the timed events use, the first and last year they reach in it."""
    spans: dict[str, tuple[int, int]] = {}
    for event in events:
        if event.all_day:
            continue
        first = event.first_date.year
        last_day = event.last_date
        last = first + _OPEN_SERIES_YEARS if last_day == date.max else last_day.year
        key = event.zone.key
        low, high = spans.get(key, (first, last))
        spans[key] = (min(low, first), max(high, last))
    return spans


def assemble(
    header: bytes, events: list[Event], components: Sequence[Component], config: SiteConfig, today: date
) -> bytes:
    """Header, VTIMEZONEs, VEVENTs, END. A feed with no event still holds the site's zone, since
    RFC 5545 wants at least one component in a calendar."""
    spans = zone_spans(events) or ({config.timezone: (today.year, today.year)} if not components else {})
    zones = [vtimezone_bytes(tzid, first, last) for tzid, (first, last) in sorted(spans.items())]
    return b"".join([header, *zones, *components, _END])


def render_feed(
    events: Iterable[Event],
    config: SiteConfig,
    *,
    today: date,
    name: str | None = None,
    description: str | None = None,
    source: str | None = None,
) -> bytes:
    """A feed of `events` as they are given (no filtering, no cache): for builds and checks."""
    chosen = list(events)
    header = feed_header(
        config,
        name=config.name if name is None else name,
        description=config.description if description is None else description,
        source=config.base_url + FEED_PATH if source is None else source,
    )
    components = [vevent_bytes(e, config) for e in chosen]
    return assemble(header, chosen, components, config, today)


def feed_names(config: SiteConfig, filters: Filters, title: str | None = None) -> tuple[str, str]:
    """A feed's NAME and DESCRIPTION: the site's, narrowed to `title` (by default the filters in words)."""
    if title is None and not filters.is_empty:
        title = filters_text(filters, config)
    name = f"{config.name}: {title}" if title else config.name
    description = f"{config.description} This calendar holds only {title}." if title else config.description
    return name, description


def feed_path(filters: Filters) -> str:
    """The path and query of the feed holding what a listing with `filters` shows."""
    return with_query(FEED_PATH, filters.to_query())


def subscribe_links(base_url: str, path_and_query: str) -> dict[str, str]:
    """Addresses for subscribing to a feed: ``webcal`` (Apple, Outlook, Thunderbird), ``https``
    (to copy into any app) and ``google`` (Google Calendar's "add by URL")."""
    links = feed_subscription(base_url.rstrip("/") + path_and_query)
    return {"webcal": links.webcal, "https": links.https, "google": links.google}
