"""A series' own dates: `except`, `extra` and `changes` checked against its repeat rule.

`check_series` reads each date as a start of the series (the same kind as the event's start, in
its zone), and reports what a calendar could not publish: a skipped date the rule never gives,
an extra one it does, a change to an occurrence there is not, two occurrences at one start. Each
entry of `changes` that passes becomes an `OccurrenceChange`, which the event keeps.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule

from .config import SiteConfig
from .fields import EventFields, OccurrenceChangeFields, Status
from .recurrence import skips_every_occurrence, tail_from
from .slots import quick_pickle
from .when import When, as_instant, order_key, parse_end, parse_when, shown, wall_time

# Reports one problem: the field's path, the message, and a hint.
Fail = Callable[..., None]

_SAME_KIND = "must be the same kind as start (a date, or a date and time)"


@quick_pickle
@dataclass(frozen=True, slots=True)
class OccurrenceChange:
    """One entry of `changes`, checked: the occurrence it changes and what that occurrence becomes."""

    occurrence: When  # its start as the rule (or `extra`) gives it: the feed's RECURRENCE-ID
    start: When
    end: When  # for all-day events the last day, inclusive, as the event's own `end`
    title: str | None = None  # None: the event's
    status: Status | None = None  # None: the event's
    status_note: str | None = None

    @property
    def moved(self) -> bool:
        return order_key(self.start) != order_key(self.occurrence)


@quick_pickle
@dataclass(frozen=True, slots=True)
class SeriesDates:
    """What `check_series` found: the skipped and extra dates, and the changed occurrences."""

    exdates: list[When]
    extra: list[When]
    changes: list[OccurrenceChange]


def check_series(
    fields: EventFields, start: When, end: When, rule: rrule, zone: ZoneInfo, config: SiteConfig, fail: Fail
) -> SeriesDates:
    """The series' `except`, `extra` and `changes`, each problem reported through `fail`."""
    series = _Series(fields, start, end, rule, zone, config, fail)
    exdates = series.dates("except")
    extra = series.dates("extra", skipped={order_key(d) for d in exdates})
    if exdates and not extra and skips_every_occurrence(rule, exdates, zone):
        fail(("except",), "skips every occurrence of the repeat rule",
             "remove a date from `except`, or cancel the event with `status: cancelled`")
    return SeriesDates(exdates, extra, series.changes(exdates, extra))


@dataclass
class _Series:
    """The checks of a series' `except`, `extra` and `changes`, against its rule."""

    fields: EventFields
    start: When
    end: When
    rule: rrule
    zone: ZoneInfo
    config: SiteConfig
    fail: Fail

    def when(self, path: tuple[str | int, ...], text: str) -> When | None:
        """`text` read as a start of this series, or None once its problem is reported."""
        try:
            value = parse_when(text, self.zone, explicit_zone=True, site_zone=self.config.zone)
        except ValueError as exc:
            self.fail(path, str(exc))
            return None
        if isinstance(value, datetime) != isinstance(self.start, datetime):
            self.fail(path, _SAME_KIND.replace("start", "the event's start") if path[-1] == "start" else _SAME_KIND)
            return None
        return value

    def of_rule(self, value: When) -> bool:
        """Whether `value` is an occurrence of the rule; looked for near it, not walked to."""
        probe = wall_time(value.astimezone(self.zone) if isinstance(value, datetime) else value)
        near = tail_from(self.rule, probe)
        return probe in near.between(probe - timedelta(seconds=1), probe + timedelta(seconds=1), inc=True)

    def dates(self, name: Literal["except", "extra"], skipped: AbstractSet[float] = frozenset()) -> list[When]:
        """The dates of `except` (occurrences of the rule) or of `extra` (dates the rule does not
        give, none of them `skipped`)."""
        found: dict[float, tuple[int, When]] = {}
        texts = self.fields.except_ if name == "except" else self.fields.extra
        for i, text in enumerate(texts):
            value = self.when((name, i), text)
            if value is None:
                continue
            if name == "except" and not self.of_rule(value):
                self.fail((name, i), f"{text} is not an occurrence of the repeat rule")
            elif name == "extra" and order_key(value) in skipped:
                self.fail((name, i), f"{text} is skipped in `except`", "remove it from `except` instead")
            elif name == "extra" and self.of_rule(value):
                self.fail((name, i), f"{text} is already an occurrence of the repeat rule")
            elif name == "extra" and order_key(value) < order_key(self.start):
                self.fail(
                    (name, i), f"{text} is before the series' first occurrence ({self.fields.start.strip()})",
                    "publish it as an event of its own, or move the first occurrence there with `changes`",
                )
            elif order_key(value) in found:
                self.fail((name, i), f"{text} is given twice (first as {name}[{found[order_key(value)][0]}])")
            else:
                found[order_key(value)] = (i, value)
        return [value for _, value in found.values()]

    def changes(self, exdates: list[When], extra: list[When]) -> list[OccurrenceChange]:
        """Each entry of `changes` checked alone, then their new starts against the other occurrences."""
        skipped, extras = {order_key(d) for d in exdates}, {order_key(d) for d in extra}
        changed: dict[float, int] = {}
        checked: dict[int, OccurrenceChange] = {}
        for i, item in enumerate(self.fields.changes):
            original = self.when(("changes", i, "occurrence"), item.occurrence)
            if original is None:
                continue
            key, typed = order_key(original), item.occurrence.strip()
            if key in skipped:
                self.fail(("changes", i, "occurrence"), f"{typed} is skipped in `except`",
                          "remove it from `except` to change it instead")
            elif key not in extras and not self.of_rule(original):
                self.fail(("changes", i, "occurrence"), f"{typed} is not an occurrence of the repeat rule or `extra`")
            elif key in changed:
                self.fail(("changes", i, "occurrence"), f"{typed} is changed already in changes[{changed[key]}]",
                          "give one entry per occurrence, with all of its changes")
            else:
                changed[key] = i
                change = self.change(i, item, original)
                if change is not None:
                    checked[i] = change
        self.check_moves(checked, set(changed), skipped, extras)
        return list(checked.values())

    def change(self, i: int, item: OccurrenceChangeFields, original: When) -> OccurrenceChange | None:
        """One entry of `changes` for the occurrence at `original`, or None once its problems are reported."""
        problems = 0

        def fail(path: tuple[str | int, ...], message: str, hint: str | None = None) -> None:
            nonlocal problems
            problems += 1
            self.fail(("changes", i, *path), message, hint)

        start = original if item.start is None else self.when(("changes", i, "start"), item.start)
        if item.start is not None and start is None:
            problems += 1
        if item.status is Status.POSTPONED:
            fail(("status",), "an occurrence may be scheduled, tentative or cancelled, not postponed",
                 "give its new `start` to move it, or `status: cancelled`")
        if item.status_note and item.status not in (Status.CANCELLED, Status.TENTATIVE):
            fail(("status_note",), "a status note needs `status: cancelled` or `tentative` in the same change")
        if start is None:
            return None
        duration = (
            self.end - self.start if not isinstance(self.start, datetime)  # type: ignore[operator]
            else as_instant(self.end, self.zone).astimezone(UTC) - self.start.astimezone(UTC)
        )
        if item.end is None:
            end = start + duration
        else:
            try:
                end = parse_end(item.end, start, self.zone, timedelta(minutes=self.config.default_duration_minutes))
            except ValueError as exc:
                fail(("end",), str(exc))
                return None
            if order_key(end) < order_key(start):
                fail(("end",), f"ends before it starts ({shown(end)} < {shown(start)})")
        if problems:
            return None
        change = OccurrenceChange(original, start, end, item.title, item.status, item.status_note)
        same_end = order_key(end) == order_key(original + duration)
        # A cancelled or tentative session is its own even when the whole event is so: it stands
        # should the event's status change back (a partner's calendar cancels both, too).
        if (not change.moved and same_end and item.title in (None, self.fields.title)
                and (item.status is None or item.status == self.fields.status == Status.SCHEDULED)):
            self.fail(("changes", i), "changes nothing",
                      "give the occurrence's new `start`, `end`, `title` or `status`, or remove the entry")
            return None
        return change

    def check_moves(
        self, checked: dict[int, OccurrenceChange], changed: set[float], skipped: set[float], extras: set[float]
    ) -> None:
        """No occurrence moves onto another one's start: a calendar would show two sessions as one."""
        moved_from = {order_key(c.occurrence) for c in checked.values() if c.moved}
        new_starts: dict[float, int] = {}
        for i, change in checked.items():
            if not change.moved:
                new_starts[order_key(change.start)] = i
        for i, change in checked.items():
            if not change.moved:
                continue
            key = order_key(change.start)
            stays = key not in moved_from and key not in skipped
            if key in new_starts:
                other = f"changes[{new_starts[key]}]"
            elif stays and key in extras:
                other = "an `extra` date"
            elif stays and self.of_rule(change.start):
                other = "the repeat rule"
            else:
                new_starts[key] = i
                continue
            self.fail(("changes", i, "start"), f"another occurrence starts at {shown(change.start)} ({other})",
                      "move this one elsewhere, or cancel the other")
