"""Occurrences of an endless rule near a far date, without walking every occurrence before it.

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

from datetime import date, datetime, time, timedelta

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule


def tail_from(rule: rrule, moment: datetime) -> rrule:
    """`rule` restarted at the start of the last period of its own at or before `moment` (naive,
    in the rule's wall time): the same occurrences from there on, found without walking to it.

    A rule with COUNT counts from its first occurrence, so it is returned unchanged (it is short:
    the model caps COUNT), and so is a rule whose start is not before that period.
    """
    start: datetime = rule._dtstart  # noqa: SLF001 - dateutil keeps the rule's parts private
    if rule._count is not None or moment <= start:  # noqa: SLF001
        return rule
    period = _period_start(rule, start.date(), moment.date())
    if period <= start.date():
        return rule
    # What dateutil derives from the start when the rule does not say it, written out so that
    # a new start does not change it. `_original_rule` holds None for each part it derived.
    derived = {name: getattr(rule, "_" + name) for name, value in rule._original_rule.items() if value is None}  # noqa: SLF001
    return rule.replace(
        dtstart=datetime.combine(period, time(0)),
        byhour=rule._byhour,  # noqa: SLF001
        byminute=rule._byminute,  # noqa: SLF001
        bysecond=rule._bysecond,  # noqa: SLF001
        **derived,
    )


def _period_start(rule: rrule, first: date, target: date) -> date:
    """The first day of the period of `rule` (started on `first`) that holds `target`, among the
    periods the rule visits (every INTERVAL-th from the first)."""
    interval: int = rule._interval  # noqa: SLF001
    freq: int = rule._freq  # noqa: SLF001
    if freq == DAILY:
        return first + timedelta(days=(target - first).days // interval * interval)
    if freq == WEEKLY:
        week = first - timedelta(days=(first.weekday() - rule._wkst) % 7)  # noqa: SLF001
        return week + timedelta(weeks=(target - week).days // 7 // interval * interval)
    if freq == MONTHLY:
        months = (target.year - first.year) * 12 + target.month - first.month
        index = first.year * 12 + first.month - 1 + months // interval * interval
        return date(index // 12, index % 12 + 1, 1)
    if freq == YEARLY:
        return date(first.year + (target.year - first.year) // interval * interval, 1, 1)
    return first  # finer rules are refused by the model; walked from the start all the same
