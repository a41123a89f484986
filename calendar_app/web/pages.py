"""Routes: the public HTML pages (listing, past events, event, observances, subscribe help, Atom).

Each view builds one context with the framework-free modules `listing` and `eventpage` and
renders one template named after it. Rendered pages are kept per catalog version, today and
URL, so a page is built once per change of the events, and every page carries a strong ETag
(a repeat visit that changed nothing gets 304 Not Modified).

Every page is also at `/es/...` in Spanish (`render.language`): the same routes, the language
read from the address. A first visit to `/` from a browser that ranks Spanish first is sent to
`/es/` (see `upcoming`); nothing else depends on the reader's headers.
"""

from __future__ import annotations

import difflib
import hashlib
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, HTTPException, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from ..core.errors import FilterError
from ..core.filters import FILTER_PARAMS, Filters
from ..files.site import Site
from ..render.atom import render_atom
from ..render.errorpage import FILTER_NOT_APPLIED, error_context, not_found_context
from ..render.eventpage import event_context
from ..render.frame import language_links, site_context
from ..render.language import DEFAULT_LANGUAGE, LANGUAGES, language_of_path, path_prefix, preferred_language, words
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


class SaidError(HTTPException):
    """An error whose message is already in the language of the page it is shown on (one with a
    value in it, such as how long to wait); any other error's message is looked up in the page's
    catalog where it is shown."""


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


def render_template(name: str, site: Site, context: dict[str, Any], lang: str = DEFAULT_LANGUAGE) -> bytes:
    """A page as bytes, in the language `lang`: the site's frame (name, hotline, navigation) around `context`."""
    template = environment(lang=lang).get_template(name)
    return template.render({**site_context(site.config, lang=lang), **context}).encode("utf-8")


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


def cached_page(request: Request, build: Callable[[Site, date], Rendered]) -> Response:
    """The page `build(site, today)` gives for this request: rendered once per change of the events,
    day and address, and answered with its ETag (304 when the reader has it)."""
    site = _site(request)
    today = site.clock.today()
    key = (site.version, today, request.url.path, request.url.query)
    return _respond(request, _cache_of(site).get(key, lambda: build(site, today)))


def _html(name: str, site: Site, context: dict[str, Any], status: int = 200, lang: str = DEFAULT_LANGUAGE) -> Rendered:
    return status, render_template(name, site, context, lang), "text/html; charset=utf-8"


def _urls(site: Site, lang: str) -> SiteUrls:
    return SiteUrls(site.config.base_url, lang=lang)


# --- errors -----------------------------------------------------------------------------------


def filter_error_page(
    site: Site,
    exc: FilterError,
    items: list[tuple[str, str]],
    path: str,
    params: tuple[str, ...] | None = None,
    lang: str = DEFAULT_LANGUAGE,
) -> Rendered:
    """The 400 page in the language `lang`: what was wrong (in English, as the filters say it), the
    valid choices as links, and a way out. `params`: the parameters the page at `path` takes (the
    listing's and the observances' by default)."""
    # A query refused as a whole (too long) leaves nothing to keep.
    rest = [(k, v) for k, v in items if k != exc.parameter and k != "page"] if exc.parameter != "query" else []
    known = exc.parameter in (FILTER_PARAMS + PAGE_PARAMS + ("year",) if params is None else params)
    choices = [(c, with_query(path, rest + [(exc.parameter, c)])) for c in exc.choices] if known else []
    context = error_context(
        400, words(lang).gettext(FILTER_NOT_APPLIED), exc.message, parameter=exc.parameter, choices=choices,
        names=[] if known else exc.choices, without_url=with_query(path, rest), clear_url=path, message_lang="en",
    )
    # The page in the other language without the query: an error page echoes no more of it than it must.
    languages = language_links(_urls(site, lang), lambda u: u.same_page(path))
    return _html("error.html", site, {**context, "languages": languages}, 400, lang)


def not_found_page(
    site: Site,
    message: str | None,
    suggestions: list[tuple[str, str]] | None = None,
    *,
    path: str = "/",
    lang: str = DEFAULT_LANGUAGE,
) -> Rendered:
    """The 404 page at `path` in the language `lang`: `message` (by default that there is no page)
    and the pages a reader may have meant."""
    context = not_found_context(message, suggestions, clear_url=_urls(site, lang).home(), lang=lang)
    languages = language_links(_urls(site, lang), lambda u: u.same_page(path))
    return _html("error.html", site, {**context, "languages": languages}, 404, lang)


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
    lang = language_of_path(request.url.path)
    detail = str(exc.detail)
    # The routes write their messages in English (marked for the catalogs); a page in another
    # language shows the catalog's words, and marks as English a message the catalog lacks.
    said = detail if isinstance(exc, SaidError) else words(lang).gettext(detail)
    told = lang if isinstance(exc, SaidError) or said != detail else DEFAULT_LANGUAGE
    if exc.status_code == 404:
        message = said if exc.detail and exc.detail != "Not Found" else None
        status, body, media = not_found_page(site, message, path=request.url.path, lang=lang)
    else:
        context = error_context(exc.status_code, said, said, message_lang=told)
        status, body, media = _html("error.html", site, context, exc.status_code, lang)
    return Response(body, status_code=status, media_type=media, headers=getattr(exc, "headers", None))


def install_error_pages(app: FastAPI) -> None:
    """Readable HTML pages for 404 and other errors on page addresses (the API keeps JSON)."""
    app.add_exception_handler(StarletteHTTPException, _http_error)


# --- pages ------------------------------------------------------------------------------------


def _lang(request: Request) -> str:
    return language_of_path(request.url.path)


V = TypeVar("V", bound=Callable[..., Any])


def every_language(path: str) -> list[str]:
    """`path` and the same path in each other language of the site: `/alerts`, `/es/alerts`."""
    return [path_prefix(lang) + path for lang in LANGUAGES]


def in_every_language(on: APIRouter, path: str, methods: list[str], **options: Any) -> Callable[[V], V]:
    """Registers a view on the router `on` at `path` and at the same path in every other language
    (`/es/past`, `/es/alerts`), with the router's `options`."""

    def register(view: V) -> V:
        for each in every_language(path):
            on.api_route(each, methods=methods, **options)(view)
        return view

    return register


def page_route(path: str) -> Callable[[V], V]:
    """Registers a public page at `path` and at the same path in every other language (`/es/past`)."""
    return in_every_language(router, path, ["GET", "HEAD"], response_class=HTMLResponse)


def _listing(request: Request, past: bool) -> Response:
    items = list(request.query_params.multi_items())
    used = [(k, v) for k, v in items if v.strip()]
    if len(used) != len(items):
        # A plain form sends its empty fields too; the address a reader bookmarks holds only the filters in use.
        return RedirectResponse(with_query(request.url.path, used), status_code=303)

    lang = _lang(request)

    def build(site: Site, today: date) -> Rendered:
        urls = _urls(site, lang)
        try:
            context = listing_context(site.catalog, site.config, items, today=today, past=past, urls=urls)
        except FilterError as exc:
            return filter_error_page(site, exc, items, urls.listing(past=past), lang=lang)
        return _html("listing.html", site, {**context, "current": "past" if past else "upcoming"}, lang=lang)

    return cached_page(request, build)


def _arriving_language(request: Request) -> str | None:
    """The language a reader arriving at `/` is sent to: the one of the site's their browser ranks
    first (`Accept-Language`), unless that is English or they came from a page of this site (a
    link, or the language switch, which is how a reader goes back to English)."""
    referer = request.headers.get("referer")
    if referer and urlsplit(referer).netloc == request.url.netloc:
        return None
    preferred = preferred_language(request.headers.get("accept-language", ""))
    return preferred if preferred not in (None, DEFAULT_LANGUAGE) else None


@page_route("/")
def upcoming(request: Request) -> Response:
    """Upcoming events, soonest first, grouped by month, with filters.

    A reader arriving at `/` from elsewhere whose browser ranks Spanish first is sent to `/es/`
    (302, the query kept); `/` says it `Vary: Accept-Language`. The Spanish pages never send anyone
    back, so a crawler cannot loop, and without `Accept-Language` (most crawlers) nothing moves.
    """
    if _lang(request) != DEFAULT_LANGUAGE:
        return _listing(request, past=False)
    arriving = _arriving_language(request)
    if arriving is not None:
        target = with_query(path_prefix(arriving) + "/", request.query_params.multi_items())
        headers = {"Vary": "Accept-Language", "Cache-Control": "no-store"}
        return RedirectResponse(target, status_code=302, headers=headers)
    response = _listing(request, past=False)
    response.headers["Vary"] = "Accept-Language"
    return response


def language_home(request: Request) -> Response:
    """`/es` is the Spanish listing's address without its slash."""
    return RedirectResponse(with_query(request.url.path + "/", request.query_params.multi_items()), status_code=308)


for _other in (lang for lang in LANGUAGES if lang != DEFAULT_LANGUAGE):
    router.api_route(path_prefix(_other), methods=["GET", "HEAD"], response_class=HTMLResponse)(language_home)


@page_route("/past")
def past(request: Request) -> Response:
    """Events already over, newest first, with the same filters."""
    return _listing(request, past=True)


@page_route("/events/{slug}")
def event_page(request: Request, slug: str) -> Response:
    lang = _lang(request)

    def build(site: Site, today: date) -> Rendered:
        urls = _urls(site, lang)
        event = site.catalog.by_slug.get(slug)
        if event is None:
            close = difflib.get_close_matches(slug, list(site.catalog.by_slug), n=3, cutoff=0.5)
            hints = [(site.catalog.by_slug[c].title, urls.event(c)) for c in close]
            message = words(lang).gettext("There is no event called “%(slug)s”. It may have been renamed or removed.")
            return not_found_page(site, message % {"slug": slug}, hints, path=request.url.path, lang=lang)
        context = event_context(site.catalog, site.config, event, today, urls)
        return _html("event.html", site, {**context, "current": ""}, lang=lang)

    return cached_page(request, build)


@page_route("/observances")
def observances(request: Request) -> Response:
    lang = _lang(request)

    def build(site: Site, today: date) -> Rendered:
        urls = _urls(site, lang)
        items = [
            observance_context(site.catalog, site.config, o, observance_default_year(o, today), today, urls=urls)
            for o in site.config.observances
        ]
        context = {
            "title": words(lang).gettext("Observances"),
            "items": items,
            "current": "observances",
            "languages": language_links(urls, lambda u: u.observances()),
        }
        return _html("observances.html", site, context, lang=lang)

    return cached_page(request, build)


@page_route("/observances/{observance_id}")
def observance_page(request: Request, observance_id: str) -> Response:
    lang = _lang(request)

    def build(site: Site, today: date) -> Rendered:
        urls = _urls(site, lang)
        config = site.config
        observance = config.observance(observance_id)
        if observance is None:
            known = [(config.translated(o.name, lang), urls.observance(o.id)) for o in config.observances]
            message = words(lang).gettext("There is no observance called “%(name)s”.") % {"name": observance_id}
            return not_found_page(site, message, known, path=request.url.path, lang=lang)
        try:
            year = parse_year(request.query_params.get("year"), observance, today)
        except FilterError as exc:
            items = list(request.query_params.multi_items())
            return filter_error_page(site, exc, items, request.url.path, lang=lang)
        context = observance_context(site.catalog, config, observance, year, today, urls=urls)
        title = f"{context['name']} {year}"
        return _html("observance.html", site, {**context, "title": title, "current": "observances"}, lang=lang)

    return cached_page(request, build)


@page_route("/subscribe")
def subscribe_help(request: Request) -> Response:
    lang = _lang(request)

    def build(site: Site, today: date) -> Rendered:
        context = subscribe_context(site.config, _urls(site, lang))
        return _html("subscribe.html", site, context, lang=lang)

    return cached_page(request, build)


@page_route("/help/subscribe")
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

    return cached_page(request, build)
