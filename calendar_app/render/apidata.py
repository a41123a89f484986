"""The JSON the API answers with: its shapes, and how events and listings become them.

The shapes are pydantic models, so the web routes (`web/api.py`) list them in the OpenAPI
document; the static build writes the same documents to files. Nothing here knows of the
web framework.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from ..core.catalog import Catalog
from ..core.config import SiteConfig
from ..core.filters import Filters
from ..core.model import Event
from ..core.recurrence import MAX_OCCURRENCES
from ..core.series import OccurrenceChange
from .entries import entry, next_session, sessions
from .eventpage import calendar_links, json_ld
from .listing import paginate, sort_past, sort_upcoming
from .markdown import description_html
from .phrasing import filters_text, language_name
from .urls import SiteUrls


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
    google: str | None = Field(
        description="Google Calendar's add-event page for the session at `start`, filled in; null when it is cancelled."
    )
    outlook: str | None = Field(
        description="Outlook.com's add-event page for the session at `start`, filled in; null when it is cancelled."
    )


class SessionChange(BaseModel):
    occurrence: datetime | date = Field(description="The session's start as the series' rule gives it.")
    start: datetime | date = Field(description="Its start now (moved when it differs from `occurrence`).")
    end: datetime | date = Field(description="Its end; for all-day events the last day, inclusive.")
    title: str | None = Field(default=None, description="Its own title, if it has one.")
    status: str | None = Field(default=None, description="Its own status: scheduled, tentative or cancelled.")
    status_note: str | None = None


class EventSummary(BaseModel):
    slug: str
    uid: str
    title: str
    type: str
    status: str = Field(description="scheduled, tentative, postponed or cancelled.")
    status_note: str | None = None
    start: datetime | date = Field(
        description="The next session not yet over, or a past event's first (a date for all-day events)."
    )
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
    session_change: SessionChange | None = Field(
        default=None,
        description="How the session at `start` differs from the series, when it was moved, retitled or cancelled.",
    )


class EventDetail(EventSummary):
    description: str = Field(description="The description as written, in Markdown.")
    description_html: str = Field(description="The description as sanitised HTML.")
    sessions: list[datetime | date] = Field(
        description="Every session of a series, extra and moved ones included, cancelled ones too (see "
        "`changed_sessions`); the start alone otherwise."
    )
    changed_sessions: list[SessionChange] = Field(
        default=[], description="The sessions of a series moved, retitled or cancelled, one by one."
    )
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



def summary_of(
    catalog: Catalog,
    config: SiteConfig,
    event: Event,
    today: date,
    *,
    upcoming: bool = True,
    urls: SiteUrls | None = None,
) -> dict[str, Any]:
    """An event as the API shows it in lists, with full addresses from `urls` (the server's by default)."""
    f = event.fields
    full = (urls or SiteUrls(config.base_url)).full
    item = entry(catalog, event, today, upcoming=upcoming, urls=full)
    add = calendar_links(event, item.start, config, full)
    change = event.occurrence_at(item.start).change
    loc = event.location
    return {
        "slug": event.slug,
        "uid": event.uid,
        "title": event.title,
        "type": event.type,
        "status": event.status.value,
        "status_note": f.status_note,
        "start": item.start,
        "end": item.end,
        "all_day": event.all_day,
        "timezone": event.zone.key,
        "when": item.line_text,
        "place": item.place,
        "location": Place(**asdict(loc), one_line=loc.one_line()) if loc else None,
        "online": OnlineDetails(**asdict(event.online)) if event.online else None,
        "url": f.url,
        "registration": RegistrationDetails(
            url=f.registration.url,
            deadline=f.registration.deadline,
            cost=f.registration.cost,
            free=f.registration.is_free,
        )
        if f.registration
        else None,
        "organizer": OrganizerDetails(**asdict(f.organizer)) if f.organizer else None,
        "sponsors": list(f.sponsors),
        "topics": list(f.topics),
        "audience": list(f.audience),
        "language": event.language,
        "language_name": language_name(event.language),
        "accessibility": list(f.accessibility),
        "credits": f.credits,
        "recording": f.recording,
        "featured": f.featured,
        "observances": list(f.observances),
        "repeat": f.repeat,
        "sequence": event.sequence,
        "last_modified": event.last_modified,
        "links": EventLinks(page=full.event(event.slug), ics=add.ics, google=add.google, outlook=add.outlook),
        "session_change": _session_change(change) if change is not None else None,
    }


def _session_change(change: OccurrenceChange) -> SessionChange:
    return SessionChange(
        occurrence=change.occurrence, start=change.start, end=change.end, title=change.title,
        status=change.status.value if change.status else None, status_note=change.status_note,
    )




def _query_of(f: Filters) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in f.to_query():
        out.setdefault(name, []).append(value)
    return out




def event_list(
    catalog: Catalog,
    config: SiteConfig,
    f: Filters,
    *,
    today: date,
    past: bool = False,
    page: int = 1,
    events: list[Event] | None = None,
    summaries: Mapping[str, EventSummary] | None = None,
    urls: SiteUrls | None = None,
) -> EventList:
    """One page of upcoming (or past) events passing `f`; raises FilterError for a page that does not exist.

    `events` (the selection in listing order) and `summaries` (by slug) may be given when the
    caller already has them, as the static build does for every page of a listing.
    """
    if events is None:
        events = catalog.select(f, today=today, past=past)
        events = sort_past(events) if past else sort_upcoming(catalog, events, today)
    full = (urls or SiteUrls(config.base_url)).full
    query = f.to_query()
    pagination = paginate(len(events), page, config.page_size, lambda n: full.api_listing(query, past=past, page=n))
    shown = events[pagination.first - 1 : pagination.last] if events else []
    return EventList(
        filters=_query_of(f),
        description=filters_text(f, config),
        past=past,
        total=pagination.total,
        page=pagination.page,
        pages=pagination.pages,
        page_size=config.page_size,
        events=[
            summaries[e.slug] if summaries is not None
            else EventSummary(**summary_of(catalog, config, e, today, upcoming=not past, urls=full))
            for e in shown
        ],
        links=PageLinks(
            self=full.api_listing(query, past=past, page=page),
            html=full.listing(query, past=past, page=page),
            ics=full.feed(query),
            atom=full.atom(query),
            next=pagination.next_url,
            prev=pagination.prev_url,
        ),
    )


def event_detail(
    catalog: Catalog, config: SiteConfig, event: Event, today: date, urls: SiteUrls | None = None
) -> EventDetail:
    """One event with its description, every session and its JSON-LD (addresses from `urls`, the
    server's by default)."""
    data = summary_of(catalog, config, event, today, upcoming=event.last_date >= today, urls=urls)
    return EventDetail(
        **data,
        description=event.body,
        description_html=str(description_html(event)),
        sessions=sessions(event, limit=MAX_OCCURRENCES + len(event.extra)),
        changed_sessions=[_session_change(c) for c in event.changes],
        json_ld=json_ld(event, config, next_session(event, today)),  # the page's: of its next session
    )
