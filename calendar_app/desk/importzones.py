"""The IANA zone of an imported event's times: named, recognised, matched by its rules, or refused.

Calendars name zones in many ways. An IANA name (`Europe/Berlin`, or one inside a longer name
such as `/mozilla.org/20050126_1/America/New_York`) is taken as it is. A Windows name
(`Pacific Standard Time`) is mapped by the Unicode CLDR table that icalendar carries. A Windows
display name, `(GMT+10:00) Canberra, Melbourne, Sydney` or `(UTC-05:00) Eastern Time (US &
Canada)`, is read by its cities or the Windows zone it describes, and only where the offset it
states is that zone's standard offset. A bare offset (`UTC+0`, `GMT+10`) is that offset all year.

A zone the calendar defines in a VTIMEZONE is trusted only as far as its rules go: the zone its
name gives must change its clocks at the same instants, to the same offsets, over the years of the
event; when it does not (or the name gives none), every IANA zone is tried, the ones the name,
`--zone`, the calendar and the site name first. An event whose zone cannot be found this way is
refused (`ZoneUnknown`) rather than given a zone that moves it, unless `--zone` gives one.

A series in UTC is never written in UTC: the feed it goes into names the site's zone
(X-WR-TIMEZONE), and Google Calendar and others repeat such a series at that zone's wall time
while others repeat it at a fixed UTC time, an hour apart for half the year. The source's own
X-WR-TIMEZONE says which it meant (it is how Google Calendar reads it); without one, `--zone`
decides, or the event is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from itertools import islice
from zoneinfo import ZoneInfo, available_timezones

from dateutil.rrule import rrulestr
from icalendar import Event as VEvent
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from ..core.clock import Clock
from ..core.zones import zone_named

REMEDY = "give the event a zone with --zone or fix the source"
MAX_YEARS = 12  # the years a zone's rules are compared over, at most: the first and the last eleven
# Names for UTC (`Etc/UTC`, `GMT`, `Zulu`, ...), without their `Etc/`.
_UTC_NAMES = {"utc", "uct", "gmt", "gmt0", "gmt+0", "gmt-0", "zulu", "universal", "greenwich", "z",
              "coordinated universal time", "universal coordinated time", "utc+0", "utc-0"}
_WINDOWS = {name.casefold(): zone for name, zone in WINDOWS_TO_OLSON.items()}
# "(GMT+10:00) Canberra, Melbourne, Sydney", "(UTC) Dublin, London", "UTC+0", "GMT-05:30".
_OFFSET_NAME = re.compile(
    r"^\(?\s*(?:GMT|UTC)\s*(?:([+\-\u2212])\s*(\d{1,2})(?::?(\d{2}))?)?\s*\)?\s*(.*)$", re.IGNORECASE)
_HALF_DAY = timedelta(hours=12)
_UNFOLD = re.compile(r"\r?\n[ \t]")


class ZoneUnknown(ValueError):
    """No zone can be given to an event's times without guessing; the text says why and what to do."""


def calendar_zones(data: bytes, components: Sequence[object]) -> dict[int, str]:
    """The X-WR-TIMEZONE of each VEVENT's calendar, by the `id` of its component.

    `components` are the VEVENTs of `data` in order (None for one that could not be read). The
    property is read from the text, so it is found however the events were read; when the
    VEVENTs counted there are not `components`, only a zone every calendar of `data` names is given.
    """
    found: list[tuple[str, int]] = []  # each VCALENDAR's X-WR-TIMEZONE and how many VEVENTs it has
    depth = 0
    for line in _UNFOLD.sub("", data.decode("utf-8", errors="replace")).splitlines():
        name, _, value = line.partition(":")
        key = name.split(";", 1)[0].strip().upper()
        if key == "BEGIN":
            depth += 1
            if depth == 1:
                found.append(("", 0))
            elif depth == 2 and value.strip().upper() == "VEVENT" and found:
                found[-1] = (found[-1][0], found[-1][1] + 1)
        elif key == "END":
            depth = max(depth - 1, 0)
        elif key == "X-WR-TIMEZONE" and depth == 1 and found:
            found[-1] = (value.strip(), found[-1][1])
    per_event = [zone for zone, count in found for _ in range(count)]
    if len(per_event) != len(components):
        names = {zone for zone, _ in found}
        per_event = [names.pop() if len(names) == 1 else ""] * len(components)
    return {id(c): zone for c, zone in zip(components, per_event, strict=True) if c is not None and zone}


def event_zone(
    component: VEvent, start: datetime, site_zone: ZoneInfo, notes: list[str], *,
    given: str | None = None, calendar_zone: str | None = None,
) -> ZoneInfo:
    """The zone `component`'s times are written in, its `start` being a datetime.

    `given` is `--zone`, for times whose zone cannot be found and series in UTC; `calendar_zone`
    the source's X-WR-TIMEZONE. What was read how goes into `notes`; an event that cannot be given
    a zone without guessing raises `ZoneUnknown`.
    """
    named = component["DTSTART"].params.get("TZID")
    recurring = "RRULE" in component
    chosen = zone_named(given) if given else None
    own = _calendar_zone(calendar_zone)
    tz = start.tzinfo
    if tz is None and not named:  # floating: the calendar's zone, as Google Calendar and Apple's read it
        zone = chosen or own or site_zone
        source = "--zone" if chosen else "the calendar's X-WR-TIMEZONE" if own else "the site's zone"
        notes.append(f"floating time read as {zone.key} ({source})")
    elif tz is None:  # a TZID neither known nor defined in the calendar
        zone = named_zone(str(named), start, notes, given=given)
        if zone is not chosen:
            notes.append(f"time zone {named!r} read as {zone.key}")
    elif isinstance(tz, ZoneInfo):
        zone = tz
        if named and str(named) != tz.key:
            notes.append(f"time zone {str(named)!r} read as {tz.key}")
    elif _is_utc_tzinfo(tz, start):
        zone = ZoneInfo("UTC")
    else:  # defined by a VTIMEZONE
        zone = _defined_zone(component, start, tz, str(named or start.tzname()), chosen, own, site_zone, notes)
    if is_utc(zone) and own is not None and not is_utc(own):
        notes.append(f"a series in UTC in a calendar whose zone is {own.key}: repeated at {own.key} wall time, as"
                     " Google Calendar reads it, from its first session on" if recurring else
                     f"time in UTC written in {own.key}, the calendar's zone (X-WR-TIMEZONE)")
        return own
    if recurring and is_utc(zone) and chosen is None:
        raise ZoneUnknown(
            "it repeats in UTC and the calendar names no zone of its own (X-WR-TIMEZONE), so apps "
            "disagree on whether its sessions follow a change of clocks; " + REMEDY)
    if recurring and is_utc(zone) and chosen is not None and not is_utc(chosen):
        notes.append(f"a series in UTC: repeated at {chosen.key} wall time (--zone), from its first session on")
        return chosen
    return zone


def is_utc(zone: ZoneInfo) -> bool:
    """Whether `zone` is UTC under one of its names (`UTC`, `Etc/UTC`, `GMT`, `Zulu`, ...)."""
    return zone.key.removeprefix("Etc/").casefold() in _UTC_NAMES


def floating_zone(given: str | None, calendar_zone: str | None) -> ZoneInfo | None:
    """The zone the import reads floating times in, when it names one: `--zone`, else the calendar's
    X-WR-TIMEZONE (as Google Calendar reads them)."""
    return (zone_named(given) if given else None) or _calendar_zone(calendar_zone)


def named_zone(name: str, when: datetime, notes: list[str], *, given: str | None = None) -> ZoneInfo:
    """The zone of a TZID the calendar does not define (no VTIMEZONE), a time `when` being given in it:
    the zone its name stands for, else `given` (`--zone`, with a note); else `ZoneUnknown`."""
    chosen = zone_named(given) if given else None
    return _named_zone(name, when) or _fallback(chosen, name, notes, (
        f"its time zone {name!r} is not one this calendar knows, and the calendar does not define it"
        f" (no VTIMEZONE); {REMEDY}"))


def _fallback(chosen: ZoneInfo | None, named: str, notes: list[str], refusal: str) -> ZoneInfo:
    if chosen is None:
        raise ZoneUnknown(refusal)
    notes.append(f"time zone {named!r} not recognised; read as {chosen.key} (--zone)")
    return chosen


def _calendar_zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    return zone_named(name) or (zone_named(_WINDOWS[name.casefold()]) if name.casefold() in _WINDOWS else None)


def _is_utc_tzinfo(tz: tzinfo, start: datetime) -> bool:
    """A tzinfo that is not a ZoneInfo but is UTC (`datetime.UTC`, dateutil's `tzutc`)."""
    return start.utcoffset() == timedelta(0) and (tz is UTC or type(tz).__name__ == "tzutc")


# --- by name --------------------------------------------------------------------------------------


def name_candidates(name: str) -> Iterator[ZoneInfo]:
    """The IANA zones `name` may stand for, the likeliest first (the offset it states is not checked)."""
    text = " ".join(name.split()).strip('"')
    tails = [text] + [text[m.end():] for m in re.finditer(r"[/_\- ]", text)]
    for tail in tails:
        if tail and "/" in tail or tail == text:
            if zone := zone_named(tail):
                yield zone
    if (windows := _WINDOWS.get(text.casefold())) and (zone := zone_named(windows)):
        yield zone
    if text.casefold() in _UTC_NAMES:
        yield ZoneInfo("UTC")
    match = _OFFSET_NAME.match(text)
    places = match.group(4) if match else text
    found = [zone for place in re.split(r"\s*(?:,|/|;|\band\b)\s*", places) for zone in _place_zones(place)]
    representatives = set(WINDOWS_TO_OLSON.values())
    yield from sorted(found, key=lambda zone: zone.key not in representatives)  # Sydney before Canberra


def _named_zone(name: str, start: datetime) -> ZoneInfo | None:
    """The zone a name (without a VTIMEZONE) stands for, where it states an offset that fits."""
    offset = stated_offset(name)
    match = _OFFSET_NAME.match(" ".join(name.split()).strip('"'))
    if match and offset is not None and not match.group(4).strip():  # only an offset: that offset all year
        return _fixed_zone(offset)
    for zone in name_candidates(name):
        if offset is None or offset in _standard_offsets(zone, start):
            return zone
    return None


def stated_offset(name: str) -> timedelta | None:
    """The offset a name such as '(GMT+10:00) Canberra' or 'UTC-5' states, or None."""
    match = _OFFSET_NAME.match(" ".join(name.split()).strip('"'))
    if not match:
        return None
    sign, hours, minutes = match.group(1), match.group(2), match.group(3)
    if hours is None:
        return timedelta(0)
    offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
    return -offset if sign in "-\u2212" else offset


def _fixed_zone(offset: timedelta) -> ZoneInfo | None:
    """The IANA zone of a whole-hour offset all year (`Etc/GMT-10` is UTC+10, POSIX's sign)."""
    hours, rest = divmod(int(offset.total_seconds()), 3600)
    if rest:
        return None
    return ZoneInfo("UTC") if hours == 0 else zone_named(f"Etc/GMT{-hours:+d}")


def _standard_offsets(zone: ZoneInfo, start: datetime) -> set[timedelta]:
    """A zone's standard offset around `start` (its offset less daylight time, or its lowest that year)."""
    local = start.replace(tzinfo=None)
    offsets = {zone.utcoffset(local.replace(month=m, day=1)) for m in range(1, 13)}
    standard = (zone.utcoffset(local) or timedelta(0)) - (zone.dst(local) or timedelta(0))
    return {standard, min(o for o in offsets if o is not None)}


def _place_zones(place: str) -> Iterator[ZoneInfo]:
    """Zones a piece of a display name names: a city ('Sydney') or a Windows zone ('Eastern Time')."""
    words = " ".join(re.sub(r"\([^()]*\)", " ", place).split())
    if not words:
        return
    for name in _cities().get(words.casefold(), []):
        yield ZoneInfo(name)
    base = words.removesuffix(" Time").removesuffix(" Standard")
    for windows in (words, f"{base} Standard Time", f"{words} Standard Time"):
        if (found := _WINDOWS.get(windows.casefold())) and (zone := zone_named(found)):
            yield zone


@lru_cache(maxsize=1)
def _cities() -> dict[str, list[str]]:
    """IANA zones by their city ('new york': America/New_York), the ones Windows maps to first."""
    preferred = set(WINDOWS_TO_OLSON.values())
    cities: dict[str, list[str]] = {}
    for name in sorted(available_timezones(), key=lambda n: (n not in preferred, n)):
        if "/" in name and not name.startswith(("Etc/", "SystemV/")):
            cities.setdefault(name.rpartition("/")[2].replace("_", " ").casefold(), []).append(name)
    return cities


# --- by rules -------------------------------------------------------------------------------------


def _defined_zone(
    component: VEvent, start: datetime, tz: tzinfo, named: str,
    chosen: ZoneInfo | None, own: ZoneInfo | None, site_zone: ZoneInfo, notes: list[str],
) -> ZoneInfo:
    """The IANA zone whose clock changes are a VTIMEZONE's over the event's years."""
    first, last = event_years(component, start, Clock.from_env(site_zone).today())
    years = f"{first}" if first == last else f"{first}-{last}"
    by_name = list(dict.fromkeys(name_candidates(named)))
    wanted = _steps(tz, first, last)
    for zone in _rule_candidates(by_name, [chosen, own, site_zone], start):
        if _zone_steps(zone.key, first, last) == wanted:
            if by_name and zone is not by_name[0] and zone.key != by_name[0].key:
                notes.append(f"time zone {named!r} is defined with other clock changes than {by_name[0].key}; "
                             f"read as {zone.key}, whose clock changes match over {years}")
            elif zone not in by_name:
                notes.append(f"time zone {named!r} read as {zone.key}, whose clock changes match over {years}")
            elif zone.key != named:
                notes.append(f"time zone {named!r} read as {zone.key}")
            return zone
    return _fallback(chosen, named, notes, (
        f"its time zone {named!r} is not one this calendar knows, and its definition matches no IANA zone over "
        f"{years}; {REMEDY}"))


def _rule_candidates(by_name: list[ZoneInfo], preferred: list[ZoneInfo | None], start: datetime) -> Iterator[ZoneInfo]:
    """Zones to try: the name's, then `--zone`, the calendar's and the site's, then Windows' and the rest."""
    offset = start.utcoffset()
    yield from by_name
    yield from (z for z in preferred if z is not None)
    representatives = set(WINDOWS_TO_OLSON.values())
    others = sorted(available_timezones() - {"localtime", "Factory"}, key=lambda n: (n not in representatives, n))
    for name in others:
        zone = zone_named(name)
        if zone is not None and start.astimezone(zone).utcoffset() == offset:
            yield zone


def event_years(component: VEvent, start: datetime, today: date) -> tuple[int, int]:
    """The first and last years the event has sessions in (an endless series: until next year)."""
    rules = component.get("RRULE")
    rule = rules[0] if isinstance(rules, list) else rules
    last = start.year
    if rule is not None:
        until, count = rule.get("UNTIL"), rule.get("COUNT")
        if until:
            last = until[0].year
        elif count:
            walked = rrulestr(rule.to_ical().decode(), dtstart=start.replace(tzinfo=None))
            occurrences = list(islice(iter(walked), 5000))
            last = occurrences[-1].year if occurrences else start.year
        else:
            last = max(start.year, today.year) + 1
    return max(start.year, last - MAX_YEARS + 1), max(last, start.year)


def _offset_at(tz: tzinfo, instant: datetime) -> timedelta | None:
    return instant.astimezone(tz).utcoffset()


def _steps(tz: tzinfo, first: int, last: int) -> tuple[tuple[datetime, timedelta | None], ...]:
    """A zone's UTC offset from the start of `first` to the end of `last`: the first, then each change."""
    moment = datetime(first, 1, 1, tzinfo=UTC)
    end = datetime(last + 1, 1, 1, tzinfo=UTC)
    current = _offset_at(tz, moment)
    steps = [(moment, current)]
    while moment < end:
        after = moment + _HALF_DAY
        offset = _offset_at(tz, after)
        if offset != current:
            low, high = moment, after  # the change is at `high`, to the minute
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if _offset_at(tz, middle) == current else (low, middle)
            steps.append((high, offset))
            current = offset
        moment = after
    return tuple(steps)


@lru_cache(maxsize=2048)
def _zone_steps(key: str, first: int, last: int) -> tuple[tuple[datetime, timedelta | None], ...]:
    return _steps(ZoneInfo(key), first, last)
