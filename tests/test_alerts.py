"""E-mail alerts of a filter, end to end: the sign-up form, the confirmation and its link, the
digests `calendar-app alerts send` sends, unsubscribing (the page and RFC 8058's one click), the
manage page, and sending that survives a kill and a refusal without sending anything twice.

Mail goes to a real SMTP server on loopback (aiosmtpd); the events are files in a temporary
folder, changed as a coordinator or an editor would change them.
"""

from __future__ import annotations

import asyncio
import email
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from calendar_app.cli.main import main
from calendar_app.desk.alerts import send_alerts
from calendar_app.desk.alertstore import AlertStore
from calendar_app.files.workspace import Workspace

from .coordinator_site import ROOT, DeskSite, make_site
from .test_notify import free_port

BASE = "https://trainings.example.org"
TODAY = "2027-01-05"  # a Tuesday: the sample webinar (March 2) and training (February 22) are ahead
WEBINAR = "screening-youth-webinar"


# --- a mailbox on loopback ------------------------------------------------------------------------


@dataclass
class Mailbox:
    """An SMTP server's handler that keeps what it accepts; it can refuse, or hold a message."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: str | None = None  # the reply to DATA while set, such as "451 Try again later"
    hold_next: bool = False  # keep the next message's answer back until `release` is set
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's name
        if self.refuse:
            return self.refuse
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        if self.hold_next:
            self.hold_next = False
            self.held.set()
            while not self.release.is_set():  # the sender is killed meanwhile: it never hears "250"
                await asyncio.sleep(0.05)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def digests(self, address: str) -> list[EmailMessage]:
        return [m for m in self.to(address) if not m["Subject"].startswith("Confirm")]


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        box.release.set()
        controller.stop()


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")  # type: ignore[attr-defined]


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]


def link(message: EmailMessage, kind: str) -> str:
    """The path of the message's `confirm`, `manage` or `unsubscribe` link."""
    match = re.search(rf"{re.escape(BASE)}(/alerts/{kind}/[A-Za-z0-9_-]+)", text_of(message))
    assert match, text_of(message)
    return match.group(1)


# --- a site that sends alerts ----------------------------------------------------------------------


@dataclass
class AlertSite:
    desk: DeskSite
    client: TestClient
    box: Mailbox

    @property
    def root(self) -> Path:
        return self.desk.root

    def store(self, clock: Any = time.time) -> AlertStore:
        return AlertStore(Workspace(self.root, self.desk.config).alerts_file, clock=clock)

    def write(self, name: str, text: str) -> None:
        (self.desk.events / "2027" / f"{name}.md").write_text(text, encoding="utf-8")
        self.client.app.state.site.refresh()  # type: ignore[attr-defined]

    def edit(self, slug: str, old: str, new: str) -> None:
        path = self.desk.path(slug)
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")
        self.client.app.state.site.refresh()  # type: ignore[attr-defined]

    def send(self, *options: str) -> tuple[int, str]:
        """`calendar-app alerts send`, as cron runs it: its exit status and what it printed."""
        return run_command(self.root, *options)

    def sign_up(self, address: str, query: str = "type=webinar", frequency: str = "weekly",
                client: TestClient | None = None) -> Any:
        client = client or self.client
        page = client.get(f"/alerts?{query}" if query else "/alerts")
        assert page.status_code == 200, page.text
        values = dict(hidden_fields(page.text))
        values.update({"email": address, "frequency": frequency})
        filters = [(name, value) for name, value in hidden_fields(page.text) if name != "csrf_token"]
        return client.post("/alerts", data={**values, **dict(filters)}, follow_redirects=False)

    def subscribe(self, address: str, query: str = "type=webinar", frequency: str = "weekly") -> EmailMessage:
        """Signed up and confirmed; the confirmation message."""
        assert self.sign_up(address, query, frequency).status_code == 200
        confirmation = self.box.to(address)[-1]
        assert self.client.get(link(confirmation, "confirm")).status_code == 200
        return confirmation


def hidden_fields(html: str) -> list[tuple[str, str]]:
    import html as markup

    return [(name, markup.unescape(value))
            for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)]


def run_command(root: Path, *options: str) -> tuple[int, str]:
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(["alerts", "send", *options, "--events", str(root / "events"),
                       "--config", str(root / "calendar.toml")])
    return status, out.getvalue() + err.getvalue()


def settings(port: int, *more: str) -> str:
    return "\n".join([f'base_url = "{BASE}"', 'smtp_host = "127.0.0.1"', f"smtp_port = {port}",
                      'smtp_from = "alerts@trainings.example.org"', *more])


@pytest.fixture
def alert_site(tmp_path: Path, mailbox: tuple[Mailbox, int], monkeypatch: pytest.MonkeyPatch) -> AlertSite:
    box, port = mailbox
    return make_alert_site(tmp_path, box, port, monkeypatch)


def make_alert_site(root: Path, box: Mailbox, port: int, monkeypatch: pytest.MonkeyPatch, *more: str) -> AlertSite:
    monkeypatch.setenv("CALENDAR_TODAY", TODAY)  # the command's today, as the app's
    desk = make_site(root, settings=settings(port, *more), login=False, today=date.fromisoformat(TODAY))
    # The site is https, so its cookies are Secure: the client must speak https for the CSRF cookie.
    return AlertSite(desk, TestClient(desk.client.app, base_url="https://testserver"), box)


NEW_WEBINAR = """\
---
title: "Labor Trafficking & <Forced> Work"
type: webinar
start: "2027-04-06 13:00"
online:
  url: https://www.example.org/join/labor
registration:
  url: https://www.example.org/register/labor
  deadline: 2027-01-08
---
The basics.
"""

SECOND_WEBINAR = """\
---
title: "Interviewing Survivors"
type: webinar
start: "2027-03-16 14:00"
online: true
---
Trauma-informed interviews.
"""

NEW_TRAINING = """\
---
title: "Task Force Training"
type: training
start: 2027-05-10
location:
  city: Denver
  region: CO
---
Outside a filter of webinars.
"""


# --- the listing's link and the form ---------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "type=webinar", "type=webinar&topic=youth&online=true", "q=screening",
                                   "region=SC&from=2027-02-01&to=2027-06-30"])
def test_every_listing_links_to_the_alerts_of_its_filters(alert_site: AlertSite, query: str) -> None:
    page = alert_site.client.get(f"/?{query}").text
    match = re.search(r'<a href="([^"]*)">Get these by e-mail</a>', page)
    assert match, "no link to the alerts"
    assert match.group(1).replace("&amp;", "&") == ("/alerts?" + query if query else "/alerts")
    form = alert_site.client.get(match.group(1).replace("&amp;", "&"))
    assert form.status_code == 200 and 'name="email"' in form.text and 'name="frequency"' in form.text


def test_a_site_without_an_smtp_server_offers_no_alerts(tmp_path: Path) -> None:
    site = make_site(tmp_path, login=False)
    assert "Get these by e-mail" not in site.client.get("/").text
    assert site.client.get("/alerts").status_code == 404


def test_the_form_refuses_a_filter_the_site_does_not_have_and_a_bad_address(alert_site: AlertSite) -> None:
    assert alert_site.client.get("/alerts?type=party").status_code == 400
    response = alert_site.sign_up("not an address")
    assert response.status_code == 422 and "Enter an e-mail address" in response.text
    assert alert_site.box.messages == []


# --- double opt-in -----------------------------------------------------------------------------------


def test_nothing_but_the_confirmation_is_sent_until_its_link_is_followed(alert_site: AlertSite) -> None:
    response = alert_site.sign_up("ana@example.org")
    assert response.status_code == 200 and "Check your e-mail" in response.text
    [confirmation] = alert_site.box.to("ana@example.org")
    assert confirmation["Subject"] == "Confirm your e-mail alerts from Human Trafficking Trainings"
    assert (alert_site.root / ".alerts.sqlite").stat().st_mode & 0o777 == 0o600  # private to the server's user
    assert "new and changed webinars, once a week" in text_of(confirmation)
    alert_site.write("interviewing-survivors", SECOND_WEBINAR)
    status, output = alert_site.send("--now")
    assert status == 0 and "Sent 0 digests." in output
    assert alert_site.box.to("ana@example.org") == [confirmation]  # unconfirmed: nothing else

    page = alert_site.client.get(link(confirmation, "confirm"))
    assert page.status_code == 200 and "Your e-mail alerts are on" in page.text
    # What was there when it was confirmed is not news; nothing changed since: no e-mail at all.
    status, output = alert_site.send("--now")
    assert status == 0 and "1 due with nothing new: no e-mail." in output
    assert alert_site.box.digests("ana@example.org") == []
    again = alert_site.client.get(link(confirmation, "confirm"))
    assert again.status_code == 200 and "already used" in again.text


def test_a_second_sign_up_within_the_hour_sends_nothing_and_answers_the_same(alert_site: AlertSite) -> None:
    first = alert_site.sign_up("ana@example.org")
    second = alert_site.sign_up("ana@example.org", query="type=training", frequency="daily")
    assert first.status_code == second.status_code == 200
    assert _main(first.text) == _main(second.text)
    assert len(alert_site.box.to("ana@example.org")) == 1
    desk_store = alert_site.client.app.state.desk.alerts  # type: ignore[attr-defined]
    desk_store.clock = lambda: time.time() + 3601  # an hour later
    assert alert_site.sign_up("ana@example.org", query="type=training").status_code == 200
    assert len(alert_site.box.to("ana@example.org")) == 2
    assert "new and changed trainings" in text_of(alert_site.box.to("ana@example.org")[-1])


def _main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def test_an_unconfirmed_address_is_forgotten_after_48_hours(alert_site: AlertSite) -> None:
    alert_site.sign_up("ana@example.org")
    confirmation = alert_site.box.to("ana@example.org")[0]
    later = alert_site.store(clock=lambda: time.time() + 48 * 3600 + 60)
    later.purge()
    assert later.by_link(link(confirmation, "unsubscribe").rsplit("/", 1)[1]) is None
    assert alert_site.client.get(link(confirmation, "confirm")).status_code == 404
    assert alert_site.client.get(link(confirmation, "manage")).status_code == 404


def test_the_confirmation_never_carries_the_words_someone_typed(alert_site: AlertSite) -> None:
    alert_site.sign_up("stranger@example.org", query="q=WIN+A+PRIZE+at+example.com")
    [confirmation] = alert_site.box.to("stranger@example.org")
    assert "PRIZE" not in confirmation.as_string() and "matching your search" in text_of(confirmation)


def test_sign_ups_are_limited_per_address(tmp_path: Path, mailbox: tuple[Mailbox, int],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    box, port = mailbox
    site = make_alert_site(tmp_path, box, port, monkeypatch, "alerts_signups_per_hour = 2")
    assert site.sign_up("a@example.org").status_code == 200
    assert site.sign_up("b@example.org").status_code == 200
    refused = site.sign_up("c@example.org")
    assert refused.status_code == 429 and "Too many sign-ups" in refused.text
    assert int(refused.headers["retry-after"]) > 0
    assert box.to("c@example.org") == []


def test_a_robot_filling_the_hidden_field_is_thanked_and_forgotten(alert_site: AlertSite) -> None:
    page = alert_site.client.get("/alerts")
    values = {**dict(hidden_fields(page.text)), "email": "bot@example.org", "website": "http://spam.example"}
    response = alert_site.client.post("/alerts", data=values)
    assert response.status_code == 200 and "Check your e-mail" in response.text
    assert alert_site.box.messages == []


# --- the digest ---------------------------------------------------------------------------------------


def test_the_digest_tells_what_is_new_moved_and_cancelled_in_its_filter_only(alert_site: AlertSite) -> None:
    alert_site.write("interviewing-survivors", SECOND_WEBINAR)
    alert_site.subscribe("ana@example.org")
    alert_site.write("labor-trafficking", NEW_WEBINAR)  # new
    alert_site.edit(WEBINAR, 'start: "2027-03-02 14:00"\nend: "15:30"', 'start: "2027-02-02 13:00"\nend: "14:30"')
    alert_site.edit("interviewing-survivors", "online: true\n", "online: true\nstatus: cancelled\n")
    alert_site.write("task-force-training", NEW_TRAINING)  # not a webinar
    assert alert_site.send() == (0, "Sent 0 digests.\n")  # a week has not passed since it was confirmed
    status, output = alert_site.send("--now")
    assert status == 0 and "a…@example.org: 1 new, 2 changed" in output

    [digest] = alert_site.box.digests("ana@example.org")
    assert digest["Subject"] == "Human Trafficking Trainings: 1 new event, 2 changed events"
    text = text_of(digest)
    new, changed = text.split("\nNEW\n")[1].split("\nCHANGED\n")
    assert "Labor Trafficking & <Forced> Work" in new and "April 6, 2027 | 1 p.m. ET | Online" in new
    assert "Registration closes Friday, January 8, 2027." in new
    assert f"{BASE}/events/labor-trafficking" in new
    assert "Screening Youth for Trafficking: moved to Tuesday, February 2, 2027, 1 p.m. ET" in changed
    assert "Interviewing Survivors: cancelled" in changed
    assert "Task Force Training" not in text
    assert f"{BASE}/?type=webinar" in text and f"{BASE}/calendar.ics?type=webinar" in text
    html = html_of(digest)
    assert "Labor Trafficking &amp; &lt;Forced&gt; Work" in html and "<Forced>" not in html
    assert f'href="{BASE}/events/labor-trafficking"' in html

    # The next run tells what changed since this digest: nothing, so no e-mail.
    status, output = alert_site.send("--now")
    assert "1 due with nothing new: no e-mail." in output
    assert len(alert_site.box.digests("ana@example.org")) == 1
    alert_site.edit("labor-trafficking", "online:\n  url: https://www.example.org/join/labor\n",
                    "location:\n  venue: Embassy Suites\n  city: Columbia\n  region: SC\n")
    alert_site.send("--now")
    moved = text_of(alert_site.box.digests("ana@example.org")[-1])
    assert "Labor Trafficking & <Forced> Work: now at Embassy Suites, Columbia, SC" in moved
    assert "Registration closes" not in moved  # reminded once already


def test_a_deadline_coming_within_the_period_is_told_once(alert_site: AlertSite) -> None:
    alert_site.subscribe("ana@example.org", frequency="daily")
    alert_site.edit(WEBINAR, "online:\n", "registration:\n  deadline: 2027-01-06\nonline:\n")
    alert_site.send("--now")
    [digest] = alert_site.box.digests("ana@example.org")
    assert digest["Subject"] == "Human Trafficking Trainings: registration closing soon"
    assert "Screening Youth for Trafficking: registration closes Wednesday, January 6, 2027" in text_of(digest)
    alert_site.send("--now")
    assert len(alert_site.box.digests("ana@example.org")) == 1


def test_every_message_carries_its_one_click_unsubscribe(alert_site: AlertSite) -> None:
    confirmation = alert_site.subscribe("ana@example.org")
    alert_site.write("labor-trafficking", NEW_WEBINAR)
    alert_site.send("--now")
    for message in (confirmation, alert_site.box.digests("ana@example.org")[0]):
        unsubscribe = message["List-Unsubscribe"]
        assert re.fullmatch(rf"<{re.escape(BASE)}/alerts/unsubscribe/[A-Za-z0-9_-]{{43}}>", unsubscribe)
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["Auto-Submitted"] == "auto-generated" and message["Message-ID"]
        assert message["From"] == "Human Trafficking Trainings <alerts@trainings.example.org>"
        assert message.get_content_type() == "multipart/alternative"
        assert unsubscribe.strip("<>").removeprefix(BASE) in text_of(message)
        assert unsubscribe.strip("<>") in html_of(message)


# --- unsubscribing and the manage page ---------------------------------------------------------------


def test_the_unsubscribe_link_shows_a_button_that_unsubscribes(alert_site: AlertSite) -> None:
    confirmation = alert_site.subscribe("ana@example.org")
    page = alert_site.client.get(link(confirmation, "unsubscribe"))
    assert page.status_code == 200 and "Stop the e-mail alerts?" in page.text
    form = dict(hidden_fields(page.text))
    assert form == {"List-Unsubscribe": "One-Click"}
    done = TestClient(alert_site.client.app, base_url="https://testserver").post(link(confirmation, "unsubscribe"),
                                                                                 data=form)
    assert done.status_code == 200 and "You are unsubscribed" in done.text
    _gone(alert_site, confirmation)


def test_one_click_unsubscribe_needs_no_cookie_or_token_but_its_body(alert_site: AlertSite) -> None:
    confirmation = alert_site.subscribe("ana@example.org")
    url = confirmation["List-Unsubscribe"].strip("<>").removeprefix(BASE)
    provider = TestClient(alert_site.client.app, base_url="https://testserver")  # a mail provider: no cookie
    wrong = provider.post(url, content=b"unsubscribe=yes", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert wrong.status_code == 400
    assert alert_site.client.get(link(confirmation, "manage")).status_code == 200  # still subscribed
    done = provider.post(url, content=b"List-Unsubscribe=One-Click",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert done.status_code == 200
    _gone(alert_site, confirmation)
    assert provider.post(url, content=b"List-Unsubscribe=One-Click",
                         headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 404


def _gone(site: AlertSite, confirmation: EmailMessage) -> None:
    assert site.client.get(link(confirmation, "manage")).status_code == 404
    site.write("labor-trafficking", NEW_WEBINAR)
    site.send("--now")
    assert site.box.digests("ana@example.org") == []
    assert not _rows(site, "ana@example.org")


def _rows(site: AlertSite, address: str) -> list[Any]:
    import sqlite3

    with sqlite3.connect(Workspace(site.root, site.desk.config).alerts_file) as db:
        rows = db.execute("SELECT * FROM subscriptions WHERE email = ?", (address,)).fetchall()
        rows += db.execute("SELECT * FROM tokens WHERE subscription NOT IN (SELECT id FROM subscriptions)").fetchall()
    return rows


def test_the_manage_page_shows_what_is_stored_changes_it_and_deletes_it(alert_site: AlertSite) -> None:
    confirmation = alert_site.subscribe("ana@example.org", query="type=webinar&online=true")
    manage = link(confirmation, "manage")
    page = alert_site.client.get(manage)
    assert page.status_code == 200
    for shown in ("ana@example.org", "online webinars", "Once a week", "Confirmed", "Type: Webinar",
                  "Online only", "1 event as you last heard of it"):
        assert shown in page.text, shown
    # Untick "online only", once a day: saved, with a CSRF token like any form of the site.
    values = {"csrf_token": dict(hidden_fields(page.text))["csrf_token"], "type": "webinar", "frequency": "daily"}
    saved = alert_site.client.post(manage, data=values)
    assert saved.status_code == 200 and "Saved." in saved.text and "Once a day" in saved.text
    assert "Online only" not in saved.text
    assert alert_site.client.post(manage, data={**values, "csrf_token": "forged"}).status_code == 403
    assert _rows(alert_site, "ana@example.org")[0][3] == "daily"

    deleted = alert_site.client.post(manage + "/delete", data={"csrf_token": values["csrf_token"]})
    assert deleted.status_code == 200 and "nothing about the address is kept" in deleted.text
    assert not _rows(alert_site, "ana@example.org")
    assert alert_site.client.get(manage).status_code == 404


# --- sending: due, capped, refused, killed ----------------------------------------------------------------


def test_a_weekly_digest_is_due_a_week_after_the_last_look_and_a_daily_one_a_day(alert_site: AlertSite) -> None:
    alert_site.subscribe("ana@example.org")
    alert_site.subscribe("ben@example.org", frequency="daily")
    now = time.time()
    assert alert_site.store(clock=lambda: now).due() == []
    in_a_day = [s.email for s in alert_site.store(clock=lambda: now + 86400).due()]
    in_a_week = [s.email for s in alert_site.store(clock=lambda: now + 7 * 86400).due()]
    assert in_a_day == ["ben@example.org"] and sorted(in_a_week) == ["ana@example.org", "ben@example.org"]


def test_a_dry_run_sends_and_records_nothing(alert_site: AlertSite) -> None:
    alert_site.subscribe("ana@example.org")
    alert_site.write("labor-trafficking", NEW_WEBINAR)
    status, output = alert_site.send("--now", "--dry-run")
    assert status == 0 and "Dry run" in output and "Would send 1 digest:\n  a…@example.org: 1 new" in output
    assert alert_site.box.digests("ana@example.org") == []
    alert_site.send("--now")
    assert len(alert_site.box.digests("ana@example.org")) == 1


def test_a_run_sends_at_most_its_cap_and_the_next_run_the_rest(tmp_path: Path, mailbox: tuple[Mailbox, int],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    box, port = mailbox
    site = make_alert_site(tmp_path, box, port, monkeypatch, "alerts_max_per_run = 2")
    addresses = ["ana@example.org", "ben@example.org", "cy@example.org"]
    for address in addresses:
        site.subscribe(address)
    site.write("labor-trafficking", NEW_WEBINAR)
    status, output = site.send("--now")
    assert status == 0 and "Sent 2 digests" in output and "1 wait for the next run (alerts_max_per_run = 2)" in output
    assert sum(len(box.digests(a)) for a in addresses) == 2
    site.send("--now")
    assert [len(box.digests(a)) for a in addresses] == [1, 1, 1]


def test_a_digest_the_server_refuses_is_sent_by_the_next_run_once(alert_site: AlertSite) -> None:
    alert_site.subscribe("ana@example.org")
    alert_site.write("labor-trafficking", NEW_WEBINAR)
    alert_site.box.refuse = "451 4.3.0 Try again later"
    status, output = alert_site.send("--now")
    assert status == 1 and "Refused by the SMTP server, tried again next run:" in output and "451" in output
    alert_site.box.refuse = None
    status, output = alert_site.send("--now")
    assert status == 0 and "a…@example.org: 1 new" in output
    alert_site.send("--now")
    assert len(alert_site.box.digests("ana@example.org")) == 1


def test_a_run_that_cannot_reach_the_server_records_nothing(alert_site: AlertSite) -> None:
    alert_site.subscribe("ana@example.org")
    alert_site.write("labor-trafficking", NEW_WEBINAR)
    config = alert_site.desk.config.model_copy(update={"smtp_port": free_port()})
    site = alert_site.client.app.state.site  # type: ignore[attr-defined]
    workspace = Workspace(alert_site.root, config)
    run = send_alerts(config, site.catalog, alert_site.store(), workspace.alerts_lock_file, today=date(2027, 1, 5),
                      every=True)
    assert run.stopped and "cannot reach the SMTP server" in run.stopped and run.sent == []
    alert_site.send("--now")
    assert "Labor Trafficking" in text_of(alert_site.box.digests("ana@example.org")[0])


def test_a_run_killed_before_the_server_answered_never_sends_that_digest_again(alert_site: AlertSite) -> None:
    addresses = ["ana@example.org", "ben@example.org", "cy@example.org"]
    for address in addresses:
        alert_site.subscribe(address)
    alert_site.write("labor-trafficking", NEW_WEBINAR)
    alert_site.box.hold_next = True
    command = [sys.executable, "-c", "import sys; from calendar_app.cli.main import main; sys.exit(main())",
               "alerts", "send", "--now", "--events", str(alert_site.root / "events"),
               "--config", str(alert_site.root / "calendar.toml")]
    environment = {**os.environ, "CALENDAR_TODAY": TODAY}
    process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        assert alert_site.box.held.wait(60), "the run never reached the SMTP server"
        process.send_signal(signal.SIGKILL)  # the message is with the server; its "250" never arrives
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
        alert_site.box.release.set()
    [first] = [m for a in addresses for m in alert_site.box.digests(a)]
    assert sum(len(alert_site.box.digests(a)) for a in addresses) == 1

    status, output = alert_site.send("--now")
    assert status == 0
    assert f"Counted as sent, never to be sent again (the SMTP server's answer was lost): {first['Message-ID']}" in output
    assert "Sent 2 digests" in output
    assert [len(alert_site.box.digests(a)) for a in addresses] == [1, 1, 1]
    alert_site.send("--now")
    assert [len(alert_site.box.digests(a)) for a in addresses] == [1, 1, 1]


def test_two_runs_at_once_send_once(alert_site: AlertSite) -> None:
    alert_site.subscribe("ana@example.org")
    alert_site.write("labor-trafficking", NEW_WEBINAR)
    lock = Workspace(alert_site.root, alert_site.desk.config).alerts_lock_file
    from filelock import FileLock

    with FileLock(str(lock)):  # another run holds it
        status, output = alert_site.send("--now")
    assert status == 0 and "Another run of the alerts is under way; nothing was done." in output
    assert alert_site.box.digests("ana@example.org") == []


def test_the_command_says_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "calendar.toml").write_text((ROOT / "calendar.toml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "events").mkdir()
    status, output = run_command(tmp_path, "--now")
    assert status == 2 and "names no SMTP server" in output and "Hint: set smtp_host" in output


# --- in Spanish -------------------------------------------------------------------------------------


def spanish_link(message: EmailMessage, kind: str) -> str:
    """The path of a Spanish message's `confirm`, `manage` or `unsubscribe` link: under /es."""
    match = re.search(rf"{re.escape(BASE)}(/es/alerts/{kind}/[A-Za-z0-9_-]+)", text_of(message))
    assert match, text_of(message)
    return match.group(1)


def test_alerts_signed_up_for_in_spanish_come_in_spanish_with_spanish_links(alert_site: AlertSite) -> None:
    client = alert_site.client
    listing = client.get("/es/?type=webinar").text
    assert 'href="/es/alerts?type=webinar"' in listing and 'href="/es/embed/new?type=webinar"' in listing
    page = client.get("/es/alerts?type=webinar")
    assert page.status_code == 200 and '<html lang="es"' in page.text and 'action="/es/alerts"' in page.text
    assert "Reciba estos eventos por correo electrónico" in page.text
    alert_site.write("interviewing-survivors", SECOND_WEBINAR)
    values = {**dict(hidden_fields(page.text)), "email": "ana@example.org", "frequency": "weekly"}
    sent = client.post("/es/alerts", data=values)
    assert sent.status_code == 200 and "Revise su correo electrónico" in sent.text

    [confirmation] = alert_site.box.to("ana@example.org")
    assert confirmation["Subject"] == (
        "Confirme sus alertas por correo electrónico de Capacitaciones sobre trata de personas")
    assert "novedades y cambios en seminarios web, una vez por semana" in text_of(confirmation)
    assert confirmation["List-Unsubscribe"].startswith(f"<{BASE}/es/alerts/unsubscribe/")
    confirmed = client.get(spanish_link(confirmation, "confirm"))
    assert confirmed.status_code == 200 and "Sus alertas por correo electrónico están activas" in confirmed.text

    alert_site.write("labor-trafficking", NEW_WEBINAR)
    alert_site.edit(WEBINAR, 'start: "2027-03-02 14:00"\nend: "15:30"', 'start: "2027-02-02 13:00"\nend: "14:30"')
    alert_site.edit("interviewing-survivors", "online: true\n", "online: true\nstatus: cancelled\n")
    status, _output = alert_site.send("--now")
    assert status == 0
    [digest] = alert_site.box.digests("ana@example.org")
    assert digest["Subject"] == "Capacitaciones sobre trata de personas: 1 evento nuevo, 2 eventos con cambios"
    text = _spaced(text_of(digest))
    new, changed = text.split("\nNUEVOS\n")[1].split("\nCON CAMBIOS\n")
    assert "Labor Trafficking & <Forced> Work" in new and "6 de abril de 2027 | 1 p. m. ET | En línea" in new
    assert "La inscripción cierra el viernes, 8 de enero de 2027." in new
    assert f"{BASE}/es/events/labor-trafficking" in new
    assert "Screening Youth for Trafficking: cambia al martes, 2 de febrero de 2027, 1 p. m. ET" in changed
    assert "Interviewing Survivors: cancelado" in changed
    assert f"{BASE}/es/?type=webinar" in text and f"{BASE}/es/calendar.ics?type=webinar" in text
    assert "Cancelar la suscripción:" in text and "Unsubscribe" not in text
    html = _spaced(html_of(digest))
    assert '<html lang="es">' in html and f'href="{BASE}/es/events/labor-trafficking"' in html
    assert "cambia al martes, 2 de febrero de 2027" in html

    # One click from the mail provider, at the Spanish address the headers name.
    unsubscribe = digest["List-Unsubscribe"].strip("<>").removeprefix(BASE)
    assert unsubscribe.startswith("/es/alerts/unsubscribe/")
    assert "¿Cancelar las alertas por correo electrónico?" in client.get(unsubscribe).text
    provider = TestClient(alert_site.client.app, base_url="https://testserver")
    done = provider.post(unsubscribe, content=b"List-Unsubscribe=One-Click",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert done.status_code == 200 and "Se canceló su suscripción" in done.text
    assert not _rows(alert_site, "ana@example.org")


def _spaced(text: str) -> str:
    """Babel's Spanish times keep "1 p. m." together with no-break spaces: as a reader sees them."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def test_the_spanish_manage_page_and_its_errors_are_in_spanish(alert_site: AlertSite) -> None:
    alert_site.subscribe("ana@example.org")  # on the English pages: English e-mails
    assert _rows(alert_site, "ana@example.org")[0][-1] == "en"
    manage = "/es" + link(alert_site.box.to("ana@example.org")[0], "manage")
    page = alert_site.client.get(manage)
    assert page.status_code == 200 and '<html lang="es"' in page.text and "Una vez por semana" in page.text
    values = {"csrf_token": dict(hidden_fields(page.text))["csrf_token"], "type": "webinar", "frequency": "weekly"}
    assert alert_site.client.post(manage, data=values).status_code == 200
    assert _rows(alert_site, "ana@example.org")[0][-1] == "es"  # saved in Spanish: Spanish e-mails from now on
    missing = alert_site.client.get("/es/alerts/manage/no-such-link")
    assert missing.status_code == 404 and "No hay alertas por correo electrónico en este enlace" in missing.text
    refused = alert_site.client.post(manage, data={**values, "csrf_token": "forged"})
    assert refused.status_code == 403 and "Este formulario ha vencido" in refused.text


def test_a_store_made_before_languages_reads_as_english(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / ".alerts.sqlite"
    with sqlite3.connect(path) as db:  # the columns of a store made by the version before
        db.execute("CREATE TABLE subscriptions (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, query TEXT NOT NULL, "
                   "frequency TEXT NOT NULL, created_at REAL NOT NULL, asked_at REAL, confirmed_at REAL, "
                   "checked_at REAL, sent_at REAL, snapshot TEXT NOT NULL DEFAULT '{}', sending_id TEXT, "
                   "sending_snapshot TEXT, sending_token TEXT, sending_at REAL)")
        db.execute("CREATE TABLE tokens (digest TEXT PRIMARY KEY, subscription INTEGER NOT NULL, purpose TEXT NOT NULL, "
                   "query TEXT, frequency TEXT, created_at REAL NOT NULL, used_at REAL)")
        db.execute("INSERT INTO subscriptions (email, query, frequency, created_at, confirmed_at) "
                   "VALUES ('ana@example.org', 'type=webinar', 'weekly', 1, 1)")
    [subscription] = AlertStore(path).due(every=True)
    assert subscription.email == "ana@example.org" and subscription.lang == "en"


def test_a_contact_address_that_receives_mail_is_a_mailto_unsubscribe_too(
    tmp_path: Path, mailbox: tuple[Mailbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    box, port = mailbox
    site = make_alert_site(tmp_path, box, port, monkeypatch, 'publisher_email = "help@coalition-trainings.org"')
    confirmation = site.subscribe("ana@example.org")
    https, mailto = [part.strip().strip("<>") for part in confirmation["List-Unsubscribe"].split(",")]
    assert https.startswith(f"{BASE}/alerts/unsubscribe/")
    assert mailto == ("mailto:help@coalition-trainings.org?subject=unsubscribe&body="
                      + https.replace(":", "%3A").replace("/", "%2F"))
    assert confirmation["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # (The sample's contact, calendar@example.org, receives no mail: its messages name the https link
    # alone, as test_every_message_carries_its_one_click_unsubscribe checks.)
