"""Routes of the iCalendar feeds: what calendar apps subscribe to, and single-event downloads.

- ``/calendar.ics``: every published event from the past window on; the listing's filters
  as query parameters give the feed of exactly what the listing shows.
- ``/events/{slug}.ics``: one event, as a file to open ("add to my calendar").
- ``/observances/{id}.ics``: the events of an observance (``?year=2027`` for one year's).
- ``/es/calendar.ics``, ``/es/observances/{id}.ics``: the same feeds named and described in
  Spanish, which the Spanish pages link to (the events' own text stays as written).

Every answer is ready-made bytes from the site's `FeedCache`. GET and HEAD are answered the
same way (HEAD without the body), with a strong ETag, Last-Modified, 304 on If-None-Match or
If-Modified-Since, gzip when the client accepts it, and Cache-Control matching the feed's
refresh interval.
"""

from __future__ import annotations

from email.utils import format_datetime, parsedate_to_datetime

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from ..core.errors import FilterError
from ..core.filters import Filters
from ..render.ical.ics import CONTENT_TYPE, FeedBytes
from ..render.language import DEFAULT_LANGUAGE, LANGUAGES, language_of_path, path_prefix
from .feedcache import FeedCache

router = APIRouter()


def feeds_of(request: Request) -> FeedCache:
    """The feed cache of the site behind `request` (app.py imports this module, so no `site_of`)."""
    return FeedCache.of(request.app.state.site)


@router.get("/calendar.ics", response_class=Response)
# Calendar clients may check a feed with HEAD first; the same handler answers without a body.
@router.head("/calendar.ics", response_class=Response, include_in_schema=False)
async def calendar_feed(request: Request) -> Response:
    """The feed of every published event, or of what the listing's filters select.

    Asynchronous: a feed that is ready (the full one, a filtered one asked for before) is
    answered on the event loop, without the trip through a worker thread that a plain route
    takes; only building a feed goes to a thread.
    """
    cache = feeds_of(request)
    try:
        # No `known` values: a subscription to a topic whose events are all gone must get an empty
        # calendar, which clears them from the reader's app, not an error that leaves them there.
        filters = Filters.from_query(request.query_params.multi_items(), cache.config)
    except FilterError as exc:
        return _bad_request(exc)
    lang = language_of_path(request.url.path)
    feed = cache.ready(filters, lang)
    if feed is None:
        feed = await run_in_threadpool(cache.feed, filters, lang)
    return feed_response(request, feed, cache.config.refresh_hours)


@router.get("/events/{slug}.ics", response_class=Response)
# Calendar clients may check a feed with HEAD first; the same handler answers without a body.
@router.head("/events/{slug}.ics", response_class=Response, include_in_schema=False)
def event_feed(request: Request, slug: str) -> Response:
    """One event as an .ics file to open in a calendar app."""
    cache = feeds_of(request)
    event = cache.site.catalog.by_slug.get(slug)
    if event is None:
        return PlainTextResponse(f"There is no event {slug!r}.\n", status_code=404)
    return feed_response(
        request, cache.event_feed(event), cache.config.refresh_hours, download=f"{event.slug}.ics"
    )


@router.get("/observances/{observance_id}.ics", response_class=Response)
# Calendar clients may check a feed with HEAD first; the same handler answers without a body.
@router.head("/observances/{observance_id}.ics", response_class=Response, include_in_schema=False)
def observance_feed(request: Request, observance_id: str) -> Response:
    """The events of one observance, such as January's prevention month."""
    cache = feeds_of(request)
    if cache.config.observance(observance_id) is None:
        known = ", ".join(o.id for o in cache.config.observances) or "none"
        return PlainTextResponse(
            f"There is no observance {observance_id!r}. Known observances: {known}.\n", status_code=404
        )
    year: int | None = None
    for name, value in request.query_params.multi_items():
        if name != "year":
            return _bad_request(FilterError(name, "unknown parameter; this feed takes only year", ["year"]))
        if not (value.isdigit() and len(value) == 4):
            return _bad_request(FilterError("year", f"{value!r} is not a year such as 2027"))
        year = int(value)
    lang = language_of_path(request.url.path)
    return feed_response(request, cache.observance_feed(observance_id, year, lang), cache.config.refresh_hours)


# The same feeds named in every other language, for the pages in it (`/es/calendar.ics`).
for _other in (lang for lang in LANGUAGES if lang != DEFAULT_LANGUAGE):
    _prefix = path_prefix(_other)
    router.add_api_route(_prefix + "/calendar.ics", calendar_feed, methods=["GET", "HEAD"], include_in_schema=False)
    router.add_api_route(
        _prefix + "/observances/{observance_id}.ics", observance_feed, methods=["GET", "HEAD"], include_in_schema=False
    )


def _bad_request(exc: FilterError) -> Response:
    text = f"{exc.parameter}: {exc.message}"
    if exc.choices:
        text += f"\nChoose from: {', '.join(exc.choices)}"
    return PlainTextResponse(text + "\n", status_code=400)


def feed_response(request: Request, feed: FeedBytes, refresh_hours: int, *, download: str | None = None) -> Response:
    """The HTTP answer for `feed`: 200 (GET or HEAD), or 304 when the client's copy is current."""
    gzipped = _accepts_gzip(request.headers.get("accept-encoding", ""))
    headers = {
        "ETag": feed.etag_gzip if gzipped else feed.etag,
        "Last-Modified": format_datetime(feed.last_modified, usegmt=True),
        "Cache-Control": f"public, max-age={refresh_hours * 3600}",
        "Vary": "Accept-Encoding",
    }
    if _not_modified(request, feed):
        return Response(status_code=304, headers=headers)
    if download:
        headers["Content-Disposition"] = f'attachment; filename="{download}"'
    body = feed.gzipped if gzipped else feed.body
    if gzipped:
        headers["Content-Encoding"] = "gzip"
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(body))
        return Response(content=b"", headers=headers, media_type=CONTENT_TYPE)
    return Response(content=body, headers=headers, media_type=CONTENT_TYPE)


def _accepts_gzip(header: str) -> bool:
    """Whether Accept-Encoding allows gzip (an explicit q=0 refuses it)."""
    allowed: dict[str, bool] = {}
    for item in header.split(","):
        coding, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if coding:
            allowed[coding.strip().lower()] = quality > 0
    return allowed.get("gzip", allowed.get("x-gzip", allowed.get("*", False)))


def _not_modified(request: Request, feed: FeedBytes) -> bool:
    match = request.headers.get("if-none-match")
    if match is not None:  # RFC 9110 13.1.3: when present, If-Modified-Since is ignored
        tags = {tag.strip().removeprefix("W/") for tag in match.split(",")}
        return "*" in tags or feed.etag in tags or feed.etag_gzip in tags
    since = request.headers.get("if-modified-since")
    if since is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    # Only the exact date we sent counts (nginx's "if_modified_since exact"): a feed can change
    # without a newer event (one removed, or gone past the window), and after a restart the
    # date we sent may be one this process no longer knows.
    return when == feed.last_modified
