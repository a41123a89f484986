"""Calendars as Outlook, Google Calendar, Apple Calendar and hand-edited exports write them import
session for session: RDATE as `extra`, changed sessions (RECURRENCE-ID) as `changes`.

Each calendar is imported into a folder in `tmp_path` as `calendar-app import` does, the files
written are published with the project's feed writer, and every session in 2026-2030 is compared
with what recurring-ical-events reads in the source: start and end instants, title, cancelled
(see `importcheck`). An event that cannot be written so is refused with a reason in words.
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
from dateutil.rrule import rrulestr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calendar_app.core.config import load_config
from calendar_app.core.loader import load_events
from calendar_app.desk.importer import ImportOptions, Outcome
from calendar_app.desk.importplace import location_fields
from calendar_app.render.ical.ics import render_feed

from .coordinator_site import ROOT
from .importcheck import check_import

CONFIG = load_config(ROOT / "calendar.toml")
OPTIONS = ImportOptions(type="meeting", assume_online=True)
DATA = Path(__file__).parent / "data" / "valid"


def ics(text: str) -> bytes:
    """A calendar written in a test, with the CRLF line ends RFC 5545 asks for."""
    return text.strip().replace("\n", "\r\n").encode() + b"\r\n"


def imported(tmp_path: Path, text: str, options: ImportOptions = OPTIONS) -> dict[str, Outcome]:
    """The outcomes of importing `text` faithfully (see `importcheck.check_import`), by title."""
    return {o.title: o for o in check_import(ics(text), tmp_path / "events", CONFIG, options)}


def front_matter(outcome: Outcome) -> str:
    assert outcome.path is not None, outcome.skipped
    return outcome.path.read_text(encoding="utf-8").split("\n---\n")[0]


# --- Outlook: Windows zone names, a customised zone --------------------------------------------

OUTLOOK = """
BEGIN:VCALENDAR
PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN
VERSION:2.0
METHOD:PUBLISH
BEGIN:VTIMEZONE
TZID:Eastern Standard Time
BEGIN:STANDARD
DTSTART:16011104T020000
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010311T020000
RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VTIMEZONE
TZID:Customized Time Zone
BEGIN:STANDARD
DTSTART:16011104T020000
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11
TZOFFSETFROM:-0700
TZOFFSETTO:-0800
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010311T020000
RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3
TZOFFSETFROM:-0800
TZOFFSETTO:-0700
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
CLASS:PUBLIC
DTSTART;TZID="Eastern Standard Time":20270223T130000
DTEND;TZID="Eastern Standard Time":20270223T140000
RRULE:FREQ=WEEKLY;UNTIL=20270427T170000Z;INTERVAL=1;BYDAY=TU;WKST=SU
EXDATE;TZID="Eastern Standard Time":20270316T130000
DTSTAMP:20261201T150000Z
LOCATION:Microsoft Teams Meeting
SEQUENCE:0
SUMMARY;LANGUAGE=en-us:Regional Task Force Check-In
UID:040000008200E00074C5B7101A82E00800000000A1B2C3D4E5F6DB010000000000000000100000001
X-MICROSOFT-CDO-BUSYSTATUS:BUSY
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID="Customized Time Zone":20270310T090000
DTEND;TZID="Customized Time Zone":20270310T100000
DTSTAMP:20261201T150000Z
LOCATION:Microsoft Teams Meeting
RECURRENCE-ID;TZID="Eastern Standard Time":20270309T130000
SEQUENCE:1
SUMMARY;LANGUAGE=en-us:Regional Task Force Check-In
UID:040000008200E00074C5B7101A82E00800000000A1B2C3D4E5F6DB010000000000000000100000001
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID="Eastern Standard Time":20270330T130000
DTEND;TZID="Eastern Standard Time":20270330T140000
DTSTAMP:20261201T150000Z
RECURRENCE-ID;TZID="Eastern Standard Time":20270330T130000
SEQUENCE:1
STATUS:CANCELLED
SUMMARY;LANGUAGE=en-us:Canceled: Regional Task Force Check-In
UID:040000008200E00074C5B7101A82E00800000000A1B2C3D4E5F6DB010000000000000000100000001
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID="Eastern Standard Time":20270406T130000
DTEND;TZID="Eastern Standard Time":20270406T150000
DTSTAMP:20261201T150000Z
RECURRENCE-ID;TZID="Eastern Standard Time":20270406T130000
SEQUENCE:1
SUMMARY;LANGUAGE=en-us:Regional Task Force Check-In: Quarterly Review
UID:040000008200E00074C5B7101A82E00800000000A1B2C3D4E5F6DB010000000000000000100000001
END:VEVENT
END:VCALENDAR
"""


def test_outlook_moved_cancelled_and_retitled_sessions_in_windows_zones(tmp_path: Path) -> None:
    outcome = imported(tmp_path, OUTLOOK)["Regional Task Force Check-In"]
    text = front_matter(outcome)
    assert "timezone: America/New_York\n" in text and "except: ['2027-03-16 13:00']\n" in text
    # 09:00 in the customised (Pacific) zone on 10 March is 12:00 in New York.
    assert ("changes:\n"
            "- occurrence: 2027-03-09 13:00\n  start: 2027-03-10 12:00\n"
            "- occurrence: 2027-03-30 13:00\n  status: cancelled\n"
            "- occurrence: 2027-04-06 13:00\n  end: '15:00'\n  title: 'Regional Task Force Check-In: Quarterly Review'\n"
            ) in text


# --- Google Calendar: a series in UTC, the calendar's zone in X-WR-TIMEZONE ---------------------

GOOGLE = """
BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:PUBLISH
X-WR-CALNAME:Anti-Trafficking Coalition
X-WR-TIMEZONE:America/Chicago
BEGIN:VEVENT
DTSTART:20270112T160000Z
DTEND:20270112T170000Z
RRULE:FREQ=WEEKLY;UNTIL=20270427T150000Z;BYDAY=TU
EXDATE:20270126T160000Z
RDATE:20270506T150000Z
DTSTAMP:20261201T120000Z
UID:7kq2m4n6p8r0t2v4x6z8b0d2f4@google.com
LOCATION:https://meet.google.com/abc-defg-hij
SEQUENCE:0
STATUS:CONFIRMED
SUMMARY:Coalition Weekly Call
TRANSP:OPAQUE
END:VEVENT
BEGIN:VEVENT
DTSTART:20270317T170000Z
DTEND:20270317T180000Z
DTSTAMP:20261201T120000Z
UID:7kq2m4n6p8r0t2v4x6z8b0d2f4@google.com
RECURRENCE-ID:20270316T150000Z
SEQUENCE:1
STATUS:CONFIRMED
SUMMARY:Coalition Weekly Call
END:VEVENT
BEGIN:VEVENT
DTSTART:20270209T160000Z
DTEND:20270209T170000Z
DTSTAMP:20261201T120000Z
UID:7kq2m4n6p8r0t2v4x6z8b0d2f4@google.com
RECURRENCE-ID:20270209T160000Z
SEQUENCE:1
STATUS:CANCELLED
SUMMARY:Coalition Weekly Call
END:VEVENT
BEGIN:VEVENT
DTSTART:20270420T150000Z
DTEND:20270420T160000Z
DTSTAMP:20261201T120000Z
UID:7kq2m4n6p8r0t2v4x6z8b0d2f4@google.com
RECURRENCE-ID:20270420T150000Z
SEQUENCE:1
STATUS:CONFIRMED
SUMMARY:Coalition Weekly Call: Guest Speaker
END:VEVENT
BEGIN:VEVENT
DTSTART;VALUE=DATE:20270111
DTEND;VALUE=DATE:20270112
DTSTAMP:20261201T120000Z
UID:0a1b2c3d4e5f6g7h8i9j0k1l2m@google.com
SUMMARY:National Human Trafficking Awareness Day
TRANSP:TRANSPARENT
END:VEVENT
END:VCALENDAR
"""


def test_google_changed_sessions_of_a_utc_series_at_the_calendars_wall_time(tmp_path: Path) -> None:
    outcomes = imported(tmp_path, GOOGLE)
    text = front_matter(outcomes["Coalition Weekly Call"])
    assert "start: 2027-01-12 10:00\nend: '11:00'\ntimezone: America/Chicago\n" in text
    assert "extra: ['2027-05-06 10:00']\n" in text  # 15:00 UTC is 10:00 in Chicago in May
    assert ("changes:\n"
            "- occurrence: 2027-02-09 10:00\n  status: cancelled\n"
            "- occurrence: 2027-03-16 10:00\n  start: 2027-03-17 12:00\n"
            "- occurrence: 2027-04-20 10:00\n  title: 'Coalition Weekly Call: Guest Speaker'\n") in text
    assert outcomes["National Human Trafficking Awareness Day"].path is not None


# --- Apple Calendar: all-day series, a timed one changed in another zone -----------------------

APPLE = """
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Apple Inc.//macOS 14.4//EN
CALSCALE:GREGORIAN
BEGIN:VTIMEZONE
TZID:America/Los_Angeles
BEGIN:DAYLIGHT
TZOFFSETFROM:-0800
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
DTSTART:20070311T020000
TZNAME:PDT
TZOFFSETTO:-0700
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0700
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
DTSTART:20071104T020000
TZNAME:PST
TZOFFSETTO:-0800
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:5E1F3A2B-7C4D-4E8F-9A0B-1C2D3E4F5A6B
DTSTART;VALUE=DATE:20270301
DTEND;VALUE=DATE:20270303
RRULE:FREQ=MONTHLY;COUNT=6
RDATE;VALUE=DATE:20270915,20271020
DTSTAMP:20261201T120000Z
SUMMARY:Two-Day Advocate Training
LOCATION:Columbia\\, SC
X-APPLE-TRAVEL-ADVISORY-BEHAVIOR:AUTOMATIC
SEQUENCE:0
END:VEVENT
BEGIN:VEVENT
UID:5E1F3A2B-7C4D-4E8F-9A0B-1C2D3E4F5A6B
RECURRENCE-ID;VALUE=DATE:20270401
DTSTART;VALUE=DATE:20270401
DTEND;VALUE=DATE:20270403
DTSTAMP:20261201T120000Z
STATUS:CANCELLED
SUMMARY:Two-Day Advocate Training
SEQUENCE:1
END:VEVENT
BEGIN:VEVENT
UID:5E1F3A2B-7C4D-4E8F-9A0B-1C2D3E4F5A6B
RECURRENCE-ID;VALUE=DATE:20270501
DTSTART;VALUE=DATE:20270504
DTEND;VALUE=DATE:20270506
DTSTAMP:20261201T120000Z
SUMMARY:Two-Day Advocate Training
SEQUENCE:1
END:VEVENT
BEGIN:VEVENT
UID:5E1F3A2B-7C4D-4E8F-9A0B-1C2D3E4F5A6B
RECURRENCE-ID;VALUE=DATE:20270601
DTSTART;VALUE=DATE:20270601
DTEND;VALUE=DATE:20270604
DTSTAMP:20261201T120000Z
SUMMARY:Two-Day Advocate Training
SEQUENCE:1
END:VEVENT
BEGIN:VEVENT
UID:5E1F3A2B-7C4D-4E8F-9A0B-1C2D3E4F5A6B
RECURRENCE-ID;VALUE=DATE:20271020
DTSTART;VALUE=DATE:20271020
DTEND;VALUE=DATE:20271022
DTSTAMP:20261201T120000Z
SUMMARY:Two-Day Advocate Training (Spanish)
SEQUENCE:1
END:VEVENT
BEGIN:VEVENT
UID:9F8E7D6C-5B4A-4392-8170-6F5E4D3C2B1A
DTSTART;VALUE=DATE:20270111
DTSTAMP:20261201T120000Z
SUMMARY:Human Trafficking Awareness Day
END:VEVENT
BEGIN:VEVENT
UID:1D2C3B4A-5F6E-4D7C-8B9A-0F1E2D3C4B5A
DTSTART;TZID=America/Los_Angeles:20270107T090000
DTEND;TZID=America/Los_Angeles:20270107T103000
RRULE:FREQ=WEEKLY;COUNT=4
DTSTAMP:20261201T120000Z
SUMMARY:West Coast Case Consultation
LOCATION:Online
END:VEVENT
BEGIN:VEVENT
UID:1D2C3B4A-5F6E-4D7C-8B9A-0F1E2D3C4B5A
RECURRENCE-ID;TZID=America/Los_Angeles:20270121T090000
DTSTART;TZID=America/New_York:20270121T150000
DTEND;TZID=America/New_York:20270121T163000
DTSTAMP:20261201T120000Z
SUMMARY:West Coast Case Consultation
LOCATION:Online
END:VEVENT
END:VCALENDAR
"""


def test_apple_all_day_sessions_moved_lengthened_cancelled_and_added(tmp_path: Path) -> None:
    outcomes = imported(tmp_path, APPLE)
    text = front_matter(outcomes["Two-Day Advocate Training"])
    assert "start: 2027-03-01\nend: 2027-03-02\n" in text and "extra: [2027-09-15, 2027-10-20]\n" in text
    assert ("changes:\n"
            "- occurrence: 2027-04-01\n  status: cancelled\n"
            "- occurrence: 2027-05-01\n  start: 2027-05-04\n"  # two days still: no end of its own
            "- occurrence: 2027-06-01\n  end: 2027-06-03\n"
            "- occurrence: 2027-10-20\n  title: Two-Day Advocate Training (Spanish)\n") in text
    assert "end:" not in front_matter(outcomes["Human Trafficking Awareness Day"])  # its one day
    consultation = front_matter(outcomes["West Coast Case Consultation"])
    assert "timezone: America/Los_Angeles\n" in consultation
    assert "- occurrence: 2027-01-21 09:00\n  start: 2027-01-21 12:00\n" in consultation  # 15:00 in New York


# --- RDATE in every form -------------------------------------------------------------------------

ADDED_DATES = """
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Nextcloud calendar v4.6.0
BEGIN:VEVENT
UID:office-hours@groupware.example.org
DTSTAMP:20261201T120000Z
DTSTART;TZID=America/New_York:20270105T100000
DTEND;TZID=America/New_York:20270105T110000
RRULE:FREQ=WEEKLY;COUNT=4
EXDATE;TZID=America/New_York:20270126T100000
EXDATE;TZID=America/New_York:20270202T100000
RDATE;TZID=Europe/Berlin:20270210T160000,20270211T160000
RDATE:20270301T150000Z
RDATE;VALUE=PERIOD:20270315T140000Z/20270315T170000Z
RDATE;VALUE=PERIOD:20270322T140000Z/PT1H
RDATE;TZID=America/New_York:20270112T100000,20270202T100000
SUMMARY:Survivor Advocacy Office Hours
LOCATION:Online
END:VEVENT
BEGIN:VEVENT
UID:intake@groupware.example.org
DTSTAMP:20261201T120000Z
DTSTART;TZID=America/Denver:20270510T130000
DTEND;TZID=America/Denver:20270510T150000
RDATE;TZID=America/Denver:20270517T130000,20270524T130000
SUMMARY:Intake Clinic
LOCATION:Denver\\, CO
END:VEVENT
BEGIN:VEVENT
UID:rehearsal@groupware.example.org
DTSTAMP:20261201T120000Z
DTSTART;TZID=America/New_York:20270802T140000
DTEND;TZID=America/New_York:20270802T150000
RDATE;VALUE=PERIOD:20270802T180000Z/PT2H
SUMMARY:Keynote Rehearsal
LOCATION:Online
END:VEVENT
BEGIN:VEVENT
UID:early@groupware.example.org
DTSTAMP:20261201T120000Z
DTSTART;TZID=America/New_York:20270610T090000
DTEND;TZID=America/New_York:20270610T100000
RRULE:FREQ=WEEKLY;COUNT=3
RDATE;TZID=America/New_York:20270603T090000
SUMMARY:Early Bird Webinar
LOCATION:Online
END:VEVENT
BEGIN:VEVENT
UID:mixed@groupware.example.org
DTSTAMP:20261201T120000Z
DTSTART;VALUE=DATE:20270705
RRULE:FREQ=WEEKLY;COUNT=2
RDATE:20270726T090000Z
SUMMARY:Field Days
LOCATION:Online
END:VEVENT
END:VCALENDAR
"""


def test_added_dates_in_any_zone_lists_and_periods(tmp_path: Path) -> None:
    outcomes = imported(tmp_path, ADDED_DATES)
    text = front_matter(outcomes["Survivor Advocacy Office Hours"])
    # The EXDATE of an added date leaves both out; an added date the rule gives adds nothing.
    assert "except: ['2027-01-26 10:00']\n" in text
    assert ("extra: ['2027-02-10 10:00', '2027-02-11 10:00', '2027-03-01 10:00', '2027-03-15 10:00', "
            "'2027-03-22 10:00']\n") in text
    assert "changes:\n- occurrence: 2027-03-15 10:00\n  end: '13:00'\n" in text  # a PERIOD three hours long
    intake = outcomes["Intake Clinic"]
    assert "repeat: FREQ=DAILY;COUNT=1\nextra: ['2027-05-17 13:00', '2027-05-24 13:00']\n" in front_matter(intake)
    assert any("rule of one session" in note for note in intake.notes)
    rehearsal = front_matter(outcomes["Keynote Rehearsal"])  # a PERIOD on its one session: two hours long
    assert "start: 2027-08-02 14:00\nend: '16:00'\n" in rehearsal and "repeat:" not in rehearsal
    assert outcomes["Early Bird Webinar"].skipped == (
        "an added session (RDATE 2027-06-03 09:00 America/New_York) is before its first session "
        "(2027-06-10 09:00), which an event file cannot hold")
    assert outcomes["Field Days"].skipped == (
        "an added session (RDATE 2027-07-26 09:00 UTC) is a date and time, but the series' sessions are whole "
        "days; an event file cannot mix the two")


# --- what cannot be said, sessions without their series, shared UIDs ---------------------------

EDGES = """
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Hand Edited//EN
BEGIN:VEVENT
UID:partners@example.org
DTSTAMP:20261201T120000Z
DTSTART;TZID=America/Chicago:20270104T140000
DTEND;TZID=America/Chicago:20270104T150000
RRULE:FREQ=MONTHLY;COUNT=6
SUMMARY:Monthly Partner Meeting
LOCATION:Online
END:VEVENT
BEGIN:VEVENT
UID:partners@example.org
DTSTAMP:20261201T120000Z
RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=America/Chicago:20270404T140000
DTSTART;TZID=America/Chicago:20270404T150000
DTEND;TZID=America/Chicago:20270404T160000
SUMMARY:Monthly Partner Meeting
END:VEVENT
BEGIN:VEVENT
UID:clinic@example.org
DTSTAMP:20261201T120000Z
DTSTART;TZID=America/Chicago:20270202T140000
DTEND;TZID=America/Chicago:20270202T160000
RRULE:FREQ=WEEKLY;COUNT=4
SUMMARY:Legal Clinic
LOCATION:Online
END:VEVENT
BEGIN:VEVENT
UID:clinic@example.org
DTSTAMP:20261201T120000Z
RECURRENCE-ID;TZID=America/Chicago:20270209T140000
DTSTART;VALUE=DATE:20270210
SUMMARY:Legal Clinic
END:VEVENT
BEGIN:VEVENT
UID:outreach@example.org
DTSTAMP:20261201T120000Z
DTSTART;TZID=America/Chicago:20270302T140000
DURATION:PT90M
RRULE:FREQ=WEEKLY;COUNT=5
EXDATE;TZID=America/Chicago:20270316T140000
SUMMARY:Youth Outreach
LOCATION:Online
END:VEVENT
BEGIN:VEVENT
UID:outreach@example.org
DTSTAMP:20261201T120000Z
RECURRENCE-ID;TZID=America/Chicago:20270324T140000
DTSTART;TZID=America/Chicago:20270324T140000
DURATION:PT90M
SUMMARY:Youth Outreach (extra session)
END:VEVENT
BEGIN:VEVENT
UID:outreach@example.org
DTSTAMP:20261201T120000Z
RECURRENCE-ID;TZID=America/Chicago:20270316T140000
DTSTART;TZID=America/Chicago:20270316T170000
SUMMARY:Youth Outreach
END:VEVENT
BEGIN:VEVENT
UID:outreach@example.org
DTSTAMP:20261201T120000Z
SEQUENCE:1
RECURRENCE-ID;TZID=America/Chicago:20270309T140000
DTSTART;TZID=America/Chicago:20270309T150000
SUMMARY:Youth Outreach
END:VEVENT
BEGIN:VEVENT
UID:outreach@example.org
DTSTAMP:20261201T120000Z
SEQUENCE:2
RECURRENCE-ID;TZID=America/Chicago:20270309T140000
DTSTART;TZID=America/Chicago:20270309T160000
SUMMARY:Youth Outreach
END:VEVENT
BEGIN:VEVENT
UID:board@example.org
DTSTAMP:20261201T120000Z
DTSTART;TZID=America/Chicago:20270504T180000
DTEND;TZID=America/Chicago:20270504T193000
SUMMARY:Board Meeting
LOCATION:Chicago\\, IL
END:VEVENT
BEGIN:VEVENT
UID:board@example.org
DTSTAMP:20261201T120000Z
RECURRENCE-ID;TZID=America/Chicago:20270504T180000
DTSTART;TZID=America/Chicago:20270505T180000
DTEND;TZID=America/Chicago:20270505T193000
SUMMARY:Board Meeting
END:VEVENT
BEGIN:VEVENT
UID:partner-series@elsewhere.example.org
DTSTAMP:20261201T120000Z
RECURRENCE-ID;TZID=America/New_York:20270511T100000
DTSTART;TZID=America/New_York:20270512T100000
DTEND;TZID=America/New_York:20270512T113000
SUMMARY:Guest Lecture on Labor Trafficking
LOCATION:Online
END:VEVENT
BEGIN:VEVENT
UID:partner-series@elsewhere.example.org
DTSTAMP:20261201T120000Z
RECURRENCE-ID;TZID=America/New_York:20270518T100000
DTSTART;TZID=America/New_York:20270518T100000
DTEND;TZID=America/New_York:20270518T113000
STATUS:CANCELLED
SUMMARY:Guest Lecture Series
LOCATION:Online
END:VEVENT
BEGIN:VEVENT
UID:summit-2027@example.org
DTSTAMP:20261201T120000Z
DTSTART;TZID=America/Chicago:20270608T090000
DTEND;TZID=America/Chicago:20270608T100000
SUMMARY:Morning Plenary
LOCATION:Chicago\\, IL
END:VEVENT
BEGIN:VEVENT
UID:summit-2027@example.org
DTSTAMP:20261201T120000Z
DTSTART;TZID=America/Chicago:20270608T130000
DTEND;TZID=America/Chicago:20270608T140000
SUMMARY:Afternoon Plenary
LOCATION:Chicago\\, IL
END:VEVENT
BEGIN:VEVENT
UID:summit-2027@example.org
DTSTAMP:20261201T120000Z
RECURRENCE-ID;TZID=America/Chicago:20270608T090000
DTSTART;TZID=America/Chicago:20270608T093000
DTEND;TZID=America/Chicago:20270608T103000
SUMMARY:Morning Plenary (Ballroom B)
END:VEVENT
BEGIN:VEVENT
UID:summit-2027@example.org
DTSTAMP:20261201T120000Z
RECURRENCE-ID;TZID=America/Chicago:20270609T090000
DTSTART;TZID=America/Chicago:20270609T090000
DTEND;TZID=America/Chicago:20270609T100000
SUMMARY:Closing Plenary
END:VEVENT
END:VCALENDAR
"""


def test_what_an_event_file_cannot_say_is_refused_and_the_rest_carried(tmp_path: Path) -> None:
    outcomes = imported(tmp_path, EDGES)
    assert outcomes["Monthly Partner Meeting"].skipped == (
        "one of its changes (RECURRENCE-ID '20270404T140000', RANGE=THISANDFUTURE) is to a session and all later "
        "ones, which an event file cannot say; split the series in two in the calendar it comes from")
    assert outcomes["Legal Clinic"].skipped == (
        "the new start (2027-02-10) of a changed session (RECURRENCE-ID '20270209T140000') is a whole day, but "
        "the series' sessions have times; an event file cannot mix the two")
    outreach = outcomes["Youth Outreach"]
    assert ("changes:\n"
            "- occurrence: 2027-03-09 14:00\n  start: 2027-03-09 16:00\n  end: '16:00'\n"  # SEQUENCE 2; no DTEND
            "- occurrence: 2027-03-24 14:00\n  title: Youth Outreach (extra session)\n") in front_matter(outreach)
    assert "extra: ['2027-03-24 14:00']\n" in front_matter(outreach)  # a Wednesday the rule does not give
    assert "the change to its session of 2027-03-16 14:00 is left out: that session is skipped (EXDATE)" in (
        outreach.notes)
    board = front_matter(outcomes["Board Meeting"])  # its one session moved: written moved, no rule
    assert "start: 2027-05-05 18:00\nend: '19:30'\n" in board and "repeat:" not in board
    lecture = outcomes["Guest Lecture on Labor Trafficking"]
    assert lecture.uid == "partner-series@elsewhere.example.org-20270511T1000"
    assert "start: 2027-05-12 10:00\nend: '11:30'\ntimezone: America/New_York\n" in front_matter(lecture)
    assert outcomes["Guest Lecture Series"].skipped == (
        "a cancelled session (RECURRENCE-ID '20270518T100000') of a series this calendar does not hold: "
        "nothing to import")
    morning = front_matter(outcomes["Morning Plenary"])  # its own session, moved half an hour and retitled
    assert "title: Morning Plenary (Ballroom B)\n" in morning and "start: 2027-06-08 09:30\n" in morning
    assert outcomes["Closing Plenary"].skipped == (
        "it changes one session (RECURRENCE-ID '20270609T090000') of the events with the UID "
        "'summit-2027@example.org', which 2 events of this calendar share, and which one cannot be told; "
        "not imported")
    again = check_import(ics(EDGES), tmp_path / "events", CONFIG, OPTIONS)
    assert {o.title for o in again if o.present} == {
        "Youth Outreach", "Board Meeting", "Guest Lecture on Labor Trafficking", "Morning Plenary",
        "Afternoon Plenary"}


# --- malformed parts -----------------------------------------------------------------------------

MALFORMED = """
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Partner//Hand Edited//EN
BEGIN:VEVENT
UID:checkin@partner.example.org
DTSTAMP:20261201T120000Z
DTSTART;TZID=America/Denver:20270601T100000
DTEND;TZID=America/Denver:20270601T110000
RRULE:FREQ=WEEKLY;COUNT=3
SUMMARY:Weekly Check-In
LOCATION:Online
END:VEVENT
BEGIN:VEVENT
UID:checkin@partner.example.org
DTSTAMP:20261201T120000Z
RECURRENCE-ID:soon
DTSTART;TZID=America/Denver:20270609T100000
SUMMARY:Weekly Check-In
END:VEVENT
BEGIN:VEVENT
UID:review@partner.example.org
DTSTAMP:20261201T120000Z
DTSTART;TZID=America/Denver:20270607T100000
DTEND;TZID=America/Denver:20270607T110000
RRULE:FREQ=MONTHLY;COUNT=3
RDATE:sometime in the autumn
SUMMARY:Monthly Review
LOCATION:Online
END:VEVENT
BEGIN:VEVENT
UID:conference@partner.example.org
DTSTAMP:20261201T120000Z
DTSTART;TZID=America/Denver:20270602T130000
DTEND;TZID=America/Denver:20270602T140000
RRULE:FREQ=WEEKLY;COUNT=3
SUMMARY:Case Conference
LOCATION:Online
END:VEVENT
BEGIN:VEVENT
UID:conference@partner.example.org
DTSTAMP:20261201T120000Z
RECURRENCE-ID;TZID=America/Denver:20270609T130000
DTSTART;TZID=America/Denver:20270609T150000
SUMMARY:Case Conference (moved)
BEGIN:VLOCATION
UID:room@partner.example.org
DTSTART:garbage
END:VLOCATION
END:VEVENT
BEGIN:VEVENT
UID:neighbour@partner.example.org
DTSTAMP:20261201T120000Z
DTSTART;TZID=America/Denver:20270603T090000
SUMMARY:Readable Neighbour
LOCATION:Online
END:VEVENT
END:VCALENDAR
"""


def test_malformed_parts_refuse_their_series_in_words(tmp_path: Path) -> None:
    outcomes = imported(tmp_path, MALFORMED)
    assert outcomes["Weekly Check-In"].skipped == (
        "one of its changed sessions cannot be read: the session it changes (RECURRENCE-ID 'soon') is not a date "
        "or a date and time")
    assert outcomes["Monthly Review"].skipped == (
        "its added dates (RDATE 'sometime in the autumn') are not dates or dates and times")
    assert outcomes["Case Conference"].skipped == (
        "one of its changed sessions (RECURRENCE-ID) cannot be read (reported on its own), so its sessions cannot "
        "all be written as the calendar gives them")
    assert outcomes["Case Conference (moved)"].skipped == "the line 'BEGIN:VLOCATION' cannot be read as iCalendar"
    neighbour = front_matter(outcomes["Readable Neighbour"])  # no DTEND: a moment, as RFC 5545 says
    assert "start: 2027-06-03 09:00\nend: 09:00\n" in neighbour or "end: '09:00'\n" in neighbour


# --- this calendar's own feed ------------------------------------------------------------------------

OWN = ["recurring-with-extra-and-changes.md", "recurring-all-day-with-extra-and-changes.md"]


def test_the_sites_own_feed_gives_back_extra_dates_and_changes(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    for name in OWN:
        shutil.copy(DATA / name, site / name)
    originals = load_events(site, CONFIG)
    assert originals.problems == []
    feed = render_feed(originals.events, CONFIG, today=date(2026, 12, 1))
    outcomes = check_import(feed, tmp_path / "events", CONFIG)
    assert [o.skipped for o in outcomes] == [None, None]
    copies = {e.uid: e for e in load_events(tmp_path / "events", CONFIG).events}
    for original in originals.events:
        copy = copies[original.uid]
        assert (copy.extra, copy.changes) == (original.extra, original.changes), original.slug
    webinars = next(e for e in copies.values() if e.title == "Wednesday Webinars")
    assert [c.status_note for c in webinars.changes] == [None, "The presenter is ill.", None]


# --- any calendar icalendar writes ---------------------------------------------------------------

ZONES = [None, UTC, ZoneInfo("America/New_York"), ZoneInfo("Europe/Berlin"), ZoneInfo("Asia/Kolkata"),
         ZoneInfo("Australia/Sydney")]
AWARE = ZONES[1:]
RULES = ["FREQ=DAILY;COUNT=4", "FREQ=WEEKLY;COUNT=5", "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=6", "FREQ=MONTHLY;COUNT=3",
         "FREQ=WEEKLY;UNTIL", "FREQ=DAILY;INTERVAL=2;UNTIL"]


def _sessions(rule: str, start: date) -> list[datetime]:
    """The rule's first sessions, as naive wall times (what a RECURRENCE-ID of the same form names)."""
    naive = start.replace(tzinfo=None) if isinstance(start, datetime) else datetime(start.year, start.month, start.day)
    return list(islice(rrulestr(rule.replace("Z", ""), dtstart=naive), 12))  # UNTIL as a wall time will do


def _like(start: date, wall: datetime) -> date:
    """`wall` in the form of `start`: a date, or a date-time in start's zone."""
    return wall.replace(tzinfo=start.tzinfo) if isinstance(start, datetime) else wall.date()


@st.composite
def series(draw: st.DrawFn, index: int) -> list[icalendar.Event]:
    """One event and its changed sessions, drawn as calendar apps write them."""
    uid = draw(st.sampled_from([f"series-{index}@example.org", "shared@example.org"]))
    master = icalendar.Event()
    master.add("UID", uid)
    master.add("DTSTAMP", datetime(2026, 12, 1, tzinfo=UTC))
    master.add("SUMMARY", f"Event {index}")
    master.add("LOCATION", "Online")
    day = date(2027, 1, 4) + timedelta(days=draw(st.integers(0, 300)))
    timed = draw(st.booleans())
    zone = draw(st.sampled_from(ZONES)) if timed else None
    start: date = datetime(day.year, day.month, day.day, draw(st.integers(8, 19)), draw(st.sampled_from([0, 30])),
                           tzinfo=zone) if timed else day
    master.add("DTSTART", start)
    length = timedelta(minutes=draw(st.sampled_from([0, 45, 90, 24 * 60]))) if timed else timedelta(
        days=draw(st.integers(1, 3)))
    ending = draw(st.sampled_from(["dtend", "duration", "none"]))
    if ending == "dtend":
        master.add("DTEND", start + length)
    elif ending == "duration":
        master.add("DURATION", length)
    rule = draw(st.sampled_from([None, *RULES]))
    if rule and rule.endswith("UNTIL") and isinstance(start, datetime) and start.tzinfo is None:
        # A floating UNTIL is local time (RFC 5545), which recurring-ical-events reads as UTC once
        # X-WR-TIMEZONE gives the series a zone: not a question this test can ask it.
        rule = "FREQ=WEEKLY;COUNT=3"
    if rule and rule.endswith("UNTIL"):
        last = start + timedelta(days=draw(st.integers(7, 40)))
        until = last.astimezone(UTC) if isinstance(last, datetime) and last.tzinfo else last
        rule = f"{rule}={icalendar.vDDDTypes(until).to_ical().decode()}"
    walls = [start.replace(tzinfo=None) if isinstance(start, datetime) else datetime(day.year, day.month, day.day)]
    if rule:
        master.add("RRULE", icalendar.vRecur.from_ical(rule))
        walls = _sessions(rule, start)
        if len(walls) > 2 and draw(st.booleans()):
            master.add("EXDATE", _like(start, walls[draw(st.integers(1, len(walls) - 1))]))
    for _ in range(draw(st.integers(0, 2))):  # added dates: any zone for a zoned series, its kind otherwise
        wall = walls[0] + timedelta(days=draw(st.integers(-2, 50)), hours=draw(st.sampled_from([0, 0, 3])) if timed
                                    else 0)
        value = _like(start, wall)
        if isinstance(value, datetime) and value.tzinfo is not None and length < timedelta(hours=12):
            # A session a day long, added in another zone, lasts a day on that zone's clock for
            # recurring-ical-events, and on its series' clock in an event file: an hour apart when the
            # clocks change in between. Shorter sessions do not span the night the clocks change.
            value = value.astimezone(draw(st.sampled_from(AWARE)))
        if isinstance(value, datetime) and draw(st.integers(0, 3)) == 0:
            if value.tzinfo is not None:  # icalendar writes a period's times without their TZID: in UTC, then
                value = value.astimezone(UTC)
            master.add("RDATE", [(value, value + timedelta(hours=draw(st.integers(1, 3))))],
                       parameters={"VALUE": "PERIOD"})
        else:
            master.add("RDATE", value)
    components = [master]
    for _ in range(draw(st.integers(0, 3))):
        components.append(draw(changed_session(master, start, length, walls, index)))
    return components


@st.composite
def changed_session(draw: st.DrawFn, master: icalendar.Event, start: date, length: timedelta,
                    walls: list[datetime], index: int) -> icalendar.Event:
    """A VEVENT that changes one session of `master`: moved, lengthened, cancelled or retitled."""
    override = icalendar.Event()
    override.add("UID", draw(st.sampled_from([str(master["UID"]), str(master["UID"]), "alone@example.org"])))
    override.add("DTSTAMP", datetime(2026, 12, 1, tzinfo=UTC))
    wall = draw(st.sampled_from(walls)) + timedelta(days=draw(st.sampled_from([0, 0, 0, 1])))  # now and then no session
    named = _like(start, wall)
    override.add("RECURRENCE-ID", named, parameters={"RANGE": "THISANDFUTURE"} if draw(st.integers(0, 9)) == 0
                 else None)
    moved = named + timedelta(hours=draw(st.sampled_from([0, 0, 2, 26])) if isinstance(named, datetime)
                              else 0, days=draw(st.sampled_from([0, 0, 1])))
    if isinstance(moved, datetime) and moved.tzinfo is not None and draw(st.booleans()):
        moved = moved.astimezone(draw(st.sampled_from(AWARE)))  # written in another zone
    override.add("DTSTART", moved)
    ending = draw(st.sampled_from(["same", "longer", "none", "duration"]))
    if ending in ("same", "longer"):
        override.add("DTEND", moved + length + (timedelta(hours=1) if isinstance(moved, datetime) else timedelta(days=1))
                     * (ending == "longer"))
    elif ending == "duration":
        override.add("DURATION", length)
    override.add("SUMMARY", draw(st.sampled_from([f"Event {index}", f"Event {index} (changed)"])))
    if draw(st.integers(0, 3)) == 0:
        override.add("STATUS", "CANCELLED")
    if draw(st.integers(0, 4)) == 0:
        override.add("SEQUENCE", draw(st.integers(0, 3)))
    return override


@st.composite
def calendars(draw: st.DrawFn) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("VERSION", "2.0")
    calendar.add("PRODID", "-//Generated//EN")
    if draw(st.booleans()):
        calendar.add("X-WR-TIMEZONE", "America/Chicago")
    for index in range(draw(st.integers(1, 3))):
        for component in draw(series(index)):
            calendar.add_component(component)
    return calendar.to_ical()


@settings(max_examples=max(40, settings().max_examples // 10), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=calendars())
def test_any_calendar_with_changed_and_added_sessions_imports_faithfully_or_is_refused_in_words(
    tmp_path: Path, data: bytes
) -> None:
    events_dir = tmp_path / f"events-{abs(hash(data))}"
    outcomes = check_import(data, events_dir, CONFIG, OPTIONS)  # each written faithfully, or refused in words
    # What the import did not foresee is refused as "cannot be read (...)": none of it here.
    assert [o.skipped for o in outcomes if (o.skipped or "").startswith("cannot be read")] == []


# --- where: an online meeting's platform, an address in its parts ------------------------------------

PLACES = """
BEGIN:VCALENDAR
PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN
VERSION:2.0
BEGIN:VEVENT
UID:teams@partner.example.org
DTSTAMP:20261201T000000Z
DTSTART:20270304T150000Z
DTEND:20270304T160000Z
SUMMARY:Teams Briefing
LOCATION:Microsoft Teams Meeting
X-MICROSOFT-SKYPETEAMSMEETINGURL:https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0
END:VEVENT
BEGIN:VEVENT
UID:zoom@partner.example.org
DTSTAMP:20261201T000000Z
DTSTART:20270305T150000Z
DTEND:20270305T160000Z
SUMMARY:Zoom Briefing
LOCATION:Zoom Meeting
DESCRIPTION:Join Zoom Meeting\\nhttps://us02web.zoom.us/j/85512345678?pwd=abc123\\n\\nMeeting ID: 855 1234 5678
END:VEVENT
BEGIN:VEVENT
UID:meet@partner.example.org
DTSTAMP:20261201T000000Z
DTSTART:20270306T150000Z
DTEND:20270306T160000Z
SUMMARY:Meet Briefing
LOCATION:google meet
END:VEVENT
BEGIN:VEVENT
UID:virtual@partner.example.org
DTSTAMP:20261201T000000Z
DTSTART:20270307T150000Z
DTEND:20270307T160000Z
SUMMARY:Virtual Briefing
LOCATION:Virtual
DESCRIPTION:Join: <https://meet.google.com/abc-defg-hij>
END:VEVENT
BEGIN:VEVENT
UID:room@partner.example.org
DTSTAMP:20261201T000000Z
DTSTART:20270308T150000Z
DTEND:20270308T160000Z
SUMMARY:Room and Teams
LOCATION:Conference Room 4B; Microsoft Teams Meeting
END:VEVENT
END:VCALENDAR
"""


def test_an_online_meetings_platform_is_no_place(tmp_path: Path) -> None:
    outcomes = imported(tmp_path, PLACES, ImportOptions(type="meeting"))
    written = {title: front_matter(o) for title, o in outcomes.items()}
    assert all("location:" not in text for title, text in written.items() if title != "Room and Teams")
    assert ("online:\n  url: https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0\n"
            "  platform: Microsoft Teams\n") in written["Teams Briefing"]
    assert "online:\n  url: https://us02web.zoom.us/j/85512345678?pwd=abc123\n  platform: Zoom\n" in written[
        "Zoom Briefing"]
    assert "online:\n  platform: Google Meet\n" in written["Meet Briefing"]
    assert "online:\n  url: https://meet.google.com/abc-defg-hij\n  platform: Google Meet\n" in written[
        "Virtual Briefing"]
    assert "location:\n  venue: Conference Room 4B\nonline:\n  platform: Microsoft Teams\n" in written["Room and Teams"]


ADDRESSES = {
    # LOCATION: the location written, or the venue alone when it cannot be sure which part is what.
    "Embassy Suites, 200 Stoneridge Dr, Columbia, SC 29210, USA":
        {"venue": "Embassy Suites", "address": "200 Stoneridge Dr", "city": "Columbia", "region": "SC",
         "postal_code": "29210", "country": "US"},
    "Columbia Metropolitan Convention Center, 1101 Lincoln St, Columbia, SC 29201, United States":
        {"venue": "Columbia Metropolitan Convention Center", "address": "1101 Lincoln St", "city": "Columbia",
         "region": "SC", "postal_code": "29201", "country": "US"},
    "1600 Pennsylvania Ave NW, Washington, DC 20500":
        {"address": "1600 Pennsylvania Ave NW", "city": "Washington", "region": "DC", "postal_code": "20500"},
    "Greenville, SC 29601-2101": {"city": "Greenville", "region": "SC", "postal_code": "29601-2101"},
    "Hilton, 123 Main St, Suite 200, Columbia, SC 29201": {"venue": "Hilton, 123 Main St, Suite 200, Columbia, SC 29201"},
    "Embassy Suites, Columbia, SC 29210": {"venue": "Embassy Suites, Columbia, SC 29210"},
    "Main Street Hall, 12 King St, Toronto, ON M5H 1A1, Canada":
        {"venue": "Main Street Hall, 12 King St, Toronto, ON M5H 1A1, Canada"},
    "Room 5, 400 Main St, Columbia, ZZ 29201": {"venue": "Room 5, 400 Main St, Columbia, ZZ 29201"},
}


def test_a_united_states_address_is_split_only_when_sure(tmp_path: Path) -> None:
    assert {text: location_fields(text) for text in ADDRESSES} == ADDRESSES
    event = PLACES.replace("LOCATION:Microsoft Teams Meeting", "LOCATION:Embassy Suites\\, 200 Stoneridge Dr\\, "
                           "Columbia\\, SC 29210\\, USA")
    written = front_matter(imported(tmp_path, event, ImportOptions(type="meeting"))["Teams Briefing"])
    assert ("location:\n  venue: Embassy Suites\n  address: 200 Stoneridge Dr\n  city: Columbia\n  region: SC\n"
            "  postal_code: '29210'\n  country: US\n") in written
