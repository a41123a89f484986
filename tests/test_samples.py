"""The shipped sample events validate clean, as the README promises, and look like the issue asks:
the four NCJRS events, a January series, a cancelled and a hybrid event, several time zones."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from calendar_app.cli.main import main
from calendar_app.core.catalog import Catalog
from calendar_app.core.config import SiteConfig
from calendar_app.core.fields import Status
from calendar_app.core.loader import load_events
from calendar_app.core.model import Event

from .conftest import ROOT, SAMPLE_EVENTS


def test_sample_events_validate_clean(sample_config: SiteConfig) -> None:
    result = load_events(SAMPLE_EVENTS, sample_config)
    assert [str(p) for p in result.problems] == []
    assert len(result.events) >= 25


TODAY = date(2026, 11, 23)  # the season the samples were written for
EASTERN = ZoneInfo("America/New_York")


@pytest.fixture(scope="module")
def samples(sample_catalog: Catalog) -> dict[str, Event]:
    return {e.title: e for e in sample_catalog.events}


def _one(samples: dict[str, Event], words: str) -> Event:
    found = [e for title, e in samples.items() if words.casefold() in title.casefold()]
    assert len(found) == 1, f"expected one sample event titled like {words!r}, found {len(found)}"
    return found[0]


def test_the_four_ncjrs_events(samples: dict[str, Event]) -> None:
    ecm = _one(samples, "Enhanced Collaborative Model")
    assert "Pre-Application Webinar" in ecm.title and ecm.type == "webinar"
    start = ecm.start
    assert isinstance(start, datetime) and start.tzinfo == EASTERN
    assert (start.month, start.strftime("%A"), start.time()) == (1, "Tuesday", time(14, 0))
    for title, place in [
        ("Child Sex Trafficking: Law Enforcement Response", "Columbia, SC"),
        ("Human Trafficking in Indian Country Seminar", "Columbia, SC"),
        ("Multi-Disciplinary Team Response to Child Sex Trafficking", "Chicago, IL"),
    ]:
        event = samples[title]
        assert event.location is not None and event.location.place() == place


def test_the_january_prevention_month_series(samples: dict[str, Event]) -> None:
    day = _one(samples, "National Human Trafficking Awareness Day")
    assert day.all_day and (day.start.month, day.start.day) == (1, 11)  # type: ignore[union-attr]
    weekly = [e for e in samples.values() if e.rule is not None and e.start_date.month == 1 and e.type == "webinar"]
    assert weekly, "a weekly webinar series through January"
    series = weekly[0]
    first, last = series.start_date, series.last_date
    assert (first.month, last.month, first.year) == (1, 1, last.year) and (last - first).days >= 21
    assert len(series.exdates) == 1, "one skipped week"
    january = list(series.starts())
    assert series.exdates[0] not in january and len(january) >= 3


def test_cancelled_hybrid_and_three_us_time_zones(samples: dict[str, Event]) -> None:
    events = list(samples.values())
    assert any(e.status is Status.CANCELLED for e in events)
    assert any(e.location is not None and e.online is not None for e in events)
    us_zones = {e.zone.key for e in events if e.zone.key.startswith("America/")}
    assert len(us_zones) >= 3


def test_spread_over_the_next_twelve_months(samples: dict[str, Event]) -> None:
    months = {(e.start_date.year, e.start_date.month) for e in samples.values()
              if TODAY <= e.start_date <= TODAY + timedelta(days=366)}
    assert len(months) >= 10
    assert len(samples) >= 25


def test_the_readme_command_passes_on_the_samples(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["validate", "events/"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and ", 0 error(s), 0 warning(s)" in err
