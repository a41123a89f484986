"""Which VEVENTs of an imported calendar are one series, and what becomes of the others.

Some exports give every talk of a conference one UID: each such event gets a UID of its own
(`own_uids`). A changed session (a VEVENT with a RECURRENCE-ID) belongs to the series with its
UID; among several that share it, to the one that started when the session did, else to the only
one that repeats (`assign`); when that cannot be told it is not imported, with the reason.

A changed session whose series the calendar does not hold (an invitation to one session of
someone else's series) is imported as what a coordinator sees in their own calendar: that
session, as an event of its own, under a UID of its own (`<uid>-<its RECURRENCE-ID>`), so that
apps holding the series do not take it for the whole series (`as_own_event`). A cancelled one is
nothing to import, and is reported so; of two versions of one, the later is imported.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from icalendar import Event as VEvent

from .icsread import as_written, unreadable_dates


class SeriesRefused(ValueError):
    """An event that cannot be written with every session at the source's times, or that is nothing
    to import; the text says why, for a person."""


def uid_stamp(value: object) -> str:
    """A start as a UID's suffix: `20270608T1030`, or `20270609` for a date; '' for anything else."""
    if isinstance(value, datetime):
        return value.strftime("%Y%m%dT%H%M")
    return value.strftime("%Y%m%d") if isinstance(value, date) else ""


def property_of(component: VEvent, name: str) -> Any:
    """One property of `component`, read by what it holds (a date property by its `dt` and `params`)."""
    return component[name]


def _uid(component: VEvent) -> str:
    return str(component.get("UID", "")).strip()


def sequence_of(component: VEvent) -> int:
    """SEQUENCE, and -1 without one (or one that cannot be read): a version that says it counts first."""
    try:
        return int(property_of(component, "SEQUENCE")) if "SEQUENCE" in component else -1
    except (TypeError, ValueError):
        return -1


def assign(vevents: list[VEvent]) -> tuple[dict[int, list[VEvent]], dict[int, str | None]]:
    """Each changed session (RECURRENCE-ID) with its series, by the `id` of the series' VEVENT; and,
    by their own `id`, those without one: None when no event of the calendar has their UID (see
    `as_own_event`), else why they are not imported.

    When several events share the UID (see `own_uids`), a changed session belongs to the
    one that starts when the session did, else to the only one that repeats."""
    masters: dict[str, list[VEvent]] = {}
    for component in vevents:
        if "RECURRENCE-ID" not in component:
            masters.setdefault(_uid(component), []).append(component)
    series: dict[int, list[VEvent]] = {}
    alone: dict[int, str | None] = {}
    for component in vevents:
        if "RECURRENCE-ID" not in component:
            continue
        uid = _uid(component)
        candidates = masters.get(uid, []) if uid else []
        if len(candidates) > 1:
            candidates = [m for m in candidates if _same_time(m.get("DTSTART"), component["RECURRENCE-ID"])] or [
                m for m in candidates if "RRULE" in m or "RDATE" in m]
        if len(candidates) == 1:
            series.setdefault(id(candidates[0]), []).append(component)
        elif not uid:
            alone[id(component)] = "it changes one session of a series (RECURRENCE-ID) but has no UID to say which"
        elif uid in masters:
            alone[id(component)] = (
                f"it changes one session (RECURRENCE-ID {as_written(component['RECURRENCE-ID'])!r}) of the events "
                f"with the UID {uid!r}, which {len(masters[uid])} events of this calendar share, and which one "
                "cannot be told; not imported")
        else:
            alone[id(component)] = None
    _latest_alone([c for c in vevents if alone.get(id(c), "") is None], alone)
    return series, alone


def _latest_alone(sessions: list[VEvent], alone: dict[int, str | None]) -> None:
    """Of two versions of one session without its series, the later (see `sequence_of`) is imported."""
    latest: dict[tuple[str, str], VEvent] = {}
    for component in sessions:
        key = (_uid(component), as_written(component["RECURRENCE-ID"]))
        earlier = latest.get(key)
        if earlier is None:
            latest[key] = component
            continue
        later, dropped = (component, earlier) if sequence_of(component) > sequence_of(earlier) else (earlier, component)
        latest[key] = later
        alone[id(dropped)] = (f"an earlier version of one session (RECURRENCE-ID {key[1]!r}) that this calendar gives "
                              "again; the later one is imported")


def own_uids(vevents: list[VEvent]) -> dict[int, str]:
    """A UID of its own for each event that shares its UID with another series in the file.

    Some exports give every talk of a conference one UID; RFC 5545 makes them one event, which
    would keep one talk of 88. Each becomes `<uid>-<its start>` (`-2`, `-3` when two start
    together), so importing the file again finds them. Changed occurrences (RECURRENCE-ID) are
    not counted: they belong to their series.
    """
    masters = [c for c in vevents if "RECURRENCE-ID" not in c]
    counts: dict[str, int] = {}
    for component in masters:
        uid = _uid(component)
        counts[uid] = counts.get(uid, 0) + 1
    given: dict[int, str] = {}
    used: set[str] = set()
    for component in masters:
        uid = _uid(component)
        if not uid or counts[uid] < 2:
            continue
        stamp = uid_stamp(getattr(component.get("DTSTART"), "dt", None))
        base = f"{uid}-{stamp}" if stamp else uid
        candidate = next(c for n in range(1, len(masters) + 2) if (c := base if n == 1 else f"{base}-{n}") not in used)
        used.add(candidate)
        given[id(component)] = candidate
    return given


def _same_time(one: Any, other: Any) -> bool:
    """Whether two date or date-time properties name the same start (an instant, or a wall time)."""
    first, second = getattr(one, "dt", None), getattr(other, "dt", None)
    if isinstance(first, datetime) and isinstance(second, datetime):
        if (first.tzinfo is None) != (second.tzinfo is None):
            return first.replace(tzinfo=None) == second.replace(tzinfo=None)
        return first == second
    return isinstance(first, date) and not isinstance(first, datetime) and first == second


def as_own_event(component: VEvent) -> tuple[str, str]:
    """A changed session whose series the calendar does not hold, made an event of its own (its
    RECURRENCE-ID taken off): the UID it is given and the note saying so. SeriesRefused, worded,
    when it is nothing to import or cannot be read."""
    if reason := unreadable_dates(component):
        raise SeriesRefused(reason)
    changed = property_of(component, "RECURRENCE-ID")
    shown = as_written(changed)
    if str(changed.params.get("RANGE", "")).upper() == "THISANDFUTURE":
        raise SeriesRefused(f"it changes one session (RECURRENCE-ID {shown!r}) and all later ones of a series "
                            "this calendar does not hold; not imported")
    if str(component.get("STATUS", "")).upper() == "CANCELLED":
        raise SeriesRefused(f"a cancelled session (RECURRENCE-ID {shown!r}) of a series this calendar does not "
                            "hold: nothing to import")
    own = f"{_uid(component)}-{uid_stamp(changed.dt)}"
    del component["RECURRENCE-ID"]
    return own, (f"one session (RECURRENCE-ID {shown!r}) of a series this calendar does not hold: imported as an "
                 f"event of its own, with the UID {own!r}")
