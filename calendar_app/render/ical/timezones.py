"""VTIMEZONE components that every calendar app reads the same way, Outlook included.

Outlook rebuilds a zone from TZOFFSETFROM, TZOFFSETTO and a yearly RRULE and ignores RDATE
lists, so a zone is written the way Outlook itself writes one: a STANDARD and a DAYLIGHT part,
each with a yearly rule such as ``FREQ=YEARLY;BYMONTH=3;BYDAY=2SU``. (The icalendar library's
``Timezone.from_tzinfo`` and ``add_missing_timezones`` list every change as an RDATE instead,
from 1970 to 2038 by default.)

The changes are read from the zone itself (``zoneinfo``), only for the years a feed's events
span. Each part starts at the first change it describes within those years (the change in
force when the first year begins is included, so its first days are covered too), and a rule
that still holds in the last year is left open, as Outlook expects. Rules that a yearly
RRULE cannot say (a change tied to a religious calendar, say) fall back to one part per
change, which stays correct for every client.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_STEP = timedelta(hours=12)  # zones change at most once in half a day in practice
_LOOK_BACK = timedelta(days=400)  # far enough to find the change in force on January 1
_YEAR = timedelta(days=366)


@dataclass(frozen=True)
class _State:
    offset: timedelta
    is_dst: bool
    name: str


@dataclass(frozen=True)
class Transition:
    """One change of a zone's clocks: when (UTC) and from which state to which."""

    at: datetime  # aware, UTC
    before: _State
    after: _State

    @property
    def onset(self) -> datetime:
        """The wall-clock time of the change as the old offset shows it (RFC 5545 3.6.5)."""
        return (self.at + self.before.offset).replace(tzinfo=None)

    @property
    def key(self) -> tuple[object, ...]:
        """What must stay equal for changes to share one yearly rule."""
        onset = self.onset
        return (self.before.offset, self.after, onset.month, onset.time())


def _state(zone: ZoneInfo, moment: datetime) -> _State:
    local = moment.astimezone(zone)
    return _State(local.utcoffset() or timedelta(0), bool(local.dst()), local.tzname() or "")


def transitions(zone: ZoneInfo, start: datetime, end: datetime) -> list[Transition]:
    """Every change of `zone` between the aware instants `start` and `end`, to the second."""
    found: list[Transition] = []
    moment, state = start, _state(zone, start)
    while moment < end:
        nxt = min(moment + _STEP, end)
        next_state = _state(zone, nxt)
        if next_state != state:
            low, high = moment, nxt  # state(low) == state, state(high) differs: bisect to the second
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if _state(zone, middle) == state:
                    low = middle
                else:
                    high = middle
            found.append(Transition(high, state, _state(zone, high)))
        moment, state = nxt, next_state
    return found


def _rule_parts(day: date) -> list[tuple[int, dict[str, object]]]:
    """Yearly rules that give `day`, each with a rank: lower is simpler for clients."""
    weekday = _WEEKDAYS[day.weekday()]
    last = calendar.monthrange(day.year, day.month)[1]
    parts: list[tuple[int, dict[str, object]]] = []
    if day.day + 7 > last:
        parts.append((0, {"BYDAY": f"-1{weekday}"}))
    if day.day <= 28:
        parts.append((1, {"BYDAY": f"{(day.day - 1) // 7 + 1}{weekday}"}))
    for first in range(max(1, day.day - 6), min(day.day, last - 6) + 1):  # "Sunday on or after the 8th"
        parts.append((2, {"BYDAY": weekday, "BYMONTHDAY": list(range(first, first + 7))}))
    parts.append((3, {"BYMONTHDAY": [day.day]}))
    return parts


def _signature(part: dict[str, object]) -> str:
    return ";".join(f"{k}={v}" for k, v in sorted(part.items()))


def _runs(changes: list[Transition]) -> list[tuple[list[Transition], dict[str, object] | None]]:
    """Group changes of one kind into runs of consecutive years that one yearly rule describes."""
    runs: list[tuple[list[Transition], dict[str, object] | None]] = []
    current: list[Transition] = []
    common: dict[str, tuple[int, dict[str, object]]] = {}
    for change in changes:
        options = {_signature(p): (rank, p) for rank, p in _rule_parts(change.onset.date())}
        shared = {k: v for k, v in common.items() if k in options}
        if current and change.onset.year == current[-1].onset.year + 1 and shared:
            current.append(change)
            common = shared
            continue
        if current:
            runs.append((current, _best(common) if len(current) > 1 else None))
        current, common = [change], options
    if current:
        runs.append((current, _best(common) if len(current) > 1 else None))
    return runs


def _best(options: dict[str, tuple[int, dict[str, object]]]) -> dict[str, object]:
    return min(options.values(), key=lambda item: (item[0], _signature(item[1])))[1]


def build_vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """The VTIMEZONE of `tzid` for events between January 1 of `first_year` and the end of `last_year`."""
    zone = ZoneInfo(tzid)
    span_start = datetime(first_year, 1, 1, tzinfo=UTC)
    span_end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    # Rules are read from a year more on each side, so that even a one-year span gets a rule
    # (and not a lone DTSTART) for each kind of change: Outlook needs the rule.
    changes = transitions(zone, span_start - _LOOK_BACK - _YEAR, span_end + _YEAR)
    in_force = [c for c in changes if c.at < span_start][-1:]
    needed_from = in_force[0].at if in_force else span_start

    vtimezone = Timezone()
    vtimezone.add("TZID", tzid)
    by_kind: dict[tuple[object, ...], list[Transition]] = {}
    for change in changes:
        by_kind.setdefault(change.key, []).append(change)
    parts: list[tuple[datetime, TimezoneStandard | TimezoneDaylight]] = []
    for kind in by_kind.values():
        for run, rule in _runs(kind):
            kept = [c for c in run if needed_from <= c.at < span_end]
            if not kept:
                continue
            first = kept[0]
            recur = None
            if rule is not None:
                recur = vRecur({"FREQ": "YEARLY", "BYMONTH": first.onset.month, **rule})
                if run[-1].at < span_end:  # the rule stops within the span: say when
                    recur["UNTIL"] = run[-1].at
            parts.append((first.onset, _part(first.after, first.before.offset, first.onset, recur)))
    if not parts:  # no change in force: a zone without daylight saving time
        state = _state(zone, span_start)
        parts.append((datetime(first_year, 1, 1), _part(state, state.offset, datetime(first_year, 1, 1), None)))
    for _onset, part in sorted(parts, key=lambda item: item[0]):
        vtimezone.add_component(part)
    return vtimezone


def _part(
    state: _State,
    offset_from: timedelta,
    onset: datetime,
    rule: vRecur | None,
) -> TimezoneStandard | TimezoneDaylight:
    part = TimezoneDaylight() if state.is_dst else TimezoneStandard()
    part.add("DTSTART", onset)
    part.add("TZOFFSETFROM", offset_from)
    part.add("TZOFFSETTO", state.offset)
    if rule is not None:
        part.add("RRULE", rule)
    if state.name:
        part.add("TZNAME", state.name)
    return part


@lru_cache(maxsize=512)
def vtimezone_bytes(tzid: str, first_year: int, last_year: int) -> bytes:
    """`build_vtimezone` serialised; zones are few and change only with the years, so cached."""
    return build_vtimezone(tzid, first_year, last_year).to_ical(sorted=False)  # type: ignore[no-any-return]
