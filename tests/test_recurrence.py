"""An endless rule restarted near a far date gives exactly what dateutil gives walking the long way."""

from __future__ import annotations

from datetime import datetime, timedelta

from dateutil.rrule import rrulestr
from hypothesis import given
from hypothesis import strategies as st

from calendar_app.core.recurrence import tail_from

DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


@st.composite
def rules(draw: st.DrawFn) -> str:
    """Endless (or far-ending) rules of the kinds the model accepts: daily to yearly, with BY parts."""
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = [f"FREQ={freq}"]
    if draw(st.booleans()):
        parts.append(f"INTERVAL={draw(st.integers(1, 6))}")
    if draw(st.booleans()):
        parts.append(f"WKST={draw(st.sampled_from(DAYS))}")
    if freq in ("WEEKLY", "DAILY") and draw(st.booleans()):
        parts.append("BYDAY=" + ",".join(draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=3, unique=True))))
    if freq == "MONTHLY":
        kind = draw(st.sampled_from(["none", "monthday", "nth"]))
        if kind == "monthday":
            parts.append(f"BYMONTHDAY={draw(st.sampled_from([1, 15, 28, -1, -7]))}")
        elif kind == "nth":
            parts.append(f"BYDAY={draw(st.sampled_from(['1', '2', '-1']))}{draw(st.sampled_from(DAYS))}")
    if freq == "YEARLY":
        kind = draw(st.sampled_from(["none", "month", "weekno"]))
        if kind == "month":
            parts.append(f"BYMONTH={draw(st.integers(1, 12))}")
            parts.append(f"BYDAY={draw(st.sampled_from(DAYS))}")
            if draw(st.booleans()):
                parts.append(f"BYSETPOS={draw(st.sampled_from([1, -1, 2]))}")
        elif kind == "weekno":
            parts.append(f"BYWEEKNO={draw(st.sampled_from([1, 20, 52, -1]))};BYDAY={draw(st.sampled_from(DAYS))}")
    if draw(st.integers(0, 4)) == 0:
        parts.append("UNTIL=20400101T000000")
    return ";".join(parts)


@given(
    rule_text=rules(),
    start=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 12, 31)),
    ahead=st.integers(0, 20_000),
    hour=st.integers(0, 23),
)
def test_a_rule_restarted_near_a_date_gives_the_same_occurrences(rule_text: str, start: datetime, ahead: int, hour: int) -> None:
    rule = rrulestr(rule_text, dtstart=start.replace(microsecond=0))
    moment = start + timedelta(days=ahead, hours=hour)
    window = (moment, moment + timedelta(days=800))
    expected = rule.between(*window, inc=True)
    assert tail_from(rule, moment).between(*window, inc=True) == expected
    assert tail_from(rule, moment).after(moment, inc=True) == rule.after(moment, inc=True)


def test_a_counted_rule_is_left_as_it_is() -> None:
    rule = rrulestr("FREQ=DAILY;COUNT=5", dtstart=datetime(2027, 1, 4, 9))
    assert tail_from(rule, datetime(2027, 1, 7)) is rule


def test_a_far_date_is_reached_without_walking_to_it() -> None:
    rule = rrulestr("FREQ=WEEKLY;BYDAY=TU", dtstart=datetime(2027, 1, 5, 10, 30))
    restarted = tail_from(rule, datetime(2199, 3, 1, 12))
    assert restarted.after(datetime(2199, 3, 1, 12), inc=True) == datetime(2199, 3, 5, 10, 30)  # a Tuesday
    assert next(iter(restarted)) >= datetime(2199, 2, 23), "it starts in the week of the date, not in 2027"
