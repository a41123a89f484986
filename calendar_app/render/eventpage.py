"""The context of one event's page: every detail, add-to-calendar links and schema.org JSON-LD.

Like `listing`, this knows nothing of the web framework; the page, the JSON API and a static
build all read what `event_context` returns.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from typing import Any
from urllib.parse import urlencode

from ..core.catalog import Catalog
from ..core.config import SiteConfig
from ..core.fields import Status
from ..core.model import Event, Occurrence
from ..core.when import When
from .entries import (
    SESSIONS_SHOWN,
    STATUS_LABELS,
    next_session,
    occurrence_end,
    occurrence_status,
    occurrence_title,
)
from .frame import language_links
from .language import DEFAULT_LANGUAGE, words
from .markdown import description_html, description_paragraph, host_label, summary
from .phrasing import (
    Part,
    accessibility_label,
    day_text,
    full_when,
    iso_value,
    language_name,
    listing_line,
    place_text,
    text_of,
    zone_name,
)
from .urls import SiteUrls

SCHEMA_STATUS = {
    Status.SCHEDULED: "https://schema.org/EventScheduled",
    Status.TENTATIVE: "https://schema.org/EventScheduled",
    Status.POSTPONED: "https://schema.org/EventPostponed",
    Status.CANCELLED: "https://schema.org/EventCancelled",
}
_PRICE = re.compile(r"^\s*\$\s*(\d+(?:\.\d{2})?)\s*$")


@dataclass(frozen=True)
class CalendarLinks:
    """'Add to calendar' for one event: the .ics download and the web calendars' add pages."""

    ics: str
    google: str | None  # None when the session is cancelled: nothing to add
    outlook: str | None
    next_only: bool  # the web calendars get the next session of a series; the .ics has them all


@dataclass(frozen=True)
class Session:
    """One session of a series as the page lists it."""

    parts: list[Part]
    over: bool
    title: str | None = None  # its own title, when it has one
    moved_from: str | None = None  # "January 27, 2027 | 1 p.m.": where the rule had it
    status_label: str | None = None  # "Cancelled", "Tentative"
    status_note: str | None = None
    extra: bool = False

    @property
    def cancelled(self) -> bool:
        return self.status_label == STATUS_LABELS[Status.CANCELLED]


def session_of(event: Event, occurrence: Occurrence, today: date, lang: str = DEFAULT_LANGUAGE) -> Session:
    """`occurrence` as the page's list of sessions shows it, in the language `lang`."""
    change = occurrence.change
    moved_from = occurrence.moved_from
    return Session(
        full_when(event, occurrence.start, occurrence.end, lang),
        occurrence.end < _today_like(occurrence.start, today),
        title=change.title if change is not None else None,
        # Its start alone ("Wednesday, January 27, 2027, 1 p.m. ET"), as the moment form writes it.
        moved_from=text_of(full_when(event, moved_from, moved_from, lang)) if moved_from is not None else None,
        status_label=STATUS_LABELS.get(change.status) if change is not None and change.status else None,
        status_note=change.status_note if change is not None else None,
        extra=occurrence.extra,
    )


def _utc_stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_links(event: Event, start: When, config: SiteConfig, urls: SiteUrls | None = None) -> CalendarLinks:
    """Google and Outlook.com add-event links for the occurrence at `start` (its own title and
    times; none when it is cancelled), and the .ics download (as `urls` writes it, the server's
    by default)."""
    urls = urls or SiteUrls(config.base_url)
    occurrence = event.occurrence_at(start)
    ics = urls.event_ics(event.slug)
    if occurrence_status(event, occurrence) is Status.CANCELLED:
        return CalendarLinks(ics, None, None, event.rule is not None)
    google, outlook = _add_links(event, occurrence, start, urls.permalink(event.slug), urls.lang)
    return CalendarLinks(ics, google, outlook, event.rule is not None)


_ADD_LINKS_KEPT = 64
_add_links_kept: OrderedDict[tuple[int, When, str, str], tuple[Event, str, str]] = OrderedDict()
_add_links_lock = threading.Lock()


def _add_links(event: Event, occurrence: Occurrence, start: When, page: str, lang: str) -> tuple[str, str]:
    """The Google and Outlook.com links of one occurrence, kept for the last few: an event's page
    and its API record both carry them, and encoding the description into two addresses is most
    of what the links cost. An entry holds its event, so an id it is found by is that event's."""
    key = (id(event), start, page, lang)
    with _add_links_lock:
        kept = _add_links_kept.get(key)
    if kept is not None and kept[0] is event:
        return kept[1], kept[2]
    title, end = occurrence_title(event, occurrence), occurrence.end
    details = summary(event.body, 600) + ("\n\n" if event.body.strip() else "") + page
    online = words(lang).gettext("Online") if event.online else ""
    where = event.location.one_line() if event.location else online
    if isinstance(start, datetime) and isinstance(end, datetime):
        google_dates = f"{_utc_stamp(start)}/{_utc_stamp(end)}"
        outlook_start = start.astimezone(UTC).isoformat().replace("+00:00", "Z")
        outlook_end = end.astimezone(UTC).isoformat().replace("+00:00", "Z")
        all_day = "false"
    else:
        after = end + timedelta(days=1)
        google_dates = f"{start:%Y%m%d}/{after:%Y%m%d}"
        outlook_start, outlook_end, all_day = start.isoformat(), after.isoformat(), "true"
    google = "https://calendar.google.com/calendar/render?" + urlencode(
        {"action": "TEMPLATE", "text": title, "dates": google_dates, "details": details,
         "location": where, "ctz": event.zone.key}
    )
    outlook = "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(
        {"path": "/calendar/action/compose", "rru": "addevent", "subject": title,
         "startdt": outlook_start, "enddt": outlook_end, "allday": all_day, "body": details, "location": where}
    )
    with _add_links_lock:
        _add_links_kept[key] = (event, google, outlook)
        while len(_add_links_kept) > _ADD_LINKS_KEPT:
            _add_links_kept.popitem(last=False)
    return google, outlook


def json_ld(event: Event, config: SiteConfig, start: When) -> dict[str, Any]:
    """schema.org Event data for search engines, of the occurrence at `start`: its own title,
    times and status; a moved one is rescheduled from where the rule had it."""
    f = event.fields
    occurrence = event.occurrence_at(start)
    status = occurrence_status(event, occurrence)
    page = SiteUrls(config.base_url).permalink(event.slug)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": occurrence_title(event, occurrence),
        "url": page,
        "startDate": iso_value(start),
        "endDate": iso_value(occurrence.end),
        "eventStatus": SCHEMA_STATUS[status],
        "inLanguage": event.language,
    }
    if occurrence.moved_from is not None and status in (Status.SCHEDULED, Status.TENTATIVE):
        data["eventStatus"] = "https://schema.org/EventRescheduled"
        data["previousStartDate"] = iso_value(occurrence.moved_from)
    text = description_paragraph(event)
    if text:
        data["description"] = text
    online = event.online
    places: list[dict[str, Any]] = []
    if event.location:
        loc = event.location
        address = {
            "@type": "PostalAddress",
            "streetAddress": loc.address,
            "addressLocality": loc.city,
            "addressRegion": loc.region,
            "postalCode": loc.postal_code,
            "addressCountry": loc.country,
        }
        place = {"@type": "Place", "name": loc.venue or loc.place(), "address": _compact(address)}
        places.append(_compact(place))
    if online is not None:
        places.append(_compact({"@type": "VirtualLocation", "url": online.url or f.url or page}))
    if places:
        data["location"] = places[0] if len(places) == 1 else places
        if event.location and online is not None:
            data["eventAttendanceMode"] = "https://schema.org/MixedEventAttendanceMode"
        elif online is not None:
            data["eventAttendanceMode"] = "https://schema.org/OnlineEventAttendanceMode"
        else:
            data["eventAttendanceMode"] = "https://schema.org/OfflineEventAttendanceMode"
    if f.organizer and f.organizer.name:
        data["organizer"] = _compact(
            {
                "@type": "Organization",
                "name": f.organizer.name,
                "email": f.organizer.email,
                "telephone": f.organizer.phone,
            }
        )
    sponsors = [config.sponsor_names.get(s, s) for s in f.sponsors]
    if sponsors:
        data["sponsor"] = [{"@type": "Organization", "name": name} for name in sponsors]
    if f.registration:
        offer: dict[str, Any] = {"@type": "Offer", "url": f.registration.url or f.url or page}
        if f.registration.is_free:
            offer.update(price="0", priceCurrency="USD")
        elif f.registration.cost and (match := _PRICE.match(f.registration.cost)):
            offer.update(price=match.group(1), priceCurrency="USD")
        elif f.registration.cost:
            offer["description"] = f.registration.cost
        if f.registration.deadline:
            offer["validThrough"] = f.registration.deadline
        offer["availability"] = (
            "https://schema.org/SoldOut" if status is Status.CANCELLED else "https://schema.org/InStock"
        )
        data["offers"] = offer
    if status is Status.POSTPONED:
        data["previousStartDate"] = iso_value(start)
    return data


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, "", [], {})}


def event_context(
    catalog: Catalog, config: SiteConfig, event: Event, today: date, urls: SiteUrls | None = None
) -> dict[str, Any]:
    """Everything the event's page shows, its links written by `urls` (the server's by default) and
    its words in their language; the event's own text stays as written, in its `language`."""
    urls = urls or SiteUrls(config.base_url)
    lang = urls.lang
    f = event.fields
    # The page's when, its add-to-calendar links and its JSON-LD all speak of the next session.
    start = next_session(event, today)
    end = occurrence_end(event, start)
    when = full_when(event, start, end, lang)
    moment = start if isinstance(start, datetime) else None
    series = (
        [session_of(event, o, today, lang) for o in islice(event.occurrences(), SESSIONS_SHOWN)] if event.rule else []
    )
    skipped = [text_of(full_when(event, s, occurrence_end(event, s), lang)) for s in event.exdates]
    deadline = date.fromisoformat(f.registration.deadline) if f.registration and f.registration.deadline else None
    sponsors = []
    for sid in f.sponsors:
        known = next((s for s in config.sponsors if s.id == sid), None)
        sponsors.append({"id": sid, "name": known.name if known else sid, "url": known.url if known else None})
    return {
        "event": event,
        "fields": f,
        "title": event.title,
        "status_label": STATUS_LABELS.get(event.status),
        "cancelled": event.status is Status.CANCELLED,
        "when": when,
        "when_text": text_of(when),
        "next_session": session_of(event, event.occurrence_at(start), today, lang),
        "zone_name": zone_name(moment, event.zone, lang) if moment else None,
        "line": listing_line(event, start, end, lang),
        "over": event.last_date < today,
        "sessions": series,
        "skipped": skipped,
        "place": place_text(event, lang),
        "location": event.location,
        "online": event.online,
        "deadline_text": day_text(deadline, lang=lang) if deadline else None,
        "deadline_passed": deadline is not None and deadline < today,
        "sponsors": sponsors,
        "topics": [(t, urls.listing([("topic", t)])) for t in f.topics],
        "audience": [(a, urls.listing([("audience", a)])) for a in f.audience],
        "type_url": urls.listing([("type", event.type)]),
        "language": _capital(language_name(event.language, lang)),
        "accessibility": [accessibility_label(a, lang) for a in f.accessibility],
        "description": description_html(event),
        "website_host": host_label(f.url) if f.url else None,
        "registration_host": host_label(f.registration.url) if f.registration and f.registration.url else None,
        "add": calendar_links(event, start, config, urls),
        "json_ld": json_ld(event, config, start),
        "canonical": urls.full.event(event.slug),
        "feed_subscribe": urls.subscribe(urls.full.feed()),
        "observances": [  # named in the page's language
            o.model_copy(update={"name": config.translated(o.name, lang)})
            for o in config.observances
            if catalog.observance_year(event, o) is not None
        ],
        "from_source": _source_name(event, config),
        "languages": language_links(urls, lambda u: u.event(event.slug)),
    }


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _source_name(event: Event, config: SiteConfig) -> str | None:
    """The partner calendar a synced event came from, by the name the configuration gives it; none
    once the source is no longer configured (its id is a short name of this site's, not the public's)."""
    ref = event.fields.source
    source = config.source(ref.id) if ref is not None else None
    return source.name if source is not None else None


def _today_like(value: When, today: date) -> When:
    """`today` in the same form as `value`, so an occurrence can be compared with it."""
    if isinstance(value, datetime):
        return datetime.combine(today, datetime.min.time(), tzinfo=value.tzinfo)
    return today
