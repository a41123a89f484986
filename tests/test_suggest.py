"""Suggestions from the public: the form, the queue, approval and rejection, the private tracking page."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from calendar_app.web.app import create_app

from .coordinator_site import DeskSite, csrf_of, form_of, log_in, make_site

LOGGED_IN = False  # the `site` fixture's client is a member of the public


def suggest(client: TestClient, **fields: str) -> Any:
    data = {"csrf_token": csrf_of(client, "/suggest"), "title": "Housing Options for Survivors",
            "type": "webinar", "start": "2027-06-08 13:00", "end": "14:00", "online": "on",
            "online.url": "https://www.example.org/join/housing", "name": "Dana Lee",
            "email": "dana@example.org", "description": "Where survivors can live safely."}
    data.update(fields)
    return client.post("/suggest", data=data)


def tracking_of(response: Any) -> str:
    match = re.search(r'class="tracking-link" href="http://127.0.0.1:8000(/suggest/status/[^"]+)"', response.text)
    assert match, response.text[:1500]
    return match.group(1)


def pending_item(client: TestClient) -> str:
    match = re.search(r"/manage/pending/[0-9a-f]{20}", client.get("/manage/pending").text)
    assert match
    return match.group(0)


def test_a_suggestion_waits_then_is_published_with_edits(site: DeskSite) -> None:
    public = TestClient(site.client.app)
    thanks = suggest(public)
    assert thanks.status_code == 200 and "Thank you" in thanks.text
    tracking = tracking_of(thanks)
    assert "Housing Options for Survivors" not in site.client.get("/").text
    assert not list(site.events.rglob("housing-*"))
    status = public.get(tracking)
    assert "Pending." in status.text and status.headers["cache-control"] == "no-store"

    log_in(site.client)
    item = pending_item(site.client)
    page = site.client.get(item).text
    assert "Suggested by Dana Lee" in page and 'value="housing-options-for-survivors"' in page
    form = form_of(site.client, item)
    published = site.client.post(item, data={**form, "title": "Safe Housing Options for Survivors",
                                             "sponsors": "OVC", "action": "publish"}, follow_redirects=False)
    assert published.status_code == 303
    text = site.text("housing-options-for-survivors")
    assert "title: Safe Housing Options for Survivors\n" in text and "sponsors: [OVC]\n" in text
    assert "Safe Housing Options for Survivors" in site.client.get("/").text
    assert "Safe Housing Options for Survivors" in site.client.get("/calendar.ics").text
    after = public.get(tracking).text
    assert "Published." in after and 'href="/events/housing-options-for-survivors"' in after
    assert site.client.post(item, data={**form, "action": "publish"}).status_code == 409
    assert "Nothing is waiting." in site.client.get("/manage/pending").text
    assert "Edited" not in site.client.get("/manage/events/housing-options-for-survivors/history").text


def test_a_rejected_suggestion_shows_its_reason_to_the_person(site: DeskSite) -> None:
    public = TestClient(site.client.app)
    tracking = tracking_of(suggest(public))
    log_in(site.client)
    item = pending_item(site.client)
    token = csrf_of(site.client, item)
    missing = site.client.post(item + "/reject", data={"csrf_token": token, "reason": ""})
    assert missing.status_code == 422 and "Give the reason" in missing.text
    site.client.post(item + "/reject", data={"csrf_token": token, "reason": "A duplicate of an event we list."})
    status = public.get(tracking).text
    assert "Not published." in status and "A duplicate of an event we list." in status


def test_a_suggestion_already_on_the_site_is_marked_published_with_its_link(site: DeskSite) -> None:
    public = TestClient(site.client.app)
    tracking = tracking_of(suggest(public))
    log_in(site.client)
    item = pending_item(site.client)
    token = csrf_of(site.client, item)
    unknown = site.client.post(item + "/published", data={"csrf_token": token, "published_slug": "no-such-event"})
    assert unknown.status_code == 422 and "There is no event on the site with this file name" in unknown.text
    assert 'value="no-such-event"' in unknown.text and "Pending." in public.get(tracking).text
    marked = site.client.post(item + "/published", data={"csrf_token": token, "published_slug": "screening-youth-webinar"},
                              follow_redirects=False)
    assert marked.status_code == 303
    after = public.get(tracking).text
    assert "Published." in after and 'href="/events/screening-youth-webinar"' in after
    assert "Nothing is waiting." in site.client.get("/manage/pending").text


def test_a_reject_sent_while_the_item_is_published_waits_and_finds_it_published(site: DeskSite) -> None:
    """Another coordinator (in another worker, with its own queue and lock) rejects the item while
    it is being published: the reject waits for the publish, then is refused; the person hears
    only that it was published."""
    public = TestClient(site.client.app)
    tracking = tracking_of(suggest(public))
    log_in(site.client)
    item = pending_item(site.client)
    other = TestClient(create_app(site.config, site.events, watch=False, state_dir=site.root))
    log_in(other, "ben@example.org")
    token = csrf_of(other, item)
    rejected: list[Any] = []
    reject = threading.Thread(target=lambda: rejected.append(
        other.post(item + "/reject", data={"csrf_token": token, "reason": "Out of scope."})))
    editor = site.client.app.state.desk.editor
    create = editor.create

    def create_while_the_other_rejects(*args: Any, **kwargs: Any) -> Any:
        reject.start()
        time.sleep(0.5)  # time for the reject to reach the queue's lock, which the publish holds
        return create(*args, **kwargs)

    editor.create = create_while_the_other_rejects
    published = site.client.post(item, data={**form_of(site.client, item), "action": "publish"})
    reject.join(30)
    assert published.status_code == 200 and "Published: Housing Options for Survivors." in published.text
    assert rejected[0].status_code == 409 and "already published" in rejected[0].text
    status = public.get(tracking).text
    assert "Published." in status and "Out of scope." not in status


def test_a_queue_folder_taken_by_a_file_refuses_the_suggestion_plainly(site: DeskSite) -> None:
    (site.root / "pending").write_text("not a folder")
    response = suggest(TestClient(site.client.app))
    assert response.status_code == 503 and "your suggestion could not be saved" in response.text.lower()
    assert 'value="Housing Options for Survivors"' in response.text
    assert site.client.get("/suggest/status/" + "x" * 32).status_code == 404  # reading it is no 500 either


def test_an_invalid_suggestion_gets_field_errors_and_is_not_queued(site: DeskSite) -> None:
    response = suggest(TestClient(site.client.app), start="next Tuesday", email="not an address",
                       description="<script>alert(1)</script>")
    assert response.status_code == 422
    assert re.search(r'id="f-start-error"><li>&#39;next Tuesday&#39; is not a date', response.text)
    assert 'id="f-email-error"' in response.text and 'id="f-description-error"' in response.text
    assert 'value="Housing Options for Survivors"' in response.text
    assert not (site.root / "pending").exists()


def test_the_public_cannot_set_identity_or_status(site: DeskSite) -> None:
    suggest(TestClient(site.client.app), uid="cst-law-enforcement-columbia@calendar.example.org",
            status="cancelled", featured="on")
    queued = next((site.root / "pending").glob("*.md")).read_text()
    assert "uid" not in queued and "status" not in queued and "featured" not in queued


def test_the_honeypot_catches_robots(site: DeskSite) -> None:
    response = suggest(TestClient(site.client.app), website="http://spam.example")
    assert response.status_code == 200 and "Thank you" in response.text and "tracking-link" not in response.text
    assert not (site.root / "pending").exists()


def test_suggestions_are_limited_per_address_and_in_size(tmp_path: Path) -> None:
    site = make_site(tmp_path, settings="suggestions_per_hour = 2", login=False)
    public = TestClient(site.client.app)
    assert suggest(public).status_code == 200
    assert suggest(public, title="Second").status_code == 200
    third = suggest(public, title="Third")
    assert third.status_code == 429 and "Too many suggestions from your address" in third.text
    assert 3500 < int(third.headers["retry-after"]) <= 3600
    huge = suggest(TestClient(site.client.app), description="x" * 70_000)
    assert huge.status_code == 413
    assert len(list((site.root / "pending").glob("*.md"))) == 2


def test_a_limit_of_none_an_hour_refuses_every_suggestion(tmp_path: Path) -> None:
    site = make_site(tmp_path, settings="suggestions_per_hour = 0", login=False)
    refused = suggest(TestClient(site.client.app))
    assert refused.status_code == 429 and "Too many suggestions from your address" in refused.text
    assert not (site.root / "pending").exists()


def test_no_suggestions_when_the_site_takes_none(tmp_path: Path) -> None:
    site = make_site(tmp_path, settings="allow_suggestions = false", login=False)
    assert site.client.get("/suggest").status_code == 404
    assert site.client.post("/suggest", data={}).status_code == 404


def test_an_unknown_tracking_link_is_a_readable_404(site: DeskSite) -> None:
    response = site.client.get("/suggest/status/not-a-real-token")
    assert response.status_code == 404 and "There is no suggestion at this address" in response.text


def test_the_suggestion_pages_in_spanish(site: DeskSite) -> None:
    page = site.client.get("/es/suggest")
    assert page.status_code == 200 and '<html lang="es"' in page.text
    assert "Sugerir un evento" in page.text and 'action="/es/suggest"' in page.text
    assert '<div class="form-fields" lang="en">' in page.text  # the coordinators' fields, said to be English
    data = {**form_of(site.client, "/es/suggest"), "title": "Housing Options for Survivors", "type": "webinar",
            "start": "2027-06-08 13:00", "end": "14:00", "online": "on",
            "online.url": "https://www.example.org/join/housing", "email": "dana@example.org",
            "description": "Where survivors can live safely."}
    thanks = site.client.post("/es/suggest", data=data)
    assert thanks.status_code == 200 and "Gracias" in thanks.text
    match = re.search(r'class="tracking-link" href="http://127.0.0.1:8000(/es/suggest/status/[^"]+)"', thanks.text)
    assert match, thanks.text[:1500]
    status = site.client.get(match.group(1))
    assert status.status_code == 200 and '<html lang="es"' in status.text
    missing = site.client.get("/es/suggest/status/no-such-token")
    assert missing.status_code == 404 and "No hay ninguna sugerencia en esta dirección" in missing.text
