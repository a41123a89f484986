"""Dates, times and places read as a person writes them."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from calendar_app.core.config import SiteConfig
from calendar_app.core.filters import Filters
from calendar_app.core.loader import load_event_file
from calendar_app.core.model import Event
from calendar_app.render.phrasing import (
    clock_range_text,
    clock_text,
    date_range_parts,
    filters_text,
    full_when,
    listing_line,
    place_text,
    text_of,
    zone_abbreviation,
    zone_name,
)

NEW_YORK = ZoneInfo("America/New_York")


def make_event(tmp_path: Path, front: str, slug: str = "sample-event") -> Event:
    path = tmp_path / f"{slug}.md"
    path.write_text(f"---\n{front.strip()}\n---\nAbout it.\n", encoding="utf-8")
    return load_event_file(path, tmp_path, SiteConfig())


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [(14, 0, "2 p.m."), (14, 30, "2:30 p.m."), (9, 5, "9:05 a.m."), (12, 0, "noon"), (0, 0, "midnight"), (0, 30, "12:30 a.m.")],
)
def test_clock_reads_like_ap_style(hour: int, minute: int, expected: str) -> None:
    assert clock_text(datetime(2027, 1, 19, hour, minute)) == expected


def test_clock_ranges_share_the_half_of_day_when_they_can() -> None:
    assert clock_range_text(datetime(2027, 1, 1, 13), datetime(2027, 1, 1, 14)) == "1 - 2 p.m."
    assert clock_range_text(datetime(2027, 1, 1, 11), datetime(2027, 1, 1, 12, 30)) == "11 a.m. - 12:30 p.m."
    assert clock_range_text(datetime(2027, 1, 1, 11), datetime(2027, 1, 1, 12)) == "11 a.m. - noon"


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (date(2027, 1, 19), date(2027, 1, 19), "January 19, 2027"),
        (date(2027, 2, 22), date(2027, 2, 24), "February 22 - 24, 2027"),
        (date(2027, 2, 27), date(2027, 3, 1), "February 27 - March 1, 2027"),
        (date(2026, 12, 30), date(2027, 1, 2), "December 30, 2026 - January 2, 2027"),
    ],
)
def test_date_ranges(first: date, last: date, expected: str) -> None:
    assert text_of(date_range_parts(first, last)) == expected


def test_us_zones_use_their_generic_names_in_summer_and_winter() -> None:
    assert zone_abbreviation(datetime(2027, 1, 19, 14, tzinfo=NEW_YORK), NEW_YORK) == "ET"
    assert zone_abbreviation(datetime(2027, 7, 19, 14, tzinfo=NEW_YORK), NEW_YORK) == "ET"
    la = ZoneInfo("America/Los_Angeles")
    assert zone_abbreviation(datetime(2027, 7, 1, tzinfo=la), la) == "PT"
    assert zone_name(datetime(2027, 1, 1, tzinfo=NEW_YORK), NEW_YORK) == "Eastern Time (America/New_York)"


def test_other_zones_keep_their_own_abbreviation_or_offset() -> None:
    paris, dubai = ZoneInfo("Europe/Paris"), ZoneInfo("Asia/Dubai")
    assert zone_abbreviation(datetime(2027, 1, 1, tzinfo=paris), paris) == "CET"
    assert zone_abbreviation(datetime(2027, 1, 1, tzinfo=dubai), dubai) == "UTC+4"
    shanghai = ZoneInfo("Asia/Shanghai")  # CST here is China Standard Time, not US Central
    assert zone_abbreviation(datetime(2027, 1, 1, tzinfo=shanghai), shanghai) == "CST"
    assert zone_name(datetime(2027, 1, 1, tzinfo=paris), paris) == "Europe/Paris"


def test_timed_online_event_reads_like_the_ncjrs_listing(tmp_path: Path) -> None:
    event = make_event(tmp_path, 'title: Webinar\ntype: webinar\nstart: "2027-01-19 14:00"\nend: "15:30"\nonline: true')
    line = listing_line(event, event.start, event.end)
    assert text_of(line) == "January 19, 2027 | 2 p.m. ET | Online"
    times = [p.value for p in line if p.value]
    assert times == ["2027-01-19", "2027-01-19T14:00-05:00"]


def test_multi_day_event_shows_dates_and_place(tmp_path: Path) -> None:
    event = make_event(
        tmp_path,
        "title: Course\ntype: training\nstart: 2027-02-27\nend: 2027-03-01\nlocation:\n  city: Columbia\n  region: SC",
    )
    assert text_of(listing_line(event, event.start, event.end)) == "February 27 - March 1, 2027 | Columbia, SC"


def test_online_and_in_person(tmp_path: Path) -> None:
    event = make_event(
        tmp_path,
        'title: Hybrid\ntype: workshop\nstart: "2027-03-24 09:00"\nend: "16:00"\ntimezone: America/Chicago\n'
        "location:\n  city: Chicago\n  region: IL\nonline: true",
    )
    assert place_text(event) == "Online and Chicago, IL"
    assert text_of(listing_line(event, event.start, event.end)) == "March 24, 2027 | 9 a.m. CT | Online and Chicago, IL"


def test_event_page_when_names_the_range_and_zone(tmp_path: Path) -> None:
    event = make_event(
        tmp_path, 'title: Webinar\ntype: webinar\nstart: "2027-01-21 11:00"\nend: "12:30"\ntimezone: America/Los_Angeles\nonline: true'
    )
    assert text_of(full_when(event, event.start, event.end)) == "Thursday, January 21, 2027, 11 a.m. - 12:30 p.m. PT"


def test_multi_day_timed_event_page_when(tmp_path: Path) -> None:
    event = make_event(
        tmp_path,
        'title: Leadership\ntype: training\nstart: "2027-04-20 08:00"\nend: "2027-04-22 12:00"\n'
        "timezone: America/Denver\nlocation:\n  city: Albuquerque\n  region: NM",
    )
    assert text_of(listing_line(event, event.start, event.end)) == "April 20 - 22, 2027 | Albuquerque, NM"
    assert text_of(full_when(event, event.start, event.end)) == (
        "Tuesday, April 20, 2027, 8 a.m. - Thursday, April 22, 2027, noon MT"
    )


def test_event_past_midnight_is_one_day(tmp_path: Path) -> None:
    event = make_event(tmp_path, 'title: Late\ntype: meeting\nstart: "2027-05-01 22:00"\nend: "2027-05-02 01:00"\nonline: true')
    assert text_of(listing_line(event, event.start, event.end)) == "May 1, 2027 | 10 p.m. ET | Online"
    assert text_of(full_when(event, event.start, event.end)) == "Saturday, May 1, 2027, 10 p.m. - 1 a.m. ET"


def test_observance_without_a_place(tmp_path: Path) -> None:
    event = make_event(tmp_path, "title: Awareness Day\ntype: observance\nstart: 2027-01-11")
    assert text_of(listing_line(event, event.start, event.end)) == "January 11, 2027"


def filters_of(*items: tuple[str, str]) -> Filters:
    return Filters.from_query(list(items), SiteConfig())


def test_filters_in_words_name_a_filtered_feed() -> None:
    config = SiteConfig()
    f = filters_of(("type", "webinar"), ("online", "true"), ("audience", "law enforcement"), ("region", "SC"))
    assert filters_text(f, config) == "online webinars for law enforcement in SC"
    g = filters_of(("free", "true"), ("observance", "prevention-month"), ("q", "child"))
    assert filters_text(g, config) == (
        'free events for National Slavery and Human Trafficking Prevention Month matching "child"'
    )
    assert filters_text(Filters(), config) == "events"


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ((("accessibility", "asl"),), "events with ASL interpretation"),
        ((("accessibility", "asl"), ("accessibility", "captions")), "events with ASL interpretation and captions"),
        ((("language", "es"),), "events in Spanish (español)"),
        ((("online", "false"),), "events in person"),
        ((("type", "training"), ("online", "false")), "trainings in person"),
    ],
)
def test_filters_in_words_use_the_forms_labels(items: tuple[tuple[str, str], ...], expected: str) -> None:
    assert filters_text(filters_of(*items), SiteConfig()) == expected


# --- in Spanish ----------------------------------------------------------------------------------


def test_dates_in_spanish() -> None:
    from calendar_app.render.phrasing import day_text, month_text

    tuesday = date(2027, 1, 19)
    assert day_text(tuesday, lang="es") == "19 de enero de 2027"
    assert day_text(tuesday, weekday=True, lang="es") == "martes, 19 de enero de 2027"
    assert day_text(tuesday, year=False, lang="es") == "19 de enero"
    assert day_text(tuesday, weekday=True, year=False, lang="es") == "martes, 19 de enero"
    assert month_text(tuesday, lang="es") == "Enero de 2027"  # a heading


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [(14, 0, "2\u00a0p.\u202fm."), (14, 30, "2:30\u00a0p.\u202fm."), (9, 5, "9:05\u00a0a.\u202fm."), (12, 0, "12\u00a0del mediodía"),
     (0, 0, "medianoche"), (0, 30, "12:30\u00a0a.\u202fm.")],
)
def test_clock_times_in_spanish(hour: int, minute: int, expected: str) -> None:
    assert clock_text(datetime(2027, 1, 19, hour, minute), lang="es") == expected


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (date(2027, 2, 22), date(2027, 2, 24), "22 - 24 de febrero de 2027"),
        (date(2027, 2, 27), date(2027, 3, 1), "27 de febrero - 1 de marzo de 2027"),
        (date(2026, 12, 30), date(2027, 1, 2), "30 de diciembre de 2026 - 2 de enero de 2027"),
    ],
)
def test_date_ranges_in_spanish(first: date, last: date, expected: str) -> None:
    parts = date_range_parts(first, last, lang="es")
    assert text_of(parts) == expected
    assert [p.value for p in parts if p.value] == [first.isoformat(), last.isoformat()]


def test_an_event_line_in_spanish(tmp_path: Path) -> None:
    event = make_event(tmp_path, 'title: Webinar\ntype: webinar\nstart: "2027-01-19 14:00"\nend: "2027-01-19 15:30"\nonline: true')
    start, end = event.start, event.occurrence_at(event.start).end
    assert text_of(listing_line(event, start, end, "es")) == "19 de enero de 2027 | 2\u00a0p.\u202fm. ET | En línea"
    assert text_of(full_when(event, start, end, "es")) == "martes, 19 de enero de 2027, 2 - 3:30\u00a0p.\u202fm. ET"
    assert zone_name(start, NEW_YORK, "es") == "hora del Este (America/New_York)"
    assert clock_range_text(start.replace(hour=11), end, "es") == "11\u00a0a.\u202fm. - 3:30\u00a0p.\u202fm."
    # English as before.
    assert text_of(listing_line(event, start, end)) == "January 19, 2027 | 2 p.m. ET | Online"


def test_a_place_online_and_in_person_in_spanish(tmp_path: Path) -> None:
    event = make_event(
        tmp_path, 'title: Hybrid\ntype: training\nstart: 2027-03-02\nonline: true\nlocation:\n  city: Chicago\n  region: IL'
    )
    assert place_text(event, "es") == "En línea y en Chicago, IL"


def test_filters_in_spanish_words() -> None:
    config = SiteConfig()
    said = Filters(
        types=("webinar", "training"), online=True, free=True, audience=("prosecutors",), regions=("SC",),
        languages=("es", "en"), accessibility=("captions", "asl"), observance="prevention-month",
    )
    assert filters_text(said, config, "es") == (
        "seminarios web y capacitaciones en línea sin costo para prosecutors en SC en español o inglés "
        "con subtítulos y interpretación en lengua de señas americana (ASL) "
        "del Mes Nacional de Prevención de la Esclavitud y la Trata de Personas"
    )
    assert filters_text(Filters(online=False, q="labor"), config, "es") == 'eventos presenciales que coinciden con "labor"'
    # English exactly as before.
    assert filters_text(said, config) == (
        "free online webinars and trainings for prosecutors in SC in Spanish (español) or English "
        "with captions and ASL interpretation for National Slavery and Human Trafficking Prevention Month"
    )


def test_labels_in_spanish_and_as_written() -> None:
    from calendar_app.render.phrasing import accessibility_label, language_name, type_label, type_plural

    assert (type_label("webinar", "es"), type_plural("webinar", "es")) == ("Seminario web", "seminarios web")
    assert (type_label("roundtable", "es"), type_plural("roundtable", "es")) == ("Roundtable", "roundtables")
    assert language_name("es", "es") == "español" and language_name("en", "es") == "inglés"
    assert language_name("xx", "es") == "xx" and language_name("", "es") == ""
    assert accessibility_label("wheelchair", "es") == "Accesible en silla de ruedas"
    assert accessibility_label("quiet-room", "es") == "Quiet room"
