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
- ``feed_names(config, filters, title, lang)``: the NAME and DESCRIPTION a filtered feed carries,
  in the language of the pages that link to it (the Spanish pages' feeds are named in Spanish).
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
import os
import struct
import zlib
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property

from icalendar import Calendar, vDuration

from ...core.config import SiteConfig
from ...core.filters import Filters
from ...core.model import Event
from ..language import DEFAULT_LANGUAGE, words
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


_GZIP_PIECE = 1 << 20  # a large feed is compressed a mebibyte at a time, on every core
_WINDOW = 32 * 1024  # what deflate looks back over


def gzip_bytes(body: bytes) -> bytes:
    """`body` gzipped (level 6), the same bytes every time (no time stamp in the header).

    A feed of several mebibytes is compressed in pieces on every core at once (zlib lets go of the
    interpreter while it works): each piece a raw deflate stream primed with the 32 KiB before it,
    so it compresses as well as one stream does, and ended on a byte boundary, so the pieces
    joined are one deflate stream; one gzip header and trailer around them. What gzip reads back
    is `body` (`tests/test_ics.py`).
    """
    if len(body) < 2 * _GZIP_PIECE:
        return gzip.compress(body, compresslevel=6, mtime=0)
    view = memoryview(body)
    starts = range(0, len(body), _GZIP_PIECE)

    def piece(start: int) -> bytes:
        deflate = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS, zdict=view[max(0, start - _WINDOW) : start])
        if not start:
            deflate = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        last = start + _GZIP_PIECE >= len(body)
        return deflate.compress(view[start : start + _GZIP_PIECE]) + deflate.flush(
            zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH
        )

    with ThreadPoolExecutor(max_workers=min(len(starts), os.cpu_count() or 1)) as pool:
        pieces = list(pool.map(piece, starts))
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no time stamp, unknown system
    trailer = struct.pack("<II", zlib.crc32(body), len(body) & 0xFFFFFFFF)
    return b"".join([header, *pieces, trailer])


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
        return gzip_bytes(self.body)

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


def zone_years(event: Event) -> tuple[str, int, int] | None:
    """The time zone of a timed event, and the first and last year it reaches in it (None for an
    all-day event, which names no zone)."""
    if event.all_day:
        return None
    first = event.first_date.year
    last_day = event.last_date
    return event.zone.key, first, first + _OPEN_SERIES_YEARS if last_day == date.max else last_day.year


def zone_spans(events: Iterable[Event]) -> dict[str, tuple[int, int]]:
    """For every time zone the timed events use, the first and last year they reach in it."""
    spans: dict[str, tuple[int, int]] = {}
    for event in events:
        found = zone_years(event)
        if found is None:
            continue
        key, first, last = found
        low, high = spans.get(key, (first, last))
        spans[key] = (min(low, first), max(high, last))
    return spans


def assemble(
    header: bytes,
    events: list[Event],
    components: Sequence[Component],
    config: SiteConfig,
    today: date,
    spans: dict[str, tuple[int, int]] | None = None,
) -> bytes:
    """Header, VTIMEZONEs, VEVENTs, END. A feed with no event still holds the site's zone, since
    RFC 5545 wants at least one component in a calendar. `spans` is `zone_spans(events)`, when
    the caller keeps it up to date itself."""
    spans = (zone_spans(events) if spans is None else spans) or (
        {config.timezone: (today.year, today.year)} if not components else {}
    )
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


def feed_names(
    config: SiteConfig, filters: Filters, title: str | None = None, lang: str = DEFAULT_LANGUAGE
) -> tuple[str, str]:
    """A feed's NAME and DESCRIPTION in the language `lang`: the site's, narrowed to `title` (by
    default the filters in words)."""
    if title is None and not filters.is_empty:
        title = filters_text(filters, config, lang)
    site_name, site_description = config.translated(config.name, lang), config.translated(config.description, lang)
    if not title:
        return site_name, site_description
    only = words(lang).gettext("This calendar holds only %(title)s.") % {"title": title}
    return f"{site_name}: {title}", f"{site_description} {only}"


def feed_path(filters: Filters) -> str:
    """The path and query of the feed holding what a listing with `filters` shows."""
    return with_query(FEED_PATH, filters.to_query())


def subscribe_links(base_url: str, path_and_query: str) -> dict[str, str]:
    """Addresses for subscribing to a feed: ``webcal`` (Apple, Outlook, Thunderbird), ``https``
    (to copy into any app) and ``google`` (Google Calendar's "add by URL")."""
    links = feed_subscription(base_url.rstrip("/") + path_and_query)
    return {"webcal": links.webcal, "https": links.https, "google": links.google}
