"""Repeat rules: reading one safely, and finding the occurrences of an endless one near a far date.

`parse_rule` reads an event's `repeat` rule and refuses one that dateutil would take minutes
(or for ever) to walk: values no date has, an UNTIL too far away, too many occurrences, a start
that is not an occurrence. Each refusal is a ValueError whose text is the problem's message.

dateutil finds the occurrences of a rule by walking it from its start, period by period. For a
rule without an end that costs as many steps as there are days (weeks, months) between the
series' start and the date asked for: a reader asking for `?from=2199-01-01` would make a daily
series walk 63,000 days, once per series and per different date.

A rule without COUNT repeats the same pattern in every period of its frequency (a day, a week
starting on WKST, a month, a year), every INTERVAL periods. So the same rule started at the
first instant of a period it would reach anyway, with everything that dateutil otherwise takes
from the start written out (the weekday of a weekly rule, the day of a monthly one, the time of
day), gives exactly the original's occurrences from that instant on. `tail_from` builds that
rule; the tests compare it with the original rule, walked the long way, occurrence for
occurrence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr
from icalendar import vRecur


@dataclass(frozen=True)
class RuleParts:
    """The parts of a dateutil rule that it keeps private (and its type stubs do not list)."""

    freq: int  # dateutil numbers YEARLY=0 ... SECONDLY=6
    interval: int
    wkst: int
    count: int | None
    until: datetime | None
    dtstart: datetime
    by_time: dict[str, Any]  # byhour, byminute, bysecond: taken from the start unless written
    derived: dict[str, Any]  # what dateutil took from the start: a weekly rule's weekday...

    @property
    def endless(self) -> bool:
        return self.count is None and self.until is None


def parts_of(rule: rrule) -> RuleParts:
    """`rule`'s private parts, read in this one place."""
    private: dict[str, Any] = vars(rule)
    original: dict[str, Any] = private["_original_rule"]  # None for each part derived from the start
    return RuleParts(
        freq=private["_freq"],
        interval=private["_interval"],
        wkst=private["_wkst"],
        count=private["_count"],
        until=private["_until"],
        dtstart=private["_dtstart"],
        by_time={name: private["_" + name] for name in ("byhour", "byminute", "bysecond")},
        derived={name: private["_" + name] for name, value in original.items() if value is None},
    )


def tail_from(rule: rrule, moment: datetime) -> rrule:
    """`rule` restarted at the start of the last period of its own at or before `moment` (naive,
    in the rule's wall time): the same occurrences from there on, found without walking to it.

    A rule with COUNT counts from its first occurrence, so it is returned unchanged (it is short:
    `parse_rule` caps COUNT), and so is a rule whose start is not before that period.
    """
    parts = parts_of(rule)
    start = parts.dtstart
    if parts.count is not None or moment <= start:
        return rule
    period = _period_start(parts, start.date(), moment.date())
    if period <= start.date():
        return rule
    # What dateutil derives from the start when the rule does not say it is written out, so that
    # a new start does not change it.
    return rule.replace(dtstart=datetime.combine(period, time(0)), **parts.by_time, **parts.derived)


def _period_start(parts: RuleParts, first: date, target: date) -> date:
    """The first day of the period of the rule (started on `first`) that holds `target`, among the
    periods the rule visits (every INTERVAL-th from the first)."""
    interval, freq = parts.interval, parts.freq
    if freq == DAILY:
        return first + timedelta(days=(target - first).days // interval * interval)
    if freq == WEEKLY:
        week = first - timedelta(days=(first.weekday() - parts.wkst) % 7)
        return week + timedelta(weeks=(target - week).days // 7 // interval * interval)
    if freq == MONTHLY:
        months = (target.year - first.year) * 12 + target.month - first.month
        index = first.year * 12 + first.month - 1 + months // interval * interval
        return date(index // 12, index % 12 + 1, 1)
    if freq == YEARLY:
        return date(first.year + (target.year - first.year) // interval * interval, 1, 1)
    return first  # finer rules are refused by the model; walked from the start all the same


MAX_OCCURRENCES = 1000
_RULE_WORDS = re.compile(r"^[A-Z]+=[-+,A-Z0-9T:]+(;[A-Z]+=[-+,A-Z0-9T:]+)*$")


def parse_rule(text: str, start: date | datetime) -> rrule:
    """The `repeat` rule of an event starting at `start`, or ValueError saying what is wrong with it
    (its text becomes the message after "repeat: ")."""
    if isinstance(start, datetime) and start.fold and start.replace(fold=0).utcoffset() != start.utcoffset():
        # A rule repeats wall-clock times, and a wall-clock time in the repeated hour means its
        # first pass (RFC 5545 3.3.5): a series cannot start on the second.
        raise ValueError(
            f"start ({start:%Y-%m-%d %H:%M%z}) is the second time the clocks show {start:%H:%M} that day; "
            "a repeating event cannot start in the repeated hour"
        )
    text = text.strip().removeprefix("RRULE:")
    if not _RULE_WORDS.match(text):
        raise ValueError(f"{text!r} is not an RRULE (NAME=VALUE pairs separated by ';')")
    names = {part.split("=", 1)[0] for part in text.split(";")}
    _check_rule_values(dict(part.split("=", 1) for part in text.split(";")))
    if "FREQ" not in names:
        raise ValueError("the rule needs FREQ")
    if "COUNT" in names and "UNTIL" in names:
        raise ValueError("a rule may have COUNT or UNTIL, not both")
    naive_start = datetime.combine(start, time(0)) if not isinstance(start, datetime) else start.replace(tzinfo=None)
    try:
        rule = rrulestr(text, dtstart=naive_start, ignoretz=True)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"invalid rule {text!r}: {exc}") from None
    if not isinstance(rule, rrule):
        raise ValueError("give one rule")
    try:  # the feed writes the rule with icalendar, which reads some parts more strictly than dateutil
        vRecur.from_ical(text)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"invalid rule {text!r}: {exc}") from None
    parts = parts_of(rule)
    if parts.freq > DAILY:
        raise ValueError("an event may repeat at most daily (FREQ=DAILY, WEEKLY, MONTHLY or YEARLY)")
    # dateutil searches period by period for the next occurrence, up to the year 9999: a rule that
    # never matches (BYMONTHDAY=32, or February 30) would take minutes. So nothing here searches
    # far: a count is read, an UNTIL is checked for distance before the series is counted, and
    # whether start is an occurrence is asked of the rule cut off at start.
    count, until = parts.count, parts.until
    if count is not None and count > MAX_OCCURRENCES:
        raise ValueError(f"more than {MAX_OCCURRENCES} occurrences; split the series")
    if until is not None:
        if _periods(parts, naive_start, until) > MAX_PERIODS:
            raise ValueError(
                f"UNTIL ({until:%Y-%m-%d}) is too far from start for this rule; end the series sooner or give COUNT"
            )
        if len(list(islice(rule, MAX_OCCURRENCES + 1))) > MAX_OCCURRENCES:
            # Counted once here, so that nothing later walks an enormous series.
            raise ValueError(f"more than {MAX_OCCURRENCES} occurrences; split the series")
    if next(iter(rule.replace(count=None, until=naive_start)), None) != naive_start:
        first = next(iter(rule.replace(count=None, until=naive_start + timedelta(days=366))), None)
        found = f"the first is {first:%Y-%m-%d}" if first is not None else "it has none in the year after start"
        raise ValueError(f"start ({naive_start:%Y-%m-%d}) is not an occurrence of the rule ({found})")
    if count == 0 or (until is not None and until < naive_start):
        raise ValueError("the rule gives no occurrence")
    return rule


# RFC 5545 3.3.10: the values each BY part may take (0 never; negative counts from the end).
_BY_RANGES = {"BYMONTH": (1, 12, False), "BYMONTHDAY": (1, 31, True), "BYYEARDAY": (1, 366, True),
              "BYWEEKNO": (1, 53, True), "BYSETPOS": (1, 366, True)}
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _check_rule_values(parts: dict[str, str]) -> None:
    """Refuse values no date has (BYMONTHDAY=32, February 30, INTERVAL=0) before dateutil looks for
    one: it would search every day up to the year 9999, for minutes, or for ever."""
    if "INTERVAL" in parts and not (parts["INTERVAL"].isdigit() and int(parts["INTERVAL"]) >= 1):
        # INTERVAL=0 never moves on: dateutil would look for the next occurrence forever.
        raise ValueError(f"INTERVAL={parts['INTERVAL']} must be a whole number of at least 1")
    numbers: dict[str, list[int]] = {}
    for name, (low, high, signed) in _BY_RANGES.items():
        if name not in parts:
            continue
        try:
            values = [int(v) for v in parts[name].split(",")]
        except ValueError:
            raise ValueError(f"{name}={parts[name]} is not a list of whole numbers") from None
        for v in values:
            if not (low <= abs(v) <= high) or (v < 0 and not signed):
                raise ValueError(f"{name}={v} is outside {'±' if signed else ''}{low}..{high}")
        numbers[name] = values
    days, months = numbers.get("BYMONTHDAY"), numbers.get("BYMONTH")
    if days and months and all(d > _MONTH_DAYS[m - 1] for d in days if d > 0 for m in months) and min(days) > 0:
        raise ValueError(f"no month of BYMONTH={parts['BYMONTH']} has a day {parts['BYMONTHDAY']}")


MAX_PERIODS = 5_000  # days of a daily rule, weeks of a weekly one...: about 14 years of days


def _periods(parts: RuleParts, start: datetime, until: datetime) -> int:
    """How many of the rule's periods (days, weeks, months, years) lie between start and until."""
    days = (until - start).days
    spans = {DAILY: days, WEEKLY: days // 7, MONTHLY: days // 30, YEARLY: days // 365}
    return spans.get(parts.freq, days) // max(parts.interval, 1)


def skips_every_occurrence(rule: rrule, exdates: list[date | datetime], zone: ZoneInfo) -> bool:
    """Whether a bounded rule has no occurrence left: an event with no date at all."""
    if parts_of(rule).endless:  # an endless rule always has more
        return False
    skipped = {
        d.astimezone(zone).replace(tzinfo=None) if isinstance(d, datetime) else datetime.combine(d, time(0))
        for d in exdates
    }
    return all(occurrence in skipped for occurrence in rule)  # at most MAX_OCCURRENCES, counted already


def last_occurrence(rule: rrule) -> datetime | None:
    """The last occurrence of a bounded rule (counted already: at most MAX_OCCURRENCES); None for an endless one."""
    if parts_of(rule).endless:
        return None
    return rule[-1] if rule.count() else None
