"""Partner calendars on the coordinators' pages: /manage/sources, Sync now, and imported events.

The calendars are served by a real HTTP server on 127.0.0.1 (each source says
`allow_private = true`, as a site syncing a calendar on its own network would); the site is a
real folder in tmp_path with its private state beside its configuration, and the app runs
behind the test client with a coordinator logged in.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from filelock import FileLock

from calendar_app.core.config import load_config
from calendar_app.core.frontmatter import split_front_matter
from calendar_app.desk.accounts import Accounts
from calendar_app.web import sources_routes
from calendar_app.web.app import create_app

from .coordinator_site import CHEAP, PASSWORD, ROOT, DeskSite, csrf_of, form_of, log_in
from .test_pages import text
from .test_sync import TRAINING, WEBINAR, FeedServer, calendar, vevent

TODAY = date(2027, 1, 15)


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    server = FeedServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def source_table(feeds: FeedServer, source_id: str, name: str, path: str, *, mode: str = "publish",
                 authority: str = "fields") -> str:
    return (f'\n[[sources]]\nid = "{source_id}"\nname = "{name}"\nurl = "{feeds.url(path)}"\nmode = "{mode}"\n'
            f'authority = "{authority}"\nallow_private = true\n')


def sync_site(root: Path, *sources: str, settings: str = "", login: bool = True) -> DeskSite:
    """A site with no events yet, the project's configuration with `sources` added, two coordinators."""
    events = root / "events"
    events.mkdir(parents=True)
    toml = (ROOT / "calendar.toml").read_text(encoding="utf-8")
    toml = toml.replace("[site]\n", f"[site]\n{settings}\n", 1) + "".join(sources)
    (root / "calendar.toml").write_text(toml, encoding="utf-8")
    config = load_config(root / "calendar.toml")
    accounts = Accounts(root / config.coordinators_file, hasher=CHEAP)
    accounts.add("Ana Ruiz", "ana@example.org", PASSWORD)
    client = TestClient(create_app(config, events, watch=False, state_dir=root, today=TODAY))
    if login:
        log_in(client)
    return DeskSite(root, events, config, client)


def sync_now(site: DeskSite, source: str = "") -> tuple[int, str]:
    """Press Sync now (for one source, or Sync every calendar now): the status and the page as read."""
    data = {"csrf_token": csrf_of(site.client, "/manage/sources")}
    if source:
        data["source"] = source
    response = site.client.post("/manage/sources/sync", data=data)
    return response.status_code, text(response.text)


def row_of(page_text: str, name: str) -> str:
    """A source's row of the table, as read: from its name to the next Sync now."""
    return page_text.split(f"{name} (", 1)[1].split("Sync now", 1)[0]


# --- the page ------------------------------------------------------------------------------------


def test_the_page_lists_each_calendar_and_sync_now_brings_its_events_in(tmp_path: Path, feeds: FeedServer) -> None:
    feeds.feeds["/ovc.ics"] = calendar(WEBINAR, TRAINING)
    site = sync_site(tmp_path, source_table(feeds, "ovc-ttac", "OVC TTAC", "/ovc.ics", authority="source"))
    page = site.client.get("/manage")
    assert '<a href="/manage/sources">Partner calendars</a>' in page.text
    before = text(site.client.get("/manage/sources").text)
    row = row_of(before, "OVC TTAC")
    assert feeds.url("/ovc.ics") in row and "Mode: publish" in row and "Authority: source" in row
    assert "Never synced." in row
    assert "does not sync on its own" in before
    assert feeds.asked == []  # looking at the page fetches nothing

    status, result = sync_now(site)
    assert status == 200
    assert "What the sync did OVC TTAC Synced: 2 new, 0 queued for review, 0 updated" in result
    assert "New: Labor Trafficking Webinar (events/2027/labor-trafficking-webinar.md)" in result
    row = row_of(result, "OVC TTAC")
    assert "2 new, 0 queued for review, 0 updated, 0 cancelled, 0 unchanged, 0 skipped, 0 refused." in row
    assert re.search(r"January 1[56], 2027|\w+ \d+, 20\d\d, [\d:]+ [ap]\.m\. ET", row)
    # The site reloaded at once: the public sees the events, and whose calendar they came from.
    assert "Labor Trafficking Webinar" in site.client.get("/").text
    event_page = text(site.client.get("/events/labor-trafficking-webinar").text)
    assert "From OVC TTAC" in event_page

    status, again = sync_now(site, "ovc-ttac")
    assert status == 200 and "OVC TTAC Not changed since the last sync." in again
    assert "Not changed since the sync before." in row_of(again, "OVC TTAC")


def test_sync_now_for_one_calendar_leaves_the_others(tmp_path: Path, feeds: FeedServer) -> None:
    feeds.feeds["/ovc.ics"] = calendar(WEBINAR)
    feeds.feeds["/task-force.ics"] = calendar(TRAINING)
    site = sync_site(tmp_path, source_table(feeds, "ovc-ttac", "OVC TTAC", "/ovc.ics"),
                     source_table(feeds, "task-force", "Midlands Task Force", "/task-force.ics", mode="review"))
    status, result = sync_now(site, "task-force")
    assert status == 200
    assert "Midlands Task Force Synced: 0 new, 1 queued for review" in result
    assert "Queued for review: Task Force Training" in result and "OVC TTAC Synced" not in result
    assert "Never synced." in row_of(result, "OVC TTAC")
    assert "Mode: review (new events wait in Pending)" in row_of(result, "Midlands Task Force")
    assert [path for path, _, _ in feeds.asked] == ["/task-force.ics"]
    assert "Task Force Training" in site.client.get("/manage/pending").text

    missing = site.client.post("/manage/sources/sync", data={"csrf_token": csrf_of(site.client, "/manage/sources"),
                                                             "source": "no-such-calendar"})
    assert missing.status_code == 404 and "no-such-calendar" in missing.text


def test_a_broken_feed_and_a_refused_event_are_told_in_words(tmp_path: Path, feeds: FeedServer) -> None:
    unknown_zone = vevent("mars@ovc.example.org", "Olympus Summit", "20270301T140000").replace(
        "TZID=America/New_York", "TZID=Mars/Olympus")
    feeds.feeds["/ovc.ics"] = calendar(unknown_zone, WEBINAR)
    feeds.feeds["/task-force.ics"] = 500
    site = sync_site(tmp_path, source_table(feeds, "ovc-ttac", "OVC TTAC", "/ovc.ics"),
                     source_table(feeds, "task-force", "Midlands Task Force", "/task-force.ics"))
    status, result = sync_now(site)
    assert status == 200
    assert "Refused: Olympus Summit (" in result and "1 refused" in result
    assert re.search(r"Midlands Task Force Failed: http://127\.0\.0\.1:\d+/task-force\.ics: .*500.*\. "
                     r"Nothing of it was changed\.", result)
    failed = row_of(result, "Midlands Task Force")
    assert re.search(r"Failed: http://127\.0\.0\.1:\d+/task-force\.ics: .*500.*Nothing of it was changed", failed)
    refused = row_of(result, "OVC TTAC")
    assert "1 new," in refused and "Refused: Olympus Summit: " in refused
    html = site.client.get("/manage/sources").text
    assert '<tr id="source-task-force" class="failed">' in html and '<tr id="source-ovc-ttac">' in html


def test_another_sync_under_way_is_said_plainly(tmp_path: Path, feeds: FeedServer) -> None:
    feeds.feeds["/ovc.ics"] = calendar(WEBINAR)
    site = sync_site(tmp_path, source_table(feeds, "ovc-ttac", "OVC TTAC", "/ovc.ics"))
    with FileLock(str(tmp_path / ".calendar-sync.lock")):  # cron's `calendar-app sync`, say
        status, page = sync_now(site)
    assert status == 409
    assert "Nothing was synced: another sync of this site is under way." in page
    assert feeds.asked == [] and list(site.events.rglob("*.md")) == []


def test_a_long_sync_answers_at_once_and_its_page_waits_for_the_report(
    tmp_path: Path, feeds: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    feeds.feeds["/ovc.ics"] = calendar(WEBINAR, TRAINING)
    site = sync_site(tmp_path, source_table(feeds, "ovc-ttac", "OVC TTAC", "/ovc.ics"))
    monkeypatch.setattr(sources_routes, "ANSWER_WITHIN_SECONDS", 0.2)
    feeds.hold = threading.Event()  # the partner's server takes its time
    response = site.client.post("/manage/sources/sync", data={"csrf_token": csrf_of(site.client, "/manage/sources")},
                                follow_redirects=False)
    assert response.status_code == 303
    waiting_at = response.headers["location"]
    assert waiting_at.startswith("/manage/sources?sync=")
    waiting = site.client.get(waiting_at)
    assert waiting.status_code == 200
    assert '<meta http-equiv="refresh" content="3">' in waiting.text
    assert "The sync of every calendar is under way." in text(waiting.text)
    assert "Never synced." in row_of(text(waiting.text), "OVC TTAC")

    feeds.hold.set()
    for _ in range(200):  # the sync ends in its own thread
        page = site.client.get(waiting_at)
        if "under way" not in page.text:
            break
        time.sleep(0.05)
    done = text(page.text)
    assert "What the sync did OVC TTAC Synced: 2 new," in done
    assert 'http-equiv="refresh"' not in page.text
    assert len(list(site.events.rglob("*.md"))) == 2
    # A run this worker does not know (another worker's, or forgotten): the page as usual.
    other = site.client.get("/manage/sources?sync=not-a-run")
    assert other.status_code == 200 and "under way" not in other.text and "2 new," in row_of(text(other.text), "OVC TTAC")


def test_without_sources_the_page_says_how_to_add_one(tmp_path: Path) -> None:
    site = sync_site(tmp_path)
    page = text(site.client.get("/manage/sources").text)
    assert "No partner calendars are configured." in page and "[[sources]]" in page
    assert "Partner calendars (docs/sync.md)" in page
    status, after = sync_now(site)
    assert status == 200 and "What the sync did" not in after
    assert not (tmp_path / ".sync-runs.json").exists()


# --- who may sync --------------------------------------------------------------------------------


def test_sync_now_needs_the_sessions_csrf_token(tmp_path: Path, feeds: FeedServer) -> None:
    feeds.feeds["/ovc.ics"] = calendar(WEBINAR)
    site = sync_site(tmp_path, source_table(feeds, "ovc-ttac", "OVC TTAC", "/ovc.ics"))
    refused = site.client.post("/manage/sources/sync", data={"source": "ovc-ttac"})
    assert refused.status_code == 403 and "did not come from this site" in refused.text
    other = TestClient(site.client.app)
    log_in(other)
    foreign = site.client.post("/manage/sources/sync", data={"csrf_token": csrf_of(other, "/manage/sources")})
    assert foreign.status_code == 403
    assert feeds.asked == [] and not (tmp_path / ".sync-runs.json").exists()


def test_only_a_coordinator_sees_the_page_or_syncs(tmp_path: Path, feeds: FeedServer) -> None:
    feeds.feeds["/ovc.ics"] = calendar(WEBINAR)
    site = sync_site(tmp_path, source_table(feeds, "ovc-ttac", "OVC TTAC", "/ovc.ics"), login=False)
    page = site.client.get("/manage/sources", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Fmanage%2Fsources"
    token = csrf_of(site.client, "/login")  # a token of an anonymous session: still not a coordinator
    posted = site.client.post("/manage/sources/sync", data={"csrf_token": token}, follow_redirects=False)
    assert posted.status_code == 303 and posted.headers["location"].startswith("/login?")
    assert feeds.asked == [] and "ovc" not in page.text.lower()


# --- imported events on the coordinators' pages ----------------------------------------------------


def source_block(text_of_file: str) -> str:
    """The `source:` mapping of an event file, as written."""
    match = re.search(r"^source:\n(?:  .*\n)+", text_of_file, re.MULTILINE)
    assert match, text_of_file
    return match.group(0)


def test_an_imported_event_says_where_it_came_from_and_keeps_it_when_saved(tmp_path: Path, feeds: FeedServer) -> None:
    feeds.feeds["/ovc.ics"] = calendar(WEBINAR)
    site = sync_site(tmp_path, source_table(feeds, "ovc-ttac", "OVC TTAC", "/ovc.ics"))
    assert sync_now(site)[0] == 200
    path = site.path("labor-trafficking-webinar")
    written = path.read_text(encoding="utf-8")
    edit = "/manage/events/labor-trafficking-webinar/edit"
    page = text(site.client.get(edit).text)
    assert ("Imported Imported from OVC TTAC (uid webinar@ovc.example.org) by calendar sync. Edits to fields follow "
            "the source's authority, fields: a field changed here keeps your value; the calendar's changes to the "
            "other fields still come in.") in page
    form = form_of(site.client, edit)
    assert "source" not in form  # shown, never posted
    forged = '{"id": "elsewhere", "uid": "forged@example.org"}'
    saved = site.client.post(edit, data={**form, "title": "Labor Trafficking: Screening Webinar", "source": forged,
                                         "action": "save"}, follow_redirects=False)
    assert saved.status_code == 303
    after = path.read_text(encoding="utf-8")
    assert split_front_matter(after, "t.md").data["title"] == "Labor Trafficking: Screening Webinar"
    assert source_block(after) == source_block(written)
    assert after.endswith(written[written.index(source_block(written)):])  # byte for byte, to the end of the file
    # An event made on this site has no such section.
    assert "Imported from" not in site.client.get("/manage/new").text


def test_an_event_of_a_calendar_no_longer_configured_says_so(tmp_path: Path) -> None:
    site = sync_site(tmp_path)
    (site.events / "2027").mkdir()
    (site.events / "2027" / "earlier-partner-webinar.md").write_text(
        "---\ntitle: Old Partner Webinar\ntype: webinar\nstart: 2027-03-01 14:00\nonline: true\n"
        "source:\n  id: old-partner\n  uid: w1@old.example.org\n---\nAbout it.\n", encoding="utf-8")
    site.client.app.state.site.refresh()  # type: ignore[attr-defined]
    page = text(site.client.get("/manage/events/earlier-partner-webinar/edit").text)
    # The server reads calendar.toml when it starts: a source added since is not "no longer" there.
    assert "Imported from old-partner (uid w1@old.example.org) by calendar sync. old-partner is not among the " \
           "partner calendars this server was started with; restart the server after changing calendar.toml." in page
    assert "no longer in the configuration" not in page
    public = site.client.get("/events/earlier-partner-webinar").text
    assert "<dt>From</dt>" not in public and "old-partner" not in public


def test_a_queued_event_published_from_the_form_keeps_its_source(tmp_path: Path, feeds: FeedServer) -> None:
    feeds.feeds["/task-force.ics"] = calendar(TRAINING)
    site = sync_site(tmp_path, source_table(feeds, "task-force", "Midlands Task Force", "/task-force.ics",
                                            mode="review"))
    assert sync_now(site)[0] == 200
    (item_file,) = (tmp_path / "pending").glob("*.md")
    queued = item_file.read_text(encoding="utf-8")
    item = f"/manage/pending/{item_file.stem}"
    assert "Imported from Midlands Task Force (uid training@ovc.example.org)" in text(site.client.get(item).text)
    form = form_of(site.client, item)
    # Saved as a draft first, then published: the origin stays through both.
    assert site.client.post(item, data={**form, "title": "Task Force Training (Columbia)", "action": "save"},
                            follow_redirects=False).status_code == 303
    assert source_block(item_file.read_text(encoding="utf-8")) == source_block(queued)
    form = form_of(site.client, item)
    published = site.client.post(item, data={**form, "slug": "task-force-training", "action": "publish"},
                                 follow_redirects=False)
    assert published.status_code == 303, text(published.text)
    written = site.path("task-force-training").read_text(encoding="utf-8")
    assert source_block(written) == source_block(queued)
    front = split_front_matter(written, "task-force-training.md").data
    assert front["source"] == {"id": "task-force", "uid": "training@ovc.example.org"}
    assert front["title"] == "Task Force Training (Columbia)"
    # The next sync knows it as the event it queued, now published: updated, not queued again.
    feeds.feeds["/task-force.ics"] = calendar(TRAINING.replace("Embassy Suites", "Marriott"))
    status, result = sync_now(site)
    assert status == 200 and "Synced: 0 new, 0 queued for review, 1 updated" in result
    moved = split_front_matter(site.path("task-force-training").read_text(encoding="utf-8"), "t.md").data
    assert moved["title"] == "Task Force Training (Columbia)" and "Marriott" in str(moved["location"])


def test_pending_gives_times_in_the_sites_zone_as_partner_calendars_does(tmp_path: Path, feeds: FeedServer) -> None:
    feeds.feeds["/task-force.ics"] = calendar(TRAINING)
    site = sync_site(tmp_path, source_table(feeds, "task-force", "Midlands Task Force", "/task-force.ics",
                                            mode="review"))
    assert sync_now(site)[0] == 200
    when = r"[A-Z][a-z]+ \d+, \d{4}, [\d:]+ [ap]\.m\. ET"  # "January 15, 2027, 2:05 p.m. ET", the site's zone
    synced = re.search(r'<span class="date">(.*?)</span>', site.client.get("/manage/sources").text)
    assert synced and re.fullmatch(when, synced.group(1))
    listing = site.client.get("/manage/pending").text
    assert "UTC" not in text(listing) and "<th scope=\"col\">Received</th>" in listing
    received = re.search(r'<time datetime="[^"]+">(.*?)</time>', listing)
    assert received and re.fullmatch(when, received.group(1))
    (item_file,) = (tmp_path / "pending").glob("*.md")
    item = text(site.client.get(f"/manage/pending/{item_file.stem}").text)
    assert "UTC" not in item and re.search(rf"\(calendar sync\) on {when}\.", item)
