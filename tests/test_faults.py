"""Faults: a save killed half-way, a full disk, a file broken under a running server, a read-only folder.

Every test uses the real save path (the coordinators' form and the write API over the real
application) on real files; the disk faults are made by the kernel (a small tmpfs, a file-size
limit, a read-only bind mount), not by mocks. Mounting needs root: where it is not permitted the
test says so and is skipped, and the file-size limit still makes a real kernel error.
"""

from __future__ import annotations

import errno
import json
import os
import random
import re
import resource
import select
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from calendar_app.desk.accounts import Accounts
from calendar_app.desk.pending import PendingQueue
from calendar_app.files.site import Site
from calendar_app.web.app import create_app
from tests.coordinator_site import CHEAP, PASSWORD, DeskSite, csrf_of, form_of, make_site
from tests.e2e.conftest import live_server  # noqa: F401 - the fixture, for the live-server test
from tests.feedcheck import parse_both

WEBINAR = "screening-youth-webinar"
TITLES = ("Screening Youth for Trafficking: Part A", "Screening Youth for Trafficking: Part B")
END_MARK = "This description ends here."


def _token(site: DeskSite) -> dict[str, str]:
    _id, token = Accounts(site.root / site.config.coordinators_file, hasher=CHEAP).issue_token("Ana Ruiz")
    return {"Authorization": f"Bearer {token}"}


def _put_title(client: TestClient, auth: dict[str, str], title: str) -> httpx.Response:
    """Replace the webinar's title through the write API, as a script would."""
    source = client.get(f"/api/events/{WEBINAR}/source", headers=auth).json()
    fields = {**source["fields"], "title": title}
    return client.put(f"/api/events/{WEBINAR}", headers={**auth, "If-Match": f'"{source["version"]}"'},
                      json={"fields": fields, "description": source["description"]})


def _create(client: TestClient, auth: dict[str, str], slug: str) -> httpx.Response:
    fields = {"title": f"Made to be killed {slug}", "type": "webinar", "start": "2027-04-06 14:00", "online": True}
    return client.post("/api/events", headers=auth, json={"slug": slug, "fields": fields, "description": END_MARK})


def _app_of(site: DeskSite) -> Any:
    return create_app(site.config, site.events, watch=False, state_dir=site.root)


def _quiet_threads(timeout: float = 2.0) -> None:
    """Let this test's own threads (a feed's gzip) finish before a fork, so it copies no lock they hold.

    Threads other tests of the session left running (servers' watchers) are not waited for: the
    child builds its own application and touches nothing of theirs.
    """
    deadline = time.monotonic() + timeout
    while any(t.name.startswith("calendar-feed") for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.005)


def _in_child(work: Callable[[], Any]) -> Any:
    """Run `work` in a forked child and return what it returned (as JSON through a pipe)."""
    _quiet_threads()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read)
        status = 0
        try:
            result = json.dumps({"ok": work()})
        except BaseException as exc:  # everything goes back to the test, which fails with it
            result, status = json.dumps({"error": repr(exc)}), 1
        with os.fdopen(write, "w") as out:
            out.write(result)
        os._exit(status)
    os.close(write)
    with os.fdopen(read) as incoming:
        ready, _, _ = select.select([incoming], [], [], 120)
        if not ready:
            os.kill(pid, signal.SIGKILL)
        data = json.loads(incoming.read() if ready else '{"error": "the child did not finish in 120 s"}')
    os.waitpid(pid, 0)
    assert "error" not in data, data["error"]
    return data["ok"]


# --- SIGKILL during a save ----------------------------------------------------------------------


@pytest.mark.slow
def test_a_save_killed_at_any_point_leaves_the_old_or_the_new_file(tmp_path: Path) -> None:
    tries = int(os.environ.get("FAULT_KILL_TRIES", "200"))
    site = make_site(tmp_path, login=False)
    auth = _token(site)
    path = site.path(WEBINAR)
    # Every version the webinar's file may hold: as written, and after each title is saved.
    versions = {path.read_bytes()}
    started = time.perf_counter()
    for title in TITLES * 2:
        assert _put_title(site.client, auth, title).status_code == 200
        versions.add(path.read_bytes())
    cycle = (time.perf_counter() - started) / 4  # one fetch and save, as the child does it
    assert len(versions) == 3

    rng = random.Random(7)
    created: set[str] = set()
    for attempt in range(tries):
        _quiet_threads()
        ready_read, ready_write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child saves until it is killed
            os.close(ready_read)
            try:
                client = TestClient(_app_of(site))  # its own: file locks are not shared across a fork
                os.write(ready_write, b"!")
                for i in range(10**6):
                    _put_title(client, auth, TITLES[i % 2])
                    _create(client, auth, f"made-{attempt}-{i}")
            finally:
                os._exit(1)
        os.close(ready_write)
        started_in_time = select.select([ready_read], [], [], 60)[0]
        os.close(ready_read)
        if not started_in_time:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail(f"try {attempt}: the child did not start within 60 s")
        time.sleep(rng.uniform(0, 3 * cycle))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)

        assert path.read_bytes() in versions, f"try {attempt}: the webinar's file is neither old nor new"
        for made in sorted(site.events.rglob("made-*.md")):
            if made.name not in created:
                text = made.read_text(encoding="utf-8")
                assert text.endswith(END_MARK + "\n"), f"try {attempt}: {made.name} is cut short: {text!r}"
                created.add(made.name)
    assert created, "no save was ever finished: the kills came too early to test anything"

    # Temporary files a kill left behind are never taken for events, and the site serves.
    strays = [p.name for p in site.events.rglob("*.tmp")]
    fresh = Site(site.config, site.events)
    assert not fresh.problems, fresh.problems
    assert {e.slug for e in fresh.catalog.events} == {WEBINAR, "cst-law-enforcement-columbia"} | {
        name[:-3] for name in created}
    client = TestClient(_app_of(site))
    for feed in ("/calendar.ics", "/calendar.ics?type=webinar"):
        response = client.get(feed)
        assert response.status_code == 200
        loose, _strict = parse_both(response.content)
        assert len(loose.events) >= (len(created) + 1 if feed.endswith("webinar") else len(created) + 2)
    print(f"{tries} saves killed; {len(created)} new files complete; {len(strays)} temporary files left, none loaded")


# --- a full disk --------------------------------------------------------------------------------


def _mount(args: list[str], target: Path) -> None:
    result = subprocess.run(["mount", *args, str(target)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount here ({(result.stderr or result.stdout).strip()}; mounting needs root): "
                    "the file-size limit test still makes a write fail")


def _unmount(target: Path) -> None:
    subprocess.run(["umount", "-l", str(target)], capture_output=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 512 KiB tmpfs of its own."""
    disk = tmp_path / "disk"
    disk.mkdir()
    _mount(["-t", "tmpfs", "-o", "size=512k", "tmpfs"], disk)
    yield disk
    _unmount(disk)


def _fill(folder: Path) -> Path:
    """Write to `folder` until its filesystem is full; the filler file is returned."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def _edit_title(site: DeskSite, title: str) -> httpx.Response:
    url = f"/manage/events/{WEBINAR}/edit"
    values = form_of(site.client, url)
    return site.client.post(url, data={**values, "title": title, "action": "save"}, follow_redirects=False)


def _new_event(site: DeskSite, slug: str) -> httpx.Response:
    values = form_of(site.client, "/manage/new")
    values.update(slug=slug, title="Labor Trafficking 101", type="webinar", start="2027-03-09 14:00",
                  end="15:00", action="save")
    values["online.url"] = "https://www.example.org/join/lt101"
    return site.client.post("/manage/new", data=values, follow_redirects=False)


def _assert_refused_plainly(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 503, response.text[:500]
    text = response.text.replace("&#39;", "'")
    assert "could not be saved" in text and reason in text and "as it was before" in text


def test_a_full_disk_refuses_the_save_and_keeps_the_old_file(small_disk: Path) -> None:
    site = make_site(small_disk)
    auth = _token(site)
    before = site.files()
    filler = _fill(small_disk)

    _assert_refused_plainly(_edit_title(site, "Changed on a full disk"), "No space left on device")
    response = _put_title(site.client, auth, "Changed on a full disk")
    _assert_refused_plainly(response, "No space left on device")
    assert response.json()["detail"] == "The event was not saved."
    _assert_refused_plainly(_new_event(site, "labor-trafficking-101"), "No space left on device")
    assert site.files() == before  # the old files as they were, no new file, no temporary file left
    assert "Screening Youth for Trafficking" in site.client.get(f"/events/{WEBINAR}").text

    filler.unlink()  # room again: the same save goes through
    assert _edit_title(site, "Changed once there is room").status_code == 303
    assert "Changed once there is room" in site.text(WEBINAR)


def test_a_write_over_the_file_size_limit_is_refused_and_the_old_file_kept(tmp_path: Path) -> None:
    """RLIMIT_FSIZE makes the kernel refuse the write (EFBIG) without any mount."""
    site = make_site(tmp_path)
    auth = _token(site)
    site.client.get("/manage")  # the session and the feeds are made before the limit
    before = site.files()

    def save_under_a_limit() -> list[tuple[int, str]]:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel kills instead of failing the write
        resource.setrlimit(resource.RLIMIT_FSIZE, (64, resource.RLIM_INFINITY))
        client = TestClient(_app_of(site), cookies=dict(site.client.cookies))
        form_site = DeskSite(site.root, site.events, site.config, client)
        return [(r.status_code, r.text) for r in (
            _edit_title(form_site, "Changed past the limit"),
            _put_title(client, auth, "Changed past the limit"),
        )]

    for status, text in _in_child(save_under_a_limit):
        assert status == 503, text[:500]
        assert "could not be saved" in text and "File too large" in text
    assert site.files() == before


# --- a read-only events folder ------------------------------------------------------------------


@pytest.fixture
def read_only_site(tmp_path: Path) -> Iterator[DeskSite]:
    site = make_site(tmp_path)
    _mount(["--bind", str(site.events)], site.events)
    try:
        _mount(["-o", "remount,bind,ro"], site.events)
        yield site
    finally:
        _unmount(site.events)


def test_a_read_only_events_folder_is_served_and_writes_are_refused(read_only_site: DeskSite) -> None:
    site = read_only_site
    auth = _token(site)
    with pytest.raises(OSError, match="Read-only"):
        (site.events / "probe.md").write_text("x")
    before = site.files()
    for url in ("/", f"/events/{WEBINAR}", "/api/events", "/manage"):
        assert site.client.get(url).status_code == 200, url
    for feed in ("/calendar.ics", "/calendar.ics?type=training"):
        parse_both(site.client.get(feed).content)

    _assert_refused_plainly(_edit_title(site, "Changed on a read-only disk"), "Read-only file system")
    _assert_refused_plainly(_put_title(site.client, auth, "Changed on a read-only disk"), "Read-only file system")
    _assert_refused_plainly(_new_event(site, "labor-trafficking-101"), "Read-only file system")
    cancel = site.client.post(f"/api/events/{WEBINAR}/cancel", headers=auth, json={"reason": "Ill presenter."})
    _assert_refused_plainly(cancel, "Read-only file system")
    assert site.files() == before


# --- the pending queue (suggestions and drafts) -----------------------------------------------


def _queue_of(site: DeskSite) -> Any:
    return _app_of(site).state.desk.queue


def _queue_files(site: DeskSite) -> dict[str, str]:
    """Every file of the pending queue and the trash, with its text."""
    queue = _queue_of(site)
    return {str(p.relative_to(site.root)): p.read_text(encoding="utf-8")
            for folder in (queue.folder, queue.trash) if folder.is_dir() for p in sorted(folder.rglob("*"))}


def _suggest(client: TestClient, title: str) -> httpx.Response:
    data = {"csrf_token": csrf_of(client, "/suggest"), "title": title, "type": "webinar",
            "start": "2027-06-08 13:00", "end": "14:00", "online": "on", "online.url": "https://www.example.org/join/h",
            "name": "Dana Lee", "email": "dana@example.org", "description": "Where survivors can live safely."}
    return client.post("/suggest", data=data)


def _item_url(client: TestClient, title: str) -> str:
    listing = client.get("/manage/pending").text
    match = re.search(r'href="(/manage/pending/[0-9a-f]{20})"[^>]*>\s*(?:<[^>]+>\s*)*' + re.escape(title), listing)
    assert match, listing[-3000:]
    return match.group(1)


def _queue_steps(site: DeskSite, public: TestClient, item: str, *, delete: bool = True) -> dict[str, httpx.Response]:
    """Every step that writes to the queue, taken once each through the forms."""
    draft = form_of(site.client, "/manage/new")
    draft.update(title="A draft on a refusing disk", type="webinar", start="2027-03-09 14:00", action="draft")
    token = csrf_of(site.client, item)
    answers = {
        "suggest": _suggest(public, "Suggested to a refusing disk"),
        "draft": site.client.post("/manage/new", data=draft, follow_redirects=False),
        "save": site.client.post(item, data={**form_of(site.client, item), "title": "Edited on a refusing disk",
                                             "action": "save"}, follow_redirects=False),
        "reject": site.client.post(f"{item}/reject", data={"csrf_token": token, "reason": "Out of scope for us."},
                                   follow_redirects=False),
    }
    if delete:
        answers["delete"] = site.client.post(f"{item}/delete", data={"csrf_token": token}, follow_redirects=False)
    return answers


QUEUE_REFUSALS = {
    "suggest": ("your suggestion could not be saved", "nothing was sent"),  # to the public: no file names
    "draft": ("the draft could not be saved", "as it was before"),
    "save": ("the suggestion could not be saved", "as it was before"),
    "reject": ("the suggestion could not be rejected", "as it was before"),
    "delete": ("the suggestion could not be moved to the trash", "as it was before"),
}


def _assert_queue_refused(response: httpx.Response, step: str, reason: str) -> None:
    assert response.status_code == 503, (step, response.status_code, response.text[:500])
    text = response.text.replace("&#39;", "'")
    said, kept = QUEUE_REFUSALS[step]
    assert said in text.lower() and reason in text and kept in text, step
    assert "<form" in text, step  # the page itself, with the form, not an error page
    if step == "suggest":
        assert not re.search(r"[0-9a-f]{20}\.(md|json)", text)


def test_queue_writes_past_the_file_size_limit_are_refused_and_the_queue_kept(tmp_path: Path) -> None:
    site = make_site(tmp_path)
    public = TestClient(site.client.app)
    assert _suggest(public, "Housing Options for Survivors").status_code == 200
    item = _item_url(site.client, "Housing Options for Survivors")
    before = _queue_files(site)

    def steps_under_a_limit() -> dict[str, tuple[int, str]]:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64, resource.RLIM_INFINITY))
        app = _app_of(site)
        form_site = DeskSite(site.root, site.events, site.config, TestClient(app, cookies=dict(site.client.cookies)))
        answers = _queue_steps(form_site, TestClient(app), item, delete=False)  # a rename writes no bytes
        return {step: (r.status_code, r.text) for step, r in answers.items()}

    for step, (status, text) in _in_child(steps_under_a_limit).items():
        response = httpx.Response(status, text=text)
        _assert_queue_refused(response, step, "File too large")
        if step == "suggest":
            assert 'value="Suggested to a refusing disk"' in text  # what the person typed is kept
        if step == "reject":
            assert ">Out of scope for us.</textarea>" in text
    assert _queue_files(site) == before
    # The person was not counted against the limit of suggestions for a save that did not happen.
    assert _suggest(public, "Suggested once there is room").status_code == 200


def test_a_new_queue_item_is_never_left_half_written(tmp_path: Path) -> None:
    """The event file fits under the limit and its record does not: neither stays."""
    site = make_site(tmp_path, login=False)

    def submit_under_a_limit() -> str:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (120, resource.RLIM_INFINITY))
        try:
            _queue_of(site).submit("---\ntitle: Short\n---\n", kind="suggestion", name="D", email="")
        except Exception as exc:  # the test reads what was raised
            return f"{type(exc).__name__}: {exc}"
        return "saved"

    refused = _in_child(submit_under_a_limit)
    assert refused.startswith("SaveFailed: ") and ".json: the suggestion could not be saved" in refused
    assert "File too large" in refused
    assert _queue_files(site) == {}


def test_a_trash_on_another_filesystem_still_takes_deleted_items(tmp_path: Path, small_disk: Path) -> None:
    """A rename cannot cross filesystems (EXDEV); the files are copied over, then removed."""
    queue = PendingQueue(tmp_path / "pending", small_disk / "trash")
    item, _token = queue.submit("---\ntitle: Short\n---\n", kind="suggestion", name="D", email="")
    moved = queue.discard(item.id)
    assert moved.parent == small_disk / "trash" and moved.read_text(encoding="utf-8") == "---\ntitle: Short\n---\n"
    assert sorted(p.suffix for p in moved.parent.iterdir()) == [".json", ".md"]
    assert list(queue.folder.iterdir()) == []


@pytest.fixture
def read_only_queue(tmp_path: Path) -> Iterator[tuple[DeskSite, str]]:
    """A site with one suggestion waiting, its pending folder then made read-only."""
    site = make_site(tmp_path)
    assert _suggest(TestClient(site.client.app), "Housing Options for Survivors").status_code == 200
    item = _item_url(site.client, "Housing Options for Survivors")
    folder = _queue_of(site).folder
    _mount(["--bind", str(folder)], folder)
    try:
        _mount(["-o", "remount,bind,ro"], folder)
        yield site, item
    finally:
        _unmount(folder)


def test_a_read_only_queue_refuses_each_step_and_publishing_still_publishes(read_only_queue: tuple[DeskSite, str]) -> None:
    site, item = read_only_queue
    before = _queue_files(site)
    for step, response in _queue_steps(site, TestClient(site.client.app), item).items():
        _assert_queue_refused(response, step, "Read-only file system")
    assert _queue_files(site) == before

    # Publishing writes to the events folder, which takes writes: the event goes out, and the
    # coordinator is told the queue still holds the item rather than shown an error page.
    published = site.client.post(item, data={**form_of(site.client, item), "slug": "housing-options",
                                             "action": "publish"}, follow_redirects=False)
    assert published.status_code == 303 and published.headers["location"] == "/manage/events/housing-options/edit"
    note = site.client.get(published.headers["location"]).text
    assert "could not be marked as published" in note and "mark it as already published as housing-options" in note
    assert "Housing Options for Survivors" in site.client.get("/events/housing-options").text
    assert "Housing Options for Survivors" in site.client.get("/manage/pending").text
    assert _queue_files(site) == before

    _unmount(_queue_of(site).folder)  # the disk takes writes again: the item is marked as the note says
    marked = site.client.post(f"{item}/published", data={"csrf_token": csrf_of(site.client, item),
                                                         "published_slug": "housing-options"}, follow_redirects=False)
    assert marked.status_code == 303
    assert "Nothing is waiting." in site.client.get("/manage/pending").text
    record = json.loads((_queue_of(site).folder / f"{item.rsplit('/', 1)[1]}.json").read_text(encoding="utf-8"))
    assert record["state"] == "published" and record["slug"] == "housing-options"


# --- a file broken while the server runs --------------------------------------------------------


def _wait_for(check: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.1)


def _break_by(kind: str, path: Path) -> None:
    path.unlink()
    if kind == "truncated":
        path.write_bytes(ORIGINAL[path][: len(ORIGINAL[path]) // 3])
    elif kind == "invalid bytes":
        path.write_bytes(ORIGINAL[path][:40] + b"\xff\xfe\x00garbage\x80" + ORIGINAL[path][40:])
    elif kind == "garbage":
        path.write_bytes(random.Random(3).randbytes(3000))
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "dangling symlink":
        path.symlink_to(path.parent / "nowhere" / path.name)


ORIGINAL: dict[Path, bytes] = {}
BREAKS = ("truncated", "invalid bytes", "garbage", "empty", "dangling symlink")


def test_a_file_broken_under_a_running_server_keeps_its_last_good_version(live_server: Any) -> None:  # noqa: F811
    server = live_server(copy_events=True, watch=True)
    Accounts(server.config_path.parent / "coordinators.toml", hasher=CHEAP).add("Ana Ruiz", "ana@example.org", PASSWORD)
    slug = "child-sex-trafficking-law-enforcement-response-columbia"
    path = next(server.events_dir.rglob(f"{slug}.md"))
    ORIGINAL[path] = path.read_bytes()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert token
        client.post("/login", data={"csrf_token": token.group(1), "identifier": "ana@example.org",
                                    "password": PASSWORD, "next": "/manage"})
        title = "Child Sex Trafficking: Law Enforcement Response"
        assert title in client.get(f"/events/{slug}").text
        uid = _uid_in(client.get("/calendar.ics").content, slug)

        for kind in BREAKS:
            _break_by(kind, path)
            _wait_for(lambda: f"{slug}.md" in _problems_on(client), f"the {kind} file on /manage")
            page = client.get(f"/events/{slug}")
            assert page.status_code == 200 and title in page.text, kind
            for feed in ("/calendar.ics", "/calendar.ics?type=training"):
                response = client.get(feed)
                assert response.status_code == 200, (kind, feed)
                loose, _strict = parse_both(response.content)
                assert uid in {str(e["UID"]) for e in loose.events}, (kind, feed)
            assert slug in {e["slug"] for e in client.get("/api/events?type=training").json()["events"]}, kind

            path.unlink()
            path.write_bytes(ORIGINAL[path])
            _wait_for(lambda: f"{slug}.md" not in _problems_on(client), f"the mended file after {kind}")
    assert "Traceback" not in server.log()


def _problems_on(client: httpx.Client) -> str:
    response = client.get("/manage")
    assert response.status_code == 200 and "Log out" in response.text, response.text[:300]
    match = re.search(r'<section class="file-problems".*?</section>', response.text, re.S)
    return match.group(0) if match else ""


def _uid_in(feed: bytes, slug: str) -> str:
    loose, _strict = parse_both(feed)
    uids = [str(e["UID"]) for e in loose.events if slug in str(e.get("URL", ""))]
    assert len(uids) == 1, uids
    return uids[0]
