"""`calendar-app sync` against partner calendars served by a real HTTP server on this machine.

The server listens on 127.0.0.1 (each source says `allow_private = true`, as a site syncing a
calendar on its own network would), serves feeds the tests change between runs, and answers
`304 Not Modified` to a request naming the ETag it gave, except under /plain/, which gives none.
Every site is a git work tree in a temporary folder, with the sync's fixed "today".
"""

from __future__ import annotations

import hashlib
import json
import stat
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import icalendar
import pytest
from fastapi.testclient import TestClient

from calendar_app.cli.main import main
from calendar_app.core.config import load_config
from calendar_app.core.frontmatter import split_front_matter
from calendar_app.desk.fetch import FetchPolicy, Validators, fetch_if_changed
from calendar_app.desk.pending import PUBLISHED, PendingQueue
from calendar_app.desk.sync import sync_sources
from calendar_app.desk.syncstate import last_runs
from calendar_app.web.app import create_app

TODAY = date(2027, 1, 15)


# --- feeds -----------------------------------------------------------------------------------------


def vevent(uid: str, summary: str, start: str, end: str | None = None, *, location: str = "Online (Zoom)",
           status: str | None = None, description: str | None = None, url: str | None = None) -> str:
    """One VEVENT; `start` and `end` as 20270301T140000 (New York time) or 20270310 (a day)."""
    def when(name: str, value: str) -> str:
        return f"{name};VALUE=DATE:{value}" if len(value) == 8 else f"{name};TZID=America/New_York:{value}"

    lines = ["BEGIN:VEVENT", f"UID:{uid}", "DTSTAMP:20261201T000000Z", f"SUMMARY:{summary}", when("DTSTART", start)]
    lines += [when("DTEND", end)] if end else []
    lines += [f"LOCATION:{location}"] + ([f"STATUS:{status}"] if status else [])
    lines += [f"DESCRIPTION:{description}"] if description else []
    lines += [f"URL:{url}"] if url else []
    return "\r\n".join([*lines, "END:VEVENT"])


def calendar(*events: str) -> bytes:
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Partner//Feed//EN\r\n"
    return (head + "".join(e + "\r\n" for e in events) + "END:VCALENDAR\r\n").encode()


WEBINAR = vevent("webinar@ovc.example.org", "Labor Trafficking Webinar", "20270301T140000", "20270301T150000",
                 description="Screening for labor trafficking.")
TRAINING = vevent("training@ovc.example.org", "Task Force Training", "20270310", "20270312",
                  location="Embassy Suites, Columbia, SC")
PAST = vevent("past@ovc.example.org", "December Roundtable", "20261210T100000", "20261210T113000")


# --- the server and the site -------------------------------------------------------------------------


class FeedServer:
    """Serves `feeds` by path: bytes, or a status number to answer with."""

    def __init__(self) -> None:
        self.feeds: dict[str, bytes | int] = {}
        self.asked: list[tuple[str, str | None, int]] = []  # path, If-None-Match, status answered
        self.hold: threading.Event | None = None  # when given, every answer waits until it is set
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # the library's name
        pass

    def do_GET(self) -> None:  # the library's name
        server: FeedServer = self.server.owner  # type: ignore[attr-defined]
        if server.hold is not None:
            server.hold.wait(60)  # a partner's slow server
        feed = server.feeds.get(self.path, 404)
        asked = self.headers.get("If-None-Match")
        if isinstance(feed, int):
            status, body, tag = feed, b"not a calendar", None
        else:
            status, body = 200, feed
            tag = None if self.path.startswith("/plain/") else f'"{hashlib.sha256(feed).hexdigest()[:16]}"'
            if tag is not None and asked == tag:
                status, body = 304, b""
        server.asked.append((self.path, asked, status))
        self.send_response(status)
        if tag is not None:
            self.send_header("ETag", tag)
            self.send_header("Last-Modified", "Tue, 01 Dec 2026 00:00:00 GMT")
        self.send_header("Content-Type", "text/calendar" if status == 200 else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    feeds = FeedServer()
    feeds.thread.start()
    yield feeds
    feeds.httpd.shutdown()
    feeds.httpd.server_close()


@dataclass
class Site:
    root: Path
    server: FeedServer
    capsys: pytest.CaptureFixture[str]
    out: str = ""
    err: str = ""
    sources: list[str] = field(default_factory=list)

    @property
    def events(self) -> Path:
        return self.root / "events"

    def source(self, source_id: str, path: str, *, mode: str = "publish", authority: str = "fields",
               extra: str = "") -> None:
        """Add a `[[sources]]` table for a feed this server serves at `path`."""
        url = self.server.url(path) if path.startswith("/") else None
        where = f'url = "{url}"' if url else f'path = "{path}"'
        self.sources.append(
            f'[[sources]]\nid = "{source_id}"\nname = "{source_id.upper()}"\n{where}\nmode = "{mode}"\n'
            f'authority = "{authority}"\nallow_private = true\n{extra}\n'
        )
        (self.root / "calendar.toml").write_text('[site]\nname = "Trainings"\n\n' + "\n".join(self.sources), "utf-8")

    def sync(self, *args: str) -> int:
        argv = ["sync", "--events", str(self.events), "--config", str(self.root / "calendar.toml"),
                "--today", TODAY.isoformat(), *args]
        self.capsys.readouterr()
        code = main(argv)
        self.out, self.err = self.capsys.readouterr()
        return code

    def file(self, slug: str) -> Path:
        (found,) = self.events.rglob(f"{slug}.md")
        return found

    def fields(self, slug: str) -> dict[str, object]:
        return split_front_matter(self.file(slug).read_text("utf-8"), slug).data

    def memory(self, source_id: str) -> dict[str, dict[str, object]]:
        return dict(json.loads((self.root / "sources" / f"{source_id}.json").read_text("utf-8"))["events"])

    def hashes(self, *, private: bool = False) -> dict[str, str]:
        """Every file of the site by its path, and its hash; without git's and (unless asked) the
        private state beside the configuration, whose names start with a dot."""
        return {
            str(p.relative_to(self.root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(self.root.rglob("*"))
            if p.is_file() and ".git" not in p.relative_to(self.root).parts
            and (private or not p.name.startswith("."))
        }

    def commits(self) -> list[str]:
        log = subprocess.run(["git", "-C", str(self.root), "log", "--format=%s"], capture_output=True, text=True,
                             check=True)
        return log.stdout.splitlines()

    def write_event(self, slug: str, text: str) -> None:
        path = self.events / "2027" / f"{slug}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")


@pytest.fixture
def site(tmp_path: Path, server: FeedServer, capsys: pytest.CaptureFixture[str]) -> Site:
    root = tmp_path / "site"
    (root / "events").mkdir(parents=True)
    (root / "calendar.toml").write_text('[site]\nname = "Trainings"\n', "utf-8")
    for argv in (["init", "-q"], ["config", "user.name", "Site"], ["config", "user.email", "site@example.org"]):
        subprocess.run(["git", "-C", str(root), *argv], check=True)
    (root / ".gitignore").write_text(".*\n!.gitignore\npending/\ntrash/\n", "utf-8")
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(root), "commit", "-q", "-m", "The site"], check=True)
    return Site(root, server, capsys)


# --- the first sync, and changes at the source ---------------------------------------------------------


def test_the_first_sync_writes_event_files_that_say_where_they_came_from(site: Site) -> None:
    site.server.feeds["/ovc.ics"] = calendar(WEBINAR, TRAINING)
    site.source("ovc-ttac", "/ovc.ics", extra='[sources.defaults]\nsponsors = ["OVC"]\nregion = "SC"\n')
    assert site.sync() == 0
    assert "ovc-ttac (OVC-TTAC): 2 new; 0 unchanged, 0 skipped, 0 refused" in site.out
    webinar = site.fields("labor-trafficking-webinar")
    assert webinar["source"] == {"id": "ovc-ttac", "uid": "webinar@ovc.example.org"}
    assert webinar["uid"] == "webinar@ovc.example.org" and webinar["sponsors"] == ["OVC"]
    assert webinar["start"] == "2027-03-01 14:00" and webinar["online"] == {"platform": "Zoom"}
    assert "location" not in webinar  # an online event is given no region
    training = site.fields("task-force-training")
    assert training["location"] == {"venue": "Embassy Suites, Columbia, SC"}  # it names its region already
    memory = site.memory("ovc-ttac")
    assert memory["webinar@ovc.example.org"]["slug"] == "labor-trafficking-webinar"
    assert "sponsors" not in memory["webinar@ovc.example.org"]["base"]  # the defaults are the site's
    text = (site.root / "sources" / "ovc-ttac.json").read_text("utf-8")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert site.commits() == ["Sync: ovc-ttac 2 new", "The site"]


def test_events_added_moved_and_cancelled_at_the_source(site: Site) -> None:
    site.server.feeds["/ovc.ics"] = calendar(WEBINAR, TRAINING)
    site.source("ovc-ttac", "/ovc.ics")
    assert site.sync() == 0
    moved = WEBINAR.replace("20270301T140000", "20270302T140000").replace("20270301T150000", "20270302T150000")
    added = vevent("new@ovc.example.org", "Youth Screening Workshop", "20270405T090000", "20270405T120000")
    site.server.feeds["/ovc.ics"] = calendar(moved, TRAINING.replace("LOCATION", "STATUS:CANCELLED\r\nLOCATION"),
                                             added)
    assert site.sync() == 0
    assert "1 new, 1 updated, 1 cancelled; 0 unchanged" in site.out
    assert "updated: Labor Trafficking Webinar  (events/" in site.out or "updated: Labor Trafficking Webinar" in site.out
    webinar = site.fields("labor-trafficking-webinar")
    assert (webinar["start"], webinar["sequence"]) == ("2027-03-02 14:00", "1")
    training = site.fields("task-force-training")
    assert (training["status"], training["sequence"]) == ("cancelled", "1")
    assert site.fields("youth-screening-workshop")["source"] == {"id": "ovc-ttac", "uid": "new@ovc.example.org"}
    assert site.commits()[0] == "Sync: ovc-ttac 1 new, 1 updated, 1 cancelled"


def test_an_event_gone_from_the_source_is_cancelled_if_still_to_come(site: Site) -> None:
    site.server.feeds["/ovc.ics"] = calendar(WEBINAR, TRAINING, PAST)
    site.source("ovc-ttac", "/ovc.ics")
    assert site.sync() == 0
    past = site.file("december-roundtable").read_bytes()
    site.server.feeds["/ovc.ics"] = calendar(TRAINING)
    assert site.sync() == 0
    webinar = site.fields("labor-trafficking-webinar")
    assert webinar["status"] == "cancelled" and webinar["sequence"] == "1"
    assert webinar["status_note"] == "No longer in OVC-TTAC's calendar."
    assert site.file("december-roundtable").read_bytes() == past  # past: left as it was
    assert "1 cancelled; 1 unchanged" in site.out
    # Back in the calendar, it is scheduled again; nothing is ever deleted.
    site.server.feeds["/ovc.ics"] = calendar(WEBINAR, TRAINING)
    assert site.sync() == 0
    webinar = site.fields("labor-trafficking-webinar")
    assert "status" not in webinar and "status_note" not in webinar and webinar["sequence"] == "2"
    assert len(list(site.events.rglob("*.md"))) == 3


LOCAL_EDIT = ("title: Labor Trafficking Webinar", "title: Labor Trafficking Webinar (OVC)")


@pytest.mark.parametrize(("authority", "title", "url"), [
    ("fields", "Labor Trafficking Webinar (OVC)", "https://ovc.example.org/new"),  # field by field: the site's title
    ("local", "Labor Trafficking Webinar (OVC)", None),  # edited here: left alone
    ("source", "Labor Trafficking Webinar: Part One", "https://ovc.example.org/new"),  # the calendar's
])
def test_a_local_edit_and_the_authority(site: Site, authority: str, title: str, url: str | None) -> None:
    site.server.feeds["/ovc.ics"] = calendar(WEBINAR)
    site.source("ovc-ttac", "/ovc.ics", authority=authority)
    assert site.sync() == 0
    path = site.file("labor-trafficking-webinar")
    edited = path.read_text("utf-8").replace(*LOCAL_EDIT).replace("\nuid:", "\ntopics: [screening]\nuid:", 1)
    path.write_text(edited, "utf-8")
    changed = WEBINAR.replace("SUMMARY:Labor Trafficking Webinar", "SUMMARY:Labor Trafficking Webinar: Part One")
    site.server.feeds["/ovc.ics"] = calendar(changed.replace("LOCATION", "URL:https://ovc.example.org/new\r\nLOCATION"))
    assert site.sync() == 0
    fields = site.fields("labor-trafficking-webinar")
    assert (fields["title"], fields.get("url")) == (title, url)
    assert fields["topics"] == ["screening"]  # a field the calendar never gives is the site's
    if authority == "local":
        assert path.read_text("utf-8") == edited
        assert "edited on this site" in site.out


# --- failures ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("broken", [500, b"<html>Maintenance</html>"], ids=["server-error", "not-icalendar"])
def test_a_broken_feed_fails_alone(site: Site, broken: int | bytes) -> None:
    site.server.feeds["/ovc.ics"] = calendar(WEBINAR)
    site.server.feeds["/task-force.ics"] = calendar(TRAINING)
    site.source("ovc-ttac", "/ovc.ics")
    site.source("task-force", "/task-force.ics")
    assert site.sync("--source", "ovc-ttac") == 0
    before = site.hashes()
    site.server.feeds["/ovc.ics"] = broken
    assert site.sync() == 1
    assert "ovc-ttac (OVC-TTAC): failed: http://127.0.0.1:" in site.out
    assert "task-force (TASK-FORCE): 1 new" in site.out
    assert "ovc-ttac could not be synced; nothing of it was changed" in site.err
    if broken != 500:  # a web page in place of the calendar, said in words, without the page repeated
        assert "/ovc.ics: the address answered with a web page (HTML), not an iCalendar file" in site.out
        assert "Maintenance" not in site.out
    after = site.hashes()
    assert {k: v for k, v in after.items() if k in before} == before  # nothing of the broken source changed
    assert set(after) - set(before) == {"events/2027/task-force-training.md", "sources/task-force.json"}
    assert site.commits()[0] == "Sync: task-force 1 new"
    runs = {run.source_id: run for run in last_runs(site.root)}
    assert runs["ovc-ttac"].failed and runs["ovc-ttac"].errors[0].startswith("http://127.0.0.1:")
    assert runs["task-force"].counts["new"] == 1 and not runs["task-force"].failed


def test_a_broken_event_is_refused_and_the_others_come_in(site: Site) -> None:
    unknown_zone = vevent("mars@ovc.example.org", "Olympus Summit", "20270301T140000").replace(
        "TZID=America/New_York", "TZID=Mars/Olympus")
    site.server.feeds["/ovc.ics"] = calendar(unknown_zone, WEBINAR)
    site.source("ovc-ttac", "/ovc.ics")
    assert site.sync() == 0
    assert "1 new; 0 unchanged, 0 skipped, 1 refused" in site.out
    assert "refused: Olympus Summit: " in site.out
    assert [p.name for p in site.events.rglob("*.md")] == ["labor-trafficking-webinar.md"]
    assert last_runs(site.root)[0].errors[0].startswith("Olympus Summit: ")


def test_a_source_on_a_loopback_address_needs_allow_private(site: Site) -> None:
    site.server.feeds["/ovc.ics"] = calendar(WEBINAR)
    site.source("ovc-ttac", "/ovc.ics")
    toml = site.root / "calendar.toml"
    toml.write_text(toml.read_text("utf-8").replace("allow_private = true", "allow_private = false"), "utf-8")
    assert site.sync() == 1
    assert "refused: 127.0.0.1 is a loopback address" in site.out
    assert "set allow_private = true in its [[sources]] table" in site.out and "--allow-host" not in site.out
    assert site.server.asked == []


# --- nothing new ------------------------------------------------------------------------------------


def test_an_unchanged_feed_is_not_read_again(site: Site) -> None:
    site.server.feeds["/ovc.ics"] = calendar(WEBINAR, TRAINING)
    site.source("ovc-ttac", "/ovc.ics")
    assert site.sync() == 0
    before, commits = site.hashes(), site.commits()
    assert site.sync() == 0
    assert site.server.asked[-1] == ("/ovc.ics", site.server.asked[0][1] or site.server.asked[-1][1], 304)
    assert site.server.asked[-1][1] is not None  # it named the copy it had
    assert "ovc-ttac (OVC-TTAC): not changed since the last sync" in site.out
    assert (site.hashes(), site.commits()) == (before, commits)
    assert last_runs(site.root)[0].not_modified


def test_fetch_if_changed_answers_none_for_a_304(server: FeedServer) -> None:
    server.feeds["/ovc.ics"] = calendar(WEBINAR)
    policy = FetchPolicy(allow_private=True)
    first = fetch_if_changed(server.url("/ovc.ics"), Validators(), policy)
    assert first.data == calendar(WEBINAR) and first.validators.etag and first.validators.last_modified
    again = fetch_if_changed(server.url("/ovc.ics"), first.validators, policy)
    assert again.not_modified and again.validators == first.validators
    server.feeds["/ovc.ics"] = calendar(WEBINAR, TRAINING)
    assert fetch_if_changed(server.url("/ovc.ics"), first.validators, policy).data == calendar(WEBINAR, TRAINING)


def test_a_second_identical_sync_changes_no_byte_and_makes_no_commit(site: Site) -> None:
    site.server.feeds["/plain/ovc.ics"] = calendar(WEBINAR, TRAINING, PAST)  # no ETag: read whole each time
    (site.root / "partner.ics").write_bytes(calendar(vevent("file@partner.example.org", "Prosecutors' Seminar",
                                                            "20270501T100000", "20270501T120000")))
    site.source("ovc-ttac", "/plain/ovc.ics")
    site.source("partner", "partner.ics")  # a file, relative to the configuration
    assert site.sync() == 0
    assert site.commits()[0] == "Sync: ovc-ttac 3 new; partner 1 new"
    before, commits = site.hashes(), site.commits()
    assert site.sync() == 0
    assert "ovc-ttac (OVC-TTAC): no changes; 3 unchanged" in site.out and "partner (PARTNER): no changes" in site.out
    assert site.hashes() == before and site.commits() == commits
    assert [status for _path, _tag, status in site.server.asked] == [200, 200]


def test_one_commit_per_sync_with_what_it_did(site: Site) -> None:
    site.server.feeds["/ovc.ics"] = calendar(WEBINAR)
    site.server.feeds["/task-force.ics"] = calendar(TRAINING)
    site.source("ovc-ttac", "/ovc.ics")
    site.source("task-force", "/task-force.ics")
    assert site.sync() == 0
    site.server.feeds["/ovc.ics"] = calendar(WEBINAR.replace("Webinar", "Webinar Series"))
    site.server.feeds["/task-force.ics"] = calendar(TRAINING.replace("LOCATION", "STATUS:CANCELLED\r\nLOCATION"))
    assert site.sync() == 0
    assert site.commits() == ["Sync: ovc-ttac 1 updated; task-force 1 cancelled", "Sync: ovc-ttac 1 new; task-force 1 new",
                              "The site"]
    shown = subprocess.run(["git", "-C", str(site.root), "show", "--name-only", "--format=%an", "HEAD"],
                           capture_output=True, text=True, check=True).stdout.split()
    assert shown == ["calendar-app", "sync", "events/2027/labor-trafficking-webinar.md",
                     "events/2027/task-force-training.md", "sources/ovc-ttac.json", "sources/task-force.json"]


# --- review, the same event twice, one source, a dry run ------------------------------------------------


def test_review_mode_queues_new_events_once(site: Site) -> None:
    site.server.feeds["/plain/ovc.ics"] = calendar(WEBINAR, TRAINING)
    site.source("ovc-ttac", "/plain/ovc.ics", mode="review")
    assert site.sync() == 0 and site.sync() == 0
    queue = PendingQueue(site.root / "pending", site.root / "trash")
    items = queue.waiting()
    assert sorted(item.title for item in items) == ["Labor Trafficking Webinar", "Task Force Training"]
    assert {item.kind for item in items} == {"sync"} and list(site.events.rglob("*.md")) == []
    assert site.commits()[0] == "Sync: ovc-ttac 2 queued for review"
    assert {entry["state"] for entry in site.memory("ovc-ttac").values()} == {"pending"}
    # A coordinator publishes one as it is (the form may drop `source:`), rejects the other.
    webinar = next(item for item in items if item.title == "Labor Trafficking Webinar")
    site.write_event("webinar", webinar.text.replace("source:\n  id: ovc-ttac\n  uid: webinar@ovc.example.org\n", ""))
    queue.decide(webinar.id, PUBLISHED, by="Ana Ruiz", slug="webinar")
    queue.decide(next(i for i in items if i is not webinar).id, "rejected", by="Ana Ruiz", reason="Out of scope")
    site.server.feeds["/plain/ovc.ics"] = calendar(WEBINAR.replace("20270301T150000", "20270301T160000"), TRAINING)
    assert site.sync() == 0
    assert site.fields("webinar")["end"] == "16:00" and site.fields("webinar")["source"]["uid"] == (  # type: ignore[index]
        "webinar@ovc.example.org")
    assert queue.waiting() == [] and "1 updated" in site.out
    assert {uid: entry["state"] for uid, entry in site.memory("ovc-ttac").items()} == {
        "webinar@ovc.example.org": "published", "training@ovc.example.org": "dismissed"}


HAND_MADE = """\
---
title: "Trata laboral: identificación de víctimas"
type: webinar
start: 2027-03-03 14:00
end: "15:00"
timezone: America/New_York
online: true
---
Made by hand.
"""


def test_the_same_event_from_two_sources_and_by_hand_is_listed_once(site: Site) -> None:
    site.write_event("trata-laboral", HAND_MADE)
    shared = vevent("shared@a.example.org", "Human Trafficking 101", "20270320T130000", "20270320T140000")
    site.server.feeds["/a.ics"] = calendar(shared, vevent("trata@a.example.org", "TRATA LABORAL - IDENTIFICACION DE "
                                                          "VICTIMAS", "20270303T140000", "20270303T150000"))
    site.server.feeds["/b.ics"] = calendar(shared.replace("shared@a", "other-uid@b").replace(
        "Human Trafficking 101", "Cancelled: Human Traficking 101"))
    site.source("a", "/a.ics")
    site.source("b", "/b.ics")
    assert site.sync() == 0
    assert "skipped: TRATA LABORAL - IDENTIFICACION DE VICTIMAS: the same event as trata-laboral" in site.out
    assert "skipped: Cancelled: Human Traficking 101: the same event as human-trafficking-101" in site.out or (
        "skipped: Human Traficking 101: the same event as human-trafficking-101" in site.out)
    assert sorted(p.stem for p in site.events.rglob("*.md")) == ["human-trafficking-101", "trata-laboral"]
    assert site.memory("b")["other-uid@b.example.org"] == {**site.memory("b")["other-uid@b.example.org"],
                                                           "state": "same", "slug": "human-trafficking-101"}
    assert site.sync() == 0 and sorted(p.stem for p in site.events.rglob("*.md")) == ["human-trafficking-101",
                                                                                     "trata-laboral"]


def test_a_likely_duplicate_waits_in_review_flagged(site: Site) -> None:
    site.write_event("trata-laboral", HAND_MADE)
    site.server.feeds["/a.ics"] = calendar(vevent("trata@a.example.org", "Trata laboral: identificacion de victimas!",
                                                  "20270303T140000", "20270303T150000"))
    site.source("a", "/a.ics", mode="review")
    assert site.sync() == 0
    (item,) = PendingQueue(site.root / "pending", site.root / "trash").waiting()
    assert "likely the same event as trata-laboral, on the site already" in item.text
    assert item.name == "A (calendar sync; likely the same event as trata-laboral, on the site already)"
    assert split_front_matter(item.text, "item").data["source"] == {"id": "a", "uid": "trata@a.example.org"}


def test_match_lets_in_only_the_events_that_name_a_word(site: Site) -> None:
    site.server.feeds["/ovc.ics"] = calendar(WEBINAR, TRAINING, *(
        vevent(f"other{n}@ovc.example.org", f"Grant Writing {n}", f"202703{10 + n}T100000") for n in range(4)))
    site.source("ovc-ttac", "/ovc.ics", extra='match = ["LABOR", "task force"]\n')
    assert site.sync() == 0
    assert sorted(p.stem for p in site.events.rglob("*.md")) == ["labor-trafficking-webinar", "task-force-training"]
    assert "skipped: 4 events: names none of the words of `match`" in site.out


def test_only_the_named_source_and_a_dry_run_that_writes_nothing(site: Site) -> None:
    site.server.feeds["/ovc.ics"] = calendar(WEBINAR)
    site.server.feeds["/task-force.ics"] = calendar(TRAINING)
    site.source("ovc-ttac", "/ovc.ics")
    site.source("task-force", "/task-force.ics")
    before = site.hashes(private=True)
    assert site.sync("--dry-run") == 0
    assert site.out.startswith("Dry run: nothing is written.")
    assert "would be new: Labor Trafficking Webinar  (events/" in site.out or "would be new: Labor Trafficking" in site.out
    assert site.hashes(private=True) == before and site.commits() == ["The site"]
    assert site.sync("--source", "task-force") == 0
    assert "ovc-ttac" not in site.out and sorted(p.stem for p in site.events.rglob("*.md")) == ["task-force-training"]
    assert site.sync("--source", "nope") == 1
    assert "no source 'nope' in the configuration; known: ovc-ttac, task-force" in site.err


def test_a_configuration_without_sources_says_how_to_add_one(site: Site) -> None:
    assert site.sync() == 2
    assert "names no partner calendars" in site.err and "[[sources]]" in site.err


# --- what readers and coordinators see ---------------------------------------------------------------


def test_the_feed_and_the_listing_show_what_the_sources_say(site: Site) -> None:
    site.server.feeds["/ovc.ics"] = calendar(WEBINAR, TRAINING)
    site.source("ovc-ttac", "/ovc.ics")
    assert site.sync() == 0
    site.server.feeds["/ovc.ics"] = calendar(WEBINAR.replace("Webinar", "Webinar Series"))
    assert site.sync() == 0
    config = load_config(site.root / "calendar.toml")
    client = TestClient(create_app(config, site.events, today=TODAY, watch=False, state_dir=site.root, cache_dir=None))
    feed = icalendar.Calendar.from_ical(client.get("/calendar.ics").content)
    shown = {str(e["UID"]): (str(e["SUMMARY"]), str(e.get("STATUS")), int(e["SEQUENCE"])) for e in feed.walk("VEVENT")}
    assert shown == {
        "webinar@ovc.example.org": ("Labor Trafficking Webinar Series", "CONFIRMED", 0),
        "training@ovc.example.org": ("Cancelled: Task Force Training", "CANCELLED", 1),
    }
    page = client.get("/").text
    assert "Labor Trafficking Webinar Series" in page and "Task Force Training" in page
    assert page.count("Labor Trafficking Webinar") == page.count("Labor Trafficking Webinar Series")


def test_last_runs_says_when_and_what_for_each_source(site: Site) -> None:
    site.server.feeds["/ovc.ics"] = calendar(WEBINAR, TRAINING)
    site.source("ovc-ttac", "/ovc.ics")
    assert last_runs(site.root) == []
    config = load_config(site.root / "calendar.toml")
    report = sync_sources(config, site.events, site.root, today=TODAY)
    assert not report.failed and report.commit == "Sync: ovc-ttac 2 new"
    (run,) = last_runs(site.root)
    assert (run.source_id, run.name, run.failed, run.errors) == ("ovc-ttac", "OVC-TTAC", False, ())
    assert run.counts == {"new": 2, "queued": 0, "updated": 0, "unchanged": 0, "cancelled": 0, "skipped": 0,
                          "refused": 0}
    assert run.time.tzinfo is not None
    assert stat.S_IMODE((site.root / ".sync-runs.json").stat().st_mode) == 0o600  # private state


# --- what the site did meanwhile ------------------------------------------------------------------


def test_an_event_deleted_on_the_site_is_not_brought_back(site: Site) -> None:
    site.server.feeds["/ovc.ics"] = calendar(WEBINAR, TRAINING)
    site.source("ovc-ttac", "/ovc.ics")
    assert site.sync() == 0
    site.file("task-force-training").unlink()
    site.server.feeds["/ovc.ics"] = calendar(WEBINAR, TRAINING.replace("20270312", "20270313"))
    assert site.sync() == 0
    assert "skipped: Task Force Training: task-force-training was deleted on this site; not brought back" in site.out
    assert [p.stem for p in site.events.rglob("*.md")] == ["labor-trafficking-webinar"]
    assert site.memory("ovc-ttac")["training@ovc.example.org"]["state"] == "deleted"


@pytest.mark.parametrize("authority", ["fields", "source"])
def test_a_lost_memory_is_found_again_in_the_files(site: Site, authority: str) -> None:
    site.server.feeds["/plain/ovc.ics"] = calendar(WEBINAR, TRAINING)
    site.source("ovc-ttac", "/plain/ovc.ics", authority=authority)
    assert site.sync() == 0
    (site.root / "sources" / "ovc-ttac.json").unlink()
    site.server.feeds["/plain/ovc.ics"] = calendar(WEBINAR.replace("Webinar", "Webinar Series"))
    assert site.sync() == 0
    # What the calendar said before is not known: the title it now gives may be its change or an
    # edit made here. Only `source` lets the calendar's win; gone from it, the event is cancelled all the same.
    title = "Labor Trafficking Webinar Series" if authority == "source" else "Labor Trafficking Webinar"
    assert site.fields("labor-trafficking-webinar")["title"] == title
    assert site.fields("task-force-training")["status"] == "cancelled"
    if authority == "source":
        assert "1 updated, 1 cancelled; 0 unchanged" in site.out
        assert "note: no memory of ovc-ttac: differences taken from the calendar (authority = \"source\")" in site.out
    else:
        assert "1 cancelled; 1 unchanged" in site.out
        assert "kept local: Labor Trafficking Webinar: title (it differs from the calendar's)" in site.out
        assert "note: no memory of ovc-ttac: differences kept as edited here" in site.out
    assert len(list(site.events.rglob("*.md"))) == 2 and set(site.memory("ovc-ttac")) == {
        "webinar@ovc.example.org", "training@ovc.example.org"}
    # Back in the calendar, it is scheduled again.
    site.server.feeds["/plain/ovc.ics"] = calendar(WEBINAR.replace("Webinar", "Webinar Series"), TRAINING)
    assert site.sync() == 0
    assert "status" not in site.fields("task-force-training")


def test_a_lost_memory_keeps_the_edits_made_here(site: Site) -> None:
    site.server.feeds["/plain/ovc.ics"] = calendar(WEBINAR)
    site.source("ovc-ttac", "/plain/ovc.ics")
    assert site.sync() == 0
    path = site.file("labor-trafficking-webinar")
    path.write_text(path.read_text("utf-8").replace(*LOCAL_EDIT).replace("end: '15:00'", "end: '15:30'"), "utf-8")
    (site.root / "sources" / "ovc-ttac.json").unlink()
    edited = path.read_bytes()
    assert site.sync() == 0
    assert path.read_bytes() == edited  # the calendar did not change: nothing of the edits is undone
    assert "no changes; 1 unchanged" in site.out
    assert "kept local: Labor Trafficking Webinar (OVC): end, title (they differ from the calendar's)" in site.out
    assert site.commits()[0] == "Sync: ovc-ttac memory updated: 1 event remembered anew"
    # The calendar's values are the base from now on: its next change comes in, the edits stay.
    site.server.feeds["/plain/ovc.ics"] = calendar(WEBINAR.replace("LOCATION", "URL:https://ovc.example.org/w\r\nLOCATION"))
    assert site.sync() == 0
    assert "1 updated" in site.out and "kept local" not in site.out and "no memory" not in site.out
    fields = site.fields("labor-trafficking-webinar")
    assert (fields["title"], fields["end"], fields["url"]) == ("Labor Trafficking Webinar (OVC)", "15:30",
                                                                 "https://ovc.example.org/w")


def test_an_event_given_a_new_uid_by_its_calendar_stays_one_event(site: Site) -> None:
    site.server.feeds["/ovc.ics"] = calendar(WEBINAR, TRAINING)
    site.source("ovc-ttac", "/ovc.ics")
    assert site.sync() == 0
    site.server.feeds["/ovc.ics"] = calendar(WEBINAR.replace("webinar@ovc", "webinar-2@ovc"), TRAINING)
    assert site.sync() == 0
    webinar = site.fields("labor-trafficking-webinar")
    assert webinar["source"] == {"id": "ovc-ttac", "uid": "webinar-2@ovc.example.org"} and "status" not in webinar
    assert len(list(site.events.rglob("*.md"))) == 2
    assert set(site.memory("ovc-ttac")) == {"webinar-2@ovc.example.org", "training@ovc.example.org"}


def test_an_event_already_cancelled_is_not_brought_in(site: Site) -> None:
    site.server.feeds["/ovc.ics"] = calendar(WEBINAR.replace("LOCATION", "STATUS:CANCELLED\r\nLOCATION"))
    site.source("ovc-ttac", "/ovc.ics")
    assert site.sync() == 0
    assert "skipped: Labor Trafficking Webinar: cancelled in the calendar before it came in" in site.out
    assert list(site.events.rglob("*.md")) == []


def test_one_sync_at_a_time(site: Site) -> None:
    from filelock import FileLock

    site.server.feeds["/ovc.ics"] = calendar(WEBINAR)
    site.source("ovc-ttac", "/ovc.ics")
    with FileLock(str(site.root / ".calendar-sync.lock")):
        assert site.sync() == 1
    assert "calendar-app: another sync of this site is under way" in site.err
    assert list(site.events.rglob("*.md")) == [] and site.server.asked == []


# --- a calendar cut short or emptied --------------------------------------------------------------


def test_a_calendar_cut_short_cannot_be_read_and_changes_nothing(site: Site) -> None:
    site.server.feeds["/ovc.ics"] = calendar(WEBINAR, TRAINING)
    site.source("ovc-ttac", "/ovc.ics")
    assert site.sync() == 0
    before, commits = site.hashes(), site.commits()
    whole = calendar(WEBINAR, TRAINING)
    site.server.feeds["/ovc.ics"] = whole[: whole.index(b"END:VCALENDAR")]  # the download stopped early
    assert site.sync() == 1
    assert ("ovc-ttac (OVC-TTAC): failed: http://127.0.0.1:" in site.out
            and "/ovc.ics: cannot be read: it stops before the end of its calendar (no END:VCALENDAR)" in site.out)
    assert "No longer in" not in site.out and "cancelled" not in site.out
    assert "ovc-ttac could not be synced; nothing of it was changed" in site.err
    assert (site.hashes(), site.commits()) == (before, commits)


def test_a_calendar_that_comes_back_empty_cancels_nothing(site: Site) -> None:
    site.server.feeds["/ovc.ics"] = calendar(WEBINAR, TRAINING, PAST)
    site.source("ovc-ttac", "/ovc.ics")
    assert site.sync() == 0
    before, commits = site.hashes(), site.commits()
    site.server.feeds["/ovc.ics"] = calendar()
    assert site.sync() == 1
    assert ("ovc-ttac (OVC-TTAC): failed: the calendar came back empty; nothing cancelled (2 upcoming events from "
            "it stay as they are). Hint: if OVC-TTAC has really removed every event, cancel them here") in site.out
    assert (site.hashes(), site.commits()) == (before, commits)
    assert last_runs(site.root)[0].failed
    # Once none of its events is still to come (cancelled here, or over), an empty calendar is taken as it is.
    for slug in ("labor-trafficking-webinar", "task-force-training"):
        path = site.file(slug)
        path.write_text(path.read_text("utf-8").replace("\nuid:", "\nstatus: cancelled\nuid:", 1), "utf-8")
    assert site.sync() == 0
    assert "ovc-ttac (OVC-TTAC): no changes" in site.out


def test_the_memory_is_readable_by_all_and_the_runs_stay_private(site: Site) -> None:
    site.server.feeds["/ovc.ics"] = calendar(WEBINAR)
    site.source("ovc-ttac", "/ovc.ics")
    assert site.sync() == 0
    assert stat.S_IMODE((site.root / "sources" / "ovc-ttac.json").stat().st_mode) == 0o644  # in git, nothing private
    assert stat.S_IMODE((site.root / ".sync-runs.json").stat().st_mode) == 0o600


def test_a_new_etag_with_the_same_events_writes_nothing(site: Site) -> None:
    site.server.feeds["/ovc.ics"] = calendar(WEBINAR, TRAINING)
    site.source("ovc-ttac", "/ovc.ics")
    assert site.sync() == 0
    before, commits = site.hashes(), site.commits()
    site.server.feeds["/ovc.ics"] = calendar(WEBINAR, TRAINING).replace(b"DTSTAMP:20261201", b"DTSTAMP:20261202")
    assert site.sync() == 0
    assert site.server.asked[-1][2] == 200  # read whole: a new copy, with a new ETag
    assert "ovc-ttac (OVC-TTAC): no changes; 2 unchanged" in site.out and "memory" not in site.out
    assert (site.hashes(), site.commits()) == (before, commits)  # a sync that changes nothing commits nothing


# --- a series' sessions -------------------------------------------------------------------------------


def session(day: int, *, hour: int = 10, moved_to: int | None = None, status: str | None = None) -> str:
    """A changed session of SERIES: the one of March `day` at `hour`, moved to `moved_to` o'clock or given `status`."""
    start = f"202703{day:02d}T{moved_to or hour:02d}0000"
    end = f"202703{day:02d}T{(moved_to or hour) + 1:02d}0000"
    lines = ["BEGIN:VEVENT", "UID:call@ovc.example.org", "DTSTAMP:20261201T000000Z", "SUMMARY:Task Force Call",
             f"RECURRENCE-ID;TZID=America/New_York:202703{day:02d}T{hour:02d}0000",
             f"DTSTART;TZID=America/New_York:{start}", f"DTEND;TZID=America/New_York:{end}"]
    return "\r\n".join([*lines, *([f"STATUS:{status}"] if status else []), "END:VEVENT"])


SERIES = vevent("call@ovc.example.org", "Task Force Call", "20270301T100000", "20270301T110000").replace(
    "LOCATION", "RRULE:FREQ=WEEKLY;COUNT=4\r\nLOCATION")


def changes_of(site: Site, slug: str) -> dict[str, dict[str, str]]:
    return {str(c["occurrence"]): c for c in site.fields(slug).get("changes", [])}  # type: ignore[attr-defined]


def test_sessions_are_merged_one_by_one(site: Site) -> None:
    site.server.feeds["/ovc.ics"] = calendar(SERIES, session(8, moved_to=14), session(15, moved_to=12))
    site.source("ovc-ttac", "/ovc.ics")
    assert site.sync() == 0
    # Here, the session of March 8 is moved again, and the series retitled.
    path = site.file("task-force-call")
    path.write_text(path.read_text("utf-8").replace("start: 2027-03-08 14:00", "start: 2027-03-08 15:00").replace(
        "title: Task Force Call", "title: Midlands Task Force Call"), "utf-8")
    # The calendar moves both sessions, and cancels a third.
    site.server.feeds["/ovc.ics"] = calendar(SERIES, session(8, moved_to=16), session(15, moved_to=13),
                                             session(22, status="CANCELLED"))
    assert site.sync() == 0
    changes = changes_of(site, "task-force-call")
    assert changes["2027-03-08 10:00"]["start"] == "2027-03-08 15:00"  # the edit made here stands
    assert changes["2027-03-15 10:00"]["start"] == "2027-03-15 13:00"  # the calendar's other changes come in
    assert changes["2027-03-22 10:00"]["status"] == "cancelled"
    assert "1 updated; 0 unchanged" in site.out
    assert ("kept local: Midlands Task Force Call: changes[2027-03-08 10:00] (the partner changed it too)"
            in site.out)
    # A change to the edited session alone: nothing to write, and the report says what the memory records.
    site.server.feeds["/ovc.ics"] = calendar(SERIES, session(8, moved_to=17), session(15, moved_to=13),
                                             session(22, status="CANCELLED"))
    before = site.file("task-force-call").read_bytes()
    assert site.sync() == 0
    assert site.file("task-force-call").read_bytes() == before
    assert "no changes; 1 unchanged" in site.out and "kept local: Midlands Task Force Call: changes[" in site.out
    assert "memory updated: what the calendar says of 1 event" in site.out
    assert site.commits()[0] == "Sync: ovc-ttac memory updated: what the calendar says of 1 event"


def test_a_series_with_a_cancelled_session_can_be_cancelled(site: Site) -> None:
    site.server.feeds["/ovc.ics"] = calendar(SERIES, session(15, status="CANCELLED"), WEBINAR)
    site.source("ovc-ttac", "/ovc.ics")
    assert site.sync() == 0
    site.server.feeds["/ovc.ics"] = calendar(WEBINAR)
    assert site.sync() == 0
    assert "1 cancelled; 1 unchanged, 0 skipped, 0 refused" in site.out
    fields = site.fields("task-force-call")
    assert (fields["status"], fields["status_note"]) == ("cancelled", "No longer in OVC-TTAC's calendar.")
    assert changes_of(site, "task-force-call")["2027-03-15 10:00"]["status"] == "cancelled"  # kept, should it return
    # Back in the calendar: scheduled again, with its one session cancelled.
    site.server.feeds["/ovc.ics"] = calendar(SERIES, session(15, status="CANCELLED"), WEBINAR)
    assert site.sync() == 0
    assert "status" not in site.fields("task-force-call")
    assert changes_of(site, "task-force-call")["2027-03-15 10:00"]["status"] == "cancelled"


def test_an_event_that_cannot_be_updated_fails_the_run(site: Site) -> None:
    site.server.feeds["/ovc.ics"] = calendar(SERIES, WEBINAR)
    site.source("ovc-ttac", "/ovc.ics")
    assert site.sync() == 0
    path = site.file("task-force-call")
    path.write_text(path.read_text("utf-8").replace("\nuid:", "\nexcept: ['2027-03-22 10:00']\nuid:", 1), "utf-8")
    edited = path.read_bytes()
    # The calendar changes the session skipped here: the two cannot both stand.
    site.server.feeds["/ovc.ics"] = calendar(SERIES, session(22, moved_to=14), WEBINAR.replace("Webinar", "Webinar II"))
    assert site.sync() == 1
    assert "1 updated; 0 unchanged, 0 skipped, 1 refused" in site.out
    assert "  not updated: Task Force Call: does not validate: changes[0].occurrence: 2027-03-22 10:00 is skipped in " \
           "`except`" in site.out
    assert "ovc-ttac: 1 event on this site could not be updated from its calendar and still shows the old version" \
           in site.err
    assert path.read_bytes() == edited and site.fields("labor-trafficking-webinar")["title"].endswith("Webinar II")
    assert last_runs(site.root)[0].errors[0].startswith("Task Force Call: does not validate")


def test_an_outlook_teams_meeting_is_online_and_given_no_region(site: Site) -> None:
    teams = vevent("teams@ovc.example.org", "Quarterly Partner Briefing", "20270302T100000", "20270302T110000",
                   location="Microsoft Teams Meeting").replace(
        "LOCATION", "X-MICROSOFT-SKYPETEAMSMEETINGURL:https://teams.microsoft.com/l/meetup-join/19%3ameeting_x\r\n"
                    "LOCATION")
    site.server.feeds["/ovc.ics"] = calendar(teams, TRAINING)
    site.source("ovc-ttac", "/ovc.ics", extra='[sources.defaults]\nregion = "SC"\n')
    assert site.sync() == 0
    briefing = site.fields("quarterly-partner-briefing")
    assert "location" not in briefing
    assert briefing["online"] == {"url": "https://teams.microsoft.com/l/meetup-join/19%3ameeting_x",
                                  "platform": "Microsoft Teams"}
