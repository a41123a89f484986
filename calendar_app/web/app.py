"""Builds the FastAPI application for one site: the routers, the shared site state, the headers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import date
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.responses import PlainTextResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..core.clock import Clock
from ..core.config import SiteConfig
from ..files.site import Site
from ..render.assets import STATIC_DIR
from ..render.ical.vevent import vevent_bytes
from . import alerts, api, embed, feeds, manage, pages
from .alertschedule import AlertSchedule
from .feedcache import FeedCache
from .schedule import WorkerSchedule
from .syncschedule import SyncSchedule

# Scripts and styles come only from this site; no inline script from anywhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
)
# A year, the usual value. Without includeSubDomains: the site is often one host of an
# organisation's domain (trainings.example.org), and what runs under it is not the site's to
# decide. Browsers ignore the header on plain http, so it is sent only when the site is https.
STRICT_TRANSPORT_SECURITY = ("Strict-Transport-Security", "max-age=31536000")


def security_headers_for(config: SiteConfig) -> tuple[tuple[str, str], ...]:
    """`SECURITY_HEADERS`, and HSTS when the site's address is https and `hsts` is on."""
    if config.hsts and config.base_url.lower().startswith("https://"):
        return (*SECURITY_HEADERS, STRICT_TRANSPORT_SECURITY)
    return SECURITY_HEADERS


class SecurityHeaders:
    """Adds `SECURITY_HEADERS` to every response that does not set its own; the paths of `by_path`
    get theirs instead (`/embed`, which other sites may frame).

    A plain ASGI middleware rather than `@app.middleware("http")`, whose wrapping of every
    response cost a third of the time of a 304 or of a page served from memory.
    """

    def __init__(
        self,
        app: ASGIApp,
        headers: tuple[tuple[str, str], ...] = SECURITY_HEADERS,
        by_path: Mapping[str, tuple[tuple[str, str], ...]] | None = None,
    ) -> None:
        self.app = app
        self.headers = headers
        self.by_path = dict(by_path or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.by_path.get(scope["path"], self.headers):
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _running(
    site: Site, watch: bool, schedules: Sequence[WorkerSchedule]
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """While the server runs: reload `site` when its events folder changes (`watch`), and do the
    `schedules` (sync the partner calendars, send the e-mail alerts); all stopped at shutdown."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if watch:
            site.watch()
        for schedule in schedules:
            schedule.start()
        try:
            yield
        finally:
            for schedule in schedules:
                await run_in_threadpool(schedule.stop)  # a job under way is waited for a while, off the loop
            if watch:
                site.stop()

    return lifespan


def create_app(
    config: SiteConfig,
    events_dir: Path,
    *,
    today: date | None = None,
    watch: bool = True,
    state_dir: Path | None = None,
    cache_dir: Path | None = None,
) -> FastAPI:
    """The application serving `events_dir`; `today` fixes the date used as now.

    `state_dir` holds the coordinators' accounts, pending queue and session key (the
    configuration's folder; by default the folder above `events_dir`). `cache_dir` keeps the
    validated events across restarts (see `calendar_app.loadcache`); none by default. With
    `sync_interval_minutes` set, the partner calendars are synced while the server runs
    (`syncschedule`); with `alerts_interval_minutes`, the e-mail alerts are sent (`alertschedule`).
    """
    # With an empty cache and thousands of files, the processes that read them write their
    # VEVENTs too (see `files.coldstart`).
    site = Site(config, events_dir, Clock.from_env(config.zone, today), cache_dir=cache_dir, prebuild=vevent_bytes)
    state_dir = state_dir or events_dir.absolute().parent
    schedule = SyncSchedule.for_site(site, state_dir, config.sync_interval_minutes)
    alert_schedule = AlertSchedule.for_site(site, state_dir, config.alerts_interval_minutes)
    schedules = [job for job in (schedule, alert_schedule) if job is not None]
    # No Swagger UI or ReDoc pages: they load their scripts from a CDN, which the pages' policy
    # (and a closed network) forbids. The OpenAPI document stays at /openapi.json.
    app = FastAPI(
        title=config.name, description=config.description, version="1", docs_url=None, redoc_url=None,
        lifespan=_running(site, watch, schedules) if watch or schedules else None,
    )
    app.state.site = site
    app.state.sync_schedule = schedule
    app.state.alert_schedule = alert_schedule
    app.state.feeds = FeedCache.of(site)  # builds the full feed now, not on the first request

    app.state.security_headers = security_headers_for(config)
    framable = {path: embed.framable_headers(config, app.state.security_headers) for path in embed.EMBED_PATHS}
    app.add_middleware(SecurityHeaders, headers=app.state.security_headers, by_path=framable)
    # Starlette answers an unhandled exception outside every middleware: this handler is the one
    # place that answer is made, so it carries the headers itself.
    app.add_exception_handler(Exception, _server_error)

    manage.install(app, site, state_dir)
    app.include_router(feeds.router)
    app.include_router(api.router)
    app.include_router(manage.router)
    app.include_router(embed.router)
    app.include_router(alerts.router)
    app.include_router(pages.router)  # last: it holds the catch-all pages
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    pages.install_error_pages(app)
    return app


async def _server_error(request: Request, exc: Exception) -> Response:
    """The 500 answer: plain words, no traceback, and the same security headers as any other."""
    return PlainTextResponse(
        "Something went wrong on the server. Please try again later.\n",
        status_code=500,
        headers=dict(request.app.state.security_headers),
    )


def site_of(request: Request) -> Site:
    """The site behind a request (routers use this as a dependency)."""
    return request.app.state.site  # type: ignore[no-any-return]
