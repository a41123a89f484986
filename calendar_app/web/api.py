"""Routes: the read-only JSON API, `/api/events` (the listing's filters and paging) and `/api/events/{slug}`.

The response shapes are declared as pydantic models, so they appear in the OpenAPI document
at `/openapi.json`. Errors are JSON too: a filter that cannot be applied is a 400 naming the
parameter and the valid choices, an unknown event a 404.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from ..catalog import Catalog, Filters
from ..config import SiteConfig
from ..errors import FilterError
from ..eventpage import calendar_links, json_ld
from ..listing import PAGE_PARAMS, entry, paginate, parse_page, sessions, sort_upcoming, with_query
from ..markdown import description_html
from ..model import Event
from ..phrasing import language_name

router = APIRouter(prefix="/api", tags=["events"])


class Place(BaseModel):
    venue: str | None = None
    address: str | None = None
    city: str | None = None
    region: str | None = Field(default=None, description="State or region, such as SC.")
    postal_code: str | None = None
    country: str | None = None
    one_line: str = Field(description="The whole address on one line.")


class OnlineDetails(BaseModel):
    url: str | None = None
    platform: str | None = None


class RegistrationDetails(BaseModel):
    url: str | None = None
    deadline: date | None = None
    cost: str | None = None
    free: bool


class OrganizerDetails(BaseModel):
    name: str | None = None
    email: str | None = None
    phone: str | None = None


class EventLinks(BaseModel):
    page: str = Field(description="The event's page on this site.")
    ics: str = Field(description="The event as an iCalendar file (every session of a series).")
    google: str = Field(description="Google Calendar's add-event page, filled in.")
    outlook: str = Field(description="Outlook.com's add-event page, filled in.")


class EventSummary(BaseModel):
    slug: str
    uid: str
    title: str
    type: str
    status: str = Field(description="scheduled, tentative, postponed or cancelled.")
    status_note: str | None = None
    start: datetime | date = Field(description="The next session not yet over (a date for all-day events).")
    end: datetime | date = Field(description="Its end; for all-day events the last day, inclusive.")
    all_day: bool
    timezone: str
    when: str = Field(description="As the listing shows it, such as 'January 19, 2027 | 2 p.m. ET | Online'.")
    place: str = Field(description="'Columbia, SC', 'Online', 'Online and Chicago, IL', or empty.")
    location: Place | None = None
    online: OnlineDetails | None = None
    url: str | None = Field(default=None, description="The organizer's page for the event.")
    registration: RegistrationDetails | None = None
    organizer: OrganizerDetails | None = None
    sponsors: list[str]
    topics: list[str]
    audience: list[str]
    language: str
    language_name: str
    accessibility: list[str]
    credits: str | None = None
    recording: bool | None = None
    featured: bool
    observances: list[str]
    repeat: str | None = Field(default=None, description="The RFC 5545 rule of a series.")
    sequence: int
    last_modified: datetime
    links: EventLinks


class EventDetail(EventSummary):
    description: str = Field(description="The description as written, in Markdown.")
    description_html: str = Field(description="The description as sanitised HTML.")
    sessions: list[datetime | date] = Field(description="Every session of a series (the start alone otherwise).")
    json_ld: dict[str, Any] = Field(description="The schema.org Event data the page carries.")


class PageLinks(BaseModel):
    self: str
    html: str = Field(description="The same results as a web page.")
    ics: str = Field(description="A calendar feed of the same filters.")
    atom: str
    next: str | None = None
    prev: str | None = None


class EventList(BaseModel):
    filters: dict[str, list[str]] = Field(description="The filters in force, by query parameter.")
    description: str = Field(description="The filters in words, such as 'webinars for law enforcement'.")
    past: bool
    total: int
    page: int
    pages: int
    page_size: int
    events: list[EventSummary]
    links: PageLinks


class ErrorDetail(BaseModel):
    parameter: str | None = None
    message: str
    choices: list[str] = []


class ErrorBody(BaseModel):
    error: ErrorDetail


def _site(request: Request) -> Any:
    return request.app.state.site


def summary_of(catalog: Catalog, config: SiteConfig, event: Event, today: date, *, upcoming: bool = True) -> dict[str, Any]:
    """An event as the API shows it in lists."""
    f = event.fields
    item = entry(catalog, event, today, upcoming=upcoming)
    add = calendar_links(event, item.start, config)
    loc = event.location
    return {
        "slug": event.slug, "uid": event.uid, "title": event.title, "type": event.type,
        "status": event.status.value, "status_note": f.status_note,
        "start": item.start, "end": item.end, "all_day": event.all_day, "timezone": event.zone.key,
        "when": item.line_text, "place": item.place,
        "location": Place(**loc.model_dump(), one_line=loc.one_line()) if loc else None,
        "online": OnlineDetails(**event.online.model_dump()) if event.online else None,
        "url": f.url,
        "registration": RegistrationDetails(
            url=f.registration.url, deadline=f.registration.deadline, cost=f.registration.cost, free=f.registration.is_free
        ) if f.registration else None,
        "organizer": OrganizerDetails(**f.organizer.model_dump()) if f.organizer else None,
        "sponsors": list(f.sponsors), "topics": list(f.topics), "audience": list(f.audience),
        "language": event.language, "language_name": language_name(event.language),
        "accessibility": list(f.accessibility), "credits": f.credits, "recording": f.recording,
        "featured": f.featured, "observances": list(f.observances), "repeat": f.repeat,
        "sequence": event.sequence, "last_modified": event.last_modified,
        "links": EventLinks(page=f"{config.base_url}/events/{event.slug}", ics=config.base_url + add.ics,
                            google=add.google, outlook=add.outlook),
    }


def _error(status: int, parameter: str | None, message: str, choices: list[str] | None = None) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(parameter=parameter, message=message, choices=choices or []))
    return JSONResponse(body.model_dump(), status_code=status)


def _flag(items: list[tuple[str, str]], name: str) -> bool:
    values = [v.strip().lower() for k, v in items if k == name]
    if not values or values[-1] in ("", "0", "false", "no", "off"):
        return False
    if values[-1] in ("1", "true", "yes", "on"):
        return True
    raise FilterError(name, f"{values[-1]!r} is not true or false", ["true", "false"])


def _query_of(f: Filters) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in f.to_query():
        out.setdefault(name, []).append(value)
    return out


@router.get(
    "/events",
    response_model=EventList,
    responses={400: {"model": ErrorBody, "description": "A filter that cannot be applied."}},
    summary="Upcoming (or past) events, filtered and paged like the listing",
)
def list_events(request: Request) -> Any:
    """Takes the listing's filters (`type`, `topic`, `audience`, `sponsor`, `region`, `language`,
    `accessibility`, `online`, `free`, `q`, `from`, `to`, `observance`; repeat a parameter for
    alternatives), `page`, and `past=true` for events already over, newest first."""
    site = _site(request)
    today = site.clock.today()
    items = list(request.query_params.multi_items())
    try:
        past = _flag(items, "past")
        f = Filters.from_query(items, site.config, allowed_extra=PAGE_PARAMS + ("past",))
        page = parse_page(items)
        events = site.catalog.select(f, today=today, past=past)
        if not past:
            events = sort_upcoming(site.catalog, events, today)
        query = f.to_query() + ([("past", "true")] if past else [])
        pagination = paginate(len(events), page, site.config.page_size, "/api/events", query)
    except FilterError as exc:
        return _error(400, exc.parameter, exc.message, exc.choices)
    shown = events[pagination.first - 1 : pagination.last] if events else []
    base = site.config.base_url
    html_path = with_query("/past" if past else "/", f.to_query() + ([("page", str(page))] if page > 1 else []))
    return EventList(
        filters=_query_of(f),
        description=f.describe(site.config),
        past=past,
        total=pagination.total,
        page=pagination.page,
        pages=pagination.pages,
        page_size=site.config.page_size,
        events=[EventSummary(**summary_of(site.catalog, site.config, e, today, upcoming=not past)) for e in shown],
        links=PageLinks(
            self=base + with_query("/api/events", query + ([("page", str(page))] if page > 1 else [])),
            html=base + html_path,
            ics=base + with_query("/calendar.ics", f.to_query()),
            atom=base + with_query("/feed.atom", f.to_query()),
            next=base + pagination.next_url if pagination.next_url else None,
            prev=base + pagination.prev_url if pagination.prev_url else None,
        ),
    )


@router.get(
    "/events/{slug}",
    response_model=EventDetail,
    responses={404: {"model": ErrorBody, "description": "No event has this slug."}},
    summary="One event, with its description and every session",
)
def get_event(request: Request, slug: str) -> Any:
    site = _site(request)
    event = site.catalog.by_slug.get(slug)
    if event is None:
        return _error(404, None, f"no event called {slug!r}")
    today = site.clock.today()
    data = summary_of(site.catalog, site.config, event, today, upcoming=event.last_date >= today)
    return EventDetail(
        **data,
        description=event.body,
        description_html=str(description_html(event)),
        sessions=sessions(event, limit=1000),
        json_ld=json_ld(event, site.config, data["start"]),
    )
