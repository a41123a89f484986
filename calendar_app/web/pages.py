"""Routes: the public HTML pages (listing, past events, event, observances, subscribe help, Atom).

Each view builds one context with the framework-free modules `listing` and `eventpage` and
renders one template named after it. Rendered pages are kept per catalog version, today and
URL, so a page is built once per change of the events, and every page carries a strong ETag
(a repeat visit that changed nothing gets 304 Not Modified).
"""

from __future__ import annotations

import difflib
import hashlib
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from ..core.errors import FilterError
from ..core.filters import FILTER_PARAMS, Filters
from ..files.site import Site
from ..render.atom import render_atom
from ..render.errorpage import NO_PAGE, error_context, not_found_context
from ..render.eventpage import event_context
from ..render.frame import site_context
from ..render.listing import (
    PAGE_PARAMS,
    listing_context,
    observance_context,
    observance_default_year,
    parse_year,
    subscribe_context,
)
from ..render.rendering import environment
from ..render.urls import SiteUrls, with_query

router = APIRouter(include_in_schema=False)

Rendered = tuple[int, bytes, str]  # status, body, media type


class _RenderCache:
    """Rendered pages of one site, keyed by catalog version, today and URL; the oldest go first.

    Bounded in bytes as well as in pages, and it keeps only pages that worked: an error page
    says what a request got wrong, and nobody else will ask for that again.
    """

    def __init__(self, size: int = 512, max_bytes: int = 32 * 1024 * 1024) -> None:
        self._items: OrderedDict[tuple[object, ...], Rendered] = OrderedDict()
        self._size = size
        self._max_bytes = max_bytes
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...], build: Callable[[], Rendered]) -> Rendered:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = build()
        status, body, _media = value
        if status != 200 or len(body) > self._max_bytes // 8:
            return value
        with self._lock:
            if key not in self._items:
                self._items[key] = value
                self._bytes += len(body)
            while len(self._items) > self._size or self._bytes > self._max_bytes:
                _key, (_status, dropped, _media) = self._items.popitem(last=False)
                self._bytes -= len(dropped)
        return value

    @property
    def held_bytes(self) -> int:
        return self._bytes


_caches: weakref.WeakKeyDictionary[Site, _RenderCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def _cache_of(site: Site) -> _RenderCache:
    with _caches_lock:
        cache = _caches.get(site)
        if cache is None:
            cache = _caches[site] = _RenderCache()
        return cache


def _site(request: Request) -> Site:
    return request.app.state.site  # type: ignore[no-any-return]


def render_template(name: str, site: Site, context: dict[str, Any]) -> bytes:
    """A page as bytes: the site's frame (name, hotline, navigation) around `context`."""
    template = environment().get_template(name)
    return template.render({**site_context(site.config), **context}).encode("utf-8")


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _not_modified(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if not header:
        return False
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return etag in tags or "*" in tags


def _respond(request: Request, rendered: Rendered) -> Response:
    status, body, media_type = rendered
    etag = _etag(body)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if status == 200 and _not_modified(request, etag):
        return Response(status_code=304, headers=headers)
    return Response(body, status_code=status, media_type=media_type, headers=headers)


def _cached(request: Request, build: Callable[[Site, date], Rendered]) -> Response:
    site = _site(request)
    today = site.clock.today()
    key = (site.version, today, request.url.path, request.url.query)
    return _respond(request, _cache_of(site).get(key, lambda: build(site, today)))


def _html(name: str, site: Site, context: dict[str, Any], status: int = 200) -> Rendered:
    return status, render_template(name, site, context), "text/html; charset=utf-8"


# --- errors -----------------------------------------------------------------------------------


def filter_error_page(site: Site, exc: FilterError, items: list[tuple[str, str]], path: str) -> Rendered:
    """The 400 page: what was wrong, the valid choices as links, and a way out."""
    # A query refused as a whole (too long) leaves nothing to keep.
    rest = [(k, v) for k, v in items if k != exc.parameter and k != "page"] if exc.parameter != "query" else []
    known = exc.parameter in FILTER_PARAMS + PAGE_PARAMS + ("year",)
    choices = [(c, with_query(path, rest + [(exc.parameter, c)])) for c in exc.choices] if known else []
    context = error_context(
        400, "That filter could not be applied", exc.message, parameter=exc.parameter, choices=choices,
        names=[] if known else exc.choices, without_url=with_query(path, rest), clear_url=path,
    )
    return _html("error.html", site, context, 400)


def not_found_page(site: Site, message: str, suggestions: list[tuple[str, str]] | None = None) -> Rendered:
    return _html("error.html", site, not_found_context(message, suggestions), 404)


def _wants_page(request: Request) -> bool:
    path = request.url.path
    return not path.startswith(("/api/", "/static/")) and not path.endswith((".ics", ".atom", ".xml", ".json"))


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> str:
    """Every method some route takes at this address: Starlette's 405 names only the first route's,
    so GET /api/events would hide that POST creates an event there (RFC 9110 15.5.6)."""
    routes = request.app.router.routes
    allowed = [m for m in _METHODS if any(r.matches({**request.scope, "method": m})[0] is Match.FULL for r in routes)]
    return ", ".join(allowed)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 405 and "Allow" in (exc.headers or {}):  # (a route's 405; a mount's names none)
        exc = StarletteHTTPException(
            405, exc.detail, headers={**(exc.headers or {}), "Allow": _allowed_methods(request)}
        )
    if not _wants_page(request) or exc.status_code < 400:
        return await http_exception_handler(request, exc)
    site = _site(request)
    if exc.status_code == 404:
        message = exc.detail if exc.detail and exc.detail != "Not Found" else NO_PAGE
        status, body, media = not_found_page(site, str(message))
    else:
        context = error_context(exc.status_code, str(exc.detail), str(exc.detail))
        status, body, media = _html("error.html", site, context, exc.status_code)
    return Response(body, status_code=status, media_type=media, headers=getattr(exc, "headers", None))


def install_error_pages(app: FastAPI) -> None:
    """Readable HTML pages for 404 and other errors on page addresses (the API keeps JSON)."""
    app.add_exception_handler(StarletteHTTPException, _http_error)


# --- pages ------------------------------------------------------------------------------------


def _listing(request: Request, past: bool) -> Response:
    items = list(request.query_params.multi_items())
    used = [(k, v) for k, v in items if v.strip()]
    if len(used) != len(items):
        # A plain form sends its empty fields too; the address a reader bookmarks holds only the filters in use.
        return RedirectResponse(with_query(request.url.path, used), status_code=303)

    def build(site: Site, today: date) -> Rendered:
        try:
            context = listing_context(site.catalog, site.config, items, today=today, past=past)
        except FilterError as exc:
            return filter_error_page(site, exc, items, "/past" if past else "/")
        return _html("listing.html", site, {**context, "current": "past" if past else "upcoming"})

    return _cached(request, build)


@router.api_route("/", methods=["GET", "HEAD"], response_class=HTMLResponse)
def upcoming(request: Request) -> Response:
    """Upcoming events, soonest first, grouped by month, with filters."""
    return _listing(request, past=False)


@router.api_route("/past", methods=["GET", "HEAD"], response_class=HTMLResponse)
def past(request: Request) -> Response:
    """Events already over, newest first, with the same filters."""
    return _listing(request, past=True)


@router.api_route("/events/{slug}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def event_page(request: Request, slug: str) -> Response:
    def build(site: Site, today: date) -> Rendered:
        event = site.catalog.by_slug.get(slug)
        if event is None:
            close = difflib.get_close_matches(slug, list(site.catalog.by_slug), n=3, cutoff=0.5)
            hints = [(site.catalog.by_slug[c].title, SiteUrls(site.config.base_url).event(c)) for c in close]
            return not_found_page(
                site, f"There is no event called “{slug}”. It may have been renamed or removed.", hints
            )
        return _html("event.html", site, {**event_context(site.catalog, site.config, event, today), "current": ""})

    return _cached(request, build)


@router.api_route("/observances", methods=["GET", "HEAD"], response_class=HTMLResponse)
def observances(request: Request) -> Response:
    def build(site: Site, today: date) -> Rendered:
        items = [
            observance_context(site.catalog, site.config, o, observance_default_year(o, today), today)
            for o in site.config.observances
        ]
        return _html("observances.html", site, {"title": "Observances", "items": items, "current": "observances"})

    return _cached(request, build)


@router.api_route("/observances/{observance_id}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def observance_page(request: Request, observance_id: str) -> Response:
    def build(site: Site, today: date) -> Rendered:
        observance = site.config.observance(observance_id)
        if observance is None:
            known = [(o.name, SiteUrls(site.config.base_url).observance(o.id)) for o in site.config.observances]
            return not_found_page(site, f"There is no observance called “{observance_id}”.", known)
        try:
            year = parse_year(request.query_params.get("year"), observance, today)
        except FilterError as exc:
            return filter_error_page(site, exc, list(request.query_params.multi_items()), request.url.path)
        context = observance_context(site.catalog, site.config, observance, year, today)
        return _html(
            "observance.html", site, {**context, "title": f"{observance.name} {year}", "current": "observances"}
        )

    return _cached(request, build)


@router.api_route("/subscribe", methods=["GET", "HEAD"], response_class=HTMLResponse)
def subscribe_help(request: Request) -> Response:
    def build(site: Site, today: date) -> Rendered:
        context = subscribe_context(site.config, SiteUrls(site.config.base_url))
        return _html("subscribe.html", site, context)

    return _cached(request, build)


@router.api_route("/help/subscribe", methods=["GET", "HEAD"], response_class=HTMLResponse)
def subscribe_help_alias(request: Request) -> Response:
    return subscribe_help(request)


@router.api_route("/feed.atom", methods=["GET", "HEAD"])
def atom_feed(request: Request) -> Response:
    """Upcoming events (with the listing's filters) as an Atom feed for news readers."""
    items = list(request.query_params.multi_items())

    def build(site: Site, today: date) -> Rendered:
        try:
            # Like the iCalendar feed, and for the same reason: a news reader subscribed to a topic whose
            # events are all gone gets an empty feed, not an error.
            f = Filters.from_query(items, site.config)
        except FilterError as exc:
            text = f"{exc.parameter}: {exc.message}" + (
                f"\nValid choices: {', '.join(exc.choices)}" if exc.choices else ""
            )
            return 400, text.encode("utf-8"), "text/plain; charset=utf-8"
        return 200, render_atom(site.catalog, f, today=today), "application/atom+xml; charset=utf-8"

    return _cached(request, build)
