"""Routes: the pending queue under /manage/pending (suggestions and drafts).

Included by `manage` behind the login. Approving publishes the event (with the coordinator's
edits) through the same checks as any new event; rejecting keeps the item with its reason,
which the person who suggested it sees on their tracking page. An item can also be marked as
published by an event already on the site. Deleting moves the item to the trash folder.

Each step runs off the event loop once its form is read: it writes to the disk and may wait for
another worker's lock on the queue.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..core.config import SiteConfig
from ..core.errors import EventFileError
from ..core.frontmatter import split_front_matter
from ..desk.accounts import Coordinator
from ..desk.editing import EditRefused, slugify
from ..desk.eventform import (
    FormValues,
    empty_values,
    values_from_data,
    values_from_form,
)
from ..desk.pending import (
    PENDING,
    PUBLISHED,
    REJECTED,
    NotRecorded,
    PendingError,
    PendingItem,
)
from ..render.phrasing import moment_text
from ..render.urls import SiteUrls
from .desk import author_of, coordinator_required, desk_of, flash, posted_form, render
from .formview import form_view, preview

router = APIRouter(include_in_schema=False)
Who = Depends(coordinator_required)


@router.get("/manage/pending")
def pending_list(request: Request, coordinator: Coordinator = Who) -> Response:
    desk = desk_of(request)
    items = desk.queue.waiting()
    return render(request, "manage/pending.html", items=items,
                  received={item.id: _received(item, desk.site.config) for item in items})


@router.get("/manage/pending/{item_id}")
def pending_item(request: Request, item_id: str, coordinator: Coordinator = Who) -> Response:
    item = _item(request, item_id)
    try:
        front = split_front_matter(item.text, f"{item.id}.md")
        values, general = values_from_data(front.data, front.body.strip("\n")), []
    except EventFileError as exc:
        values, general = empty_values(), [f"The queued file cannot be read ({exc}); the form starts empty."]
    return _form(request, item, values, slugify(values.get("title", "")), general=general)


# Each decision is a route declared for FastAPI (its address, the coordinator it needs) that hands
# the work to a plain function run by `_decide`: the signatures repeat, the work does not.
Decision = Callable[[Request, str, BackgroundTasks, Coordinator, Any], Response]


async def _decide(
    step: Decision, request: Request, item_id: str, tasks: BackgroundTasks, coordinator: Coordinator
) -> Response:
    """`step` with the posted form, off the event loop: a decision waits for the queue's lock and
    the disk, which should not hold up the pages this process serves."""
    return await run_in_threadpool(step, request, item_id, tasks, coordinator, await posted_form(request))


@router.post("/manage/pending/{item_id}")
async def pending_save(
    request: Request, item_id: str, tasks: BackgroundTasks, coordinator: Coordinator = Who
) -> Response:
    return await _decide(_pending_save, request, item_id, tasks, coordinator)


def _pending_save(
    request: Request, item_id: str, tasks: BackgroundTasks, coordinator: Coordinator, form: Any
) -> Response:
    desk = desk_of(request)
    item = _item(request, item_id)
    values = values_from_form(form)
    values["source"] = _values_of(item)["source"]  # a synced event's origin, never the form's to change
    slug = str(form.get("slug", "")).strip()
    action = form.get("action")
    try:
        if action == "save":
            desk.queue.save_text(item.id, desk.editor.draft_text(values))
            flash(request, "Saved; still waiting to be published.")
            return RedirectResponse(f"/manage/pending/{item.id}", status_code=303)
        if action == "preview":
            _text, _path, event = desk.editor.check_new(values, slug)
            return _form(request, item, values, slug, preview=preview(desk.site, event))
        saved = desk.queue.publish(item.id, by=coordinator.name, make=lambda: desk.editor.create(
            values, author_of(coordinator), slug, action="published"))
        note = f"Published: {saved.event.title}."
    except NotRecorded as exc:
        # The event is on the site; only the queue's record of it failed. Say so rather than
        # answer with an error page for a publication that took place.
        saved = exc.saved
        note = (f"Published: {saved.event.title}. {_plain(exc.failure)} The item still waits in the queue: once "
                f"the disk takes writes again, open it and mark it as already published as {saved.slug}.")
    except EditRefused as exc:
        return _form(request, item, values, slug, problems=exc.problems, body_line=exc.body_line, status=exc.status)
    except PendingError as exc:
        raise HTTPException(409, str(exc)) from None
    if item.kind == "suggestion" and item.email:
        url = SiteUrls(desk.site.config.base_url, lang=item.lang).full.event(saved.slug)
        tasks.add_task(desk.notifier.suggestion_published, item.email, url, item.lang)
    flash(request, note)
    return RedirectResponse(f"/manage/events/{saved.slug}/edit", status_code=303)


@router.post("/manage/pending/{item_id}/reject")
async def pending_reject(
    request: Request, item_id: str, tasks: BackgroundTasks, coordinator: Coordinator = Who
) -> Response:
    return await _decide(_pending_reject, request, item_id, tasks, coordinator)


def _pending_reject(
    request: Request, item_id: str, tasks: BackgroundTasks, coordinator: Coordinator, form: Any
) -> Response:
    desk = desk_of(request)
    item = _item(request, item_id)
    reason = " ".join(str(form.get("reason", "")).split())[:1000]
    if not reason:
        return _form(request, item, _values_of(item), "", status=422, reason_error="Give the reason; the person "
                     "who suggested the event will see it.")
    try:
        desk.queue.decide(item.id, REJECTED, by=coordinator.name, reason=reason)
    except EditRefused as exc:
        return _form(request, item, _values_of(item), "", status=exc.status, reason=reason,
                     reason_error=_plain(exc))
    except PendingError as exc:
        raise HTTPException(409, str(exc)) from None
    if item.kind == "suggestion" and item.email:
        tasks.add_task(desk.notifier.suggestion_rejected, item.email, reason, item.lang)
    flash(request, f"Rejected: {item.title}.")
    return RedirectResponse("/manage/pending", status_code=303)


@router.post("/manage/pending/{item_id}/published")
async def pending_mark_published(
    request: Request, item_id: str, tasks: BackgroundTasks, coordinator: Coordinator = Who
) -> Response:
    """Mark an item as published by an event that is on the site already (made by hand, or
    published when the queue could not record it): the person who suggested it gets the link."""
    return await _decide(_mark_published, request, item_id, tasks, coordinator)


def _mark_published(
    request: Request, item_id: str, tasks: BackgroundTasks, coordinator: Coordinator, form: Any
) -> Response:
    desk = desk_of(request)
    item = _item(request, item_id)
    slug = str(form.get("published_slug", "")).strip()[:200]
    event = desk.site.catalog.by_slug.get(slug)
    if event is None:
        return _form(request, item, _values_of(item), "", status=422, published_slug=slug,
                     published_error="There is no event on the site with this file name (slug).")
    try:
        desk.queue.decide(item.id, PUBLISHED, by=coordinator.name, slug=event.slug)
    except EditRefused as exc:
        return _form(request, item, _values_of(item), "", status=exc.status, published_slug=slug,
                     published_error=_plain(exc))
    except PendingError as exc:
        raise HTTPException(409, str(exc)) from None
    if item.kind == "suggestion" and item.email:
        url = SiteUrls(desk.site.config.base_url, lang=item.lang).full.event(event.slug)
        tasks.add_task(desk.notifier.suggestion_published, item.email, url, item.lang)
    flash(request, f"Marked as published: {item.title}, as {event.title}.")
    return RedirectResponse("/manage/pending", status_code=303)


@router.post("/manage/pending/{item_id}/delete")
async def pending_delete(request: Request, item_id: str, coordinator: Coordinator = Who) -> Response:
    await posted_form(request)
    return await run_in_threadpool(_pending_delete, request, item_id)


def _pending_delete(request: Request, item_id: str) -> Response:
    desk = desk_of(request)
    item = _item(request, item_id)
    try:
        desk.queue.discard(item.id)
    except EditRefused as exc:
        return _form(request, item, _values_of(item), "", status=exc.status, general=[_plain(exc)])
    except PendingError as exc:
        raise HTTPException(409, str(exc)) from None
    flash(request, f"Deleted: {item.title}. The file was moved to the trash folder.")
    return RedirectResponse("/manage/pending", status_code=303)


def _item(request: Request, item_id: str) -> PendingItem:
    """The item, if it is still waiting for a decision."""
    try:
        item = desk_of(request).queue.get(item_id)
    except PendingError:
        raise HTTPException(404, "There is no such pending event.") from None
    if item.state != PENDING:
        raise HTTPException(
            409, f"This item was already {item.state}" + (f" by {item.decided_by}." if item.decided_by else ".")
        )
    return item


def _received(item: PendingItem, config: SiteConfig) -> str:
    """When the item came in, in the site's zone, as the partner calendars' page gives times."""
    try:
        moment = datetime.fromisoformat(item.created)
    except ValueError:
        return item.created
    return moment_text(moment if moment.tzinfo else moment.replace(tzinfo=UTC), config.zone)


def _values_of(item: PendingItem) -> FormValues:
    try:
        front = split_front_matter(item.text, f"{item.id}.md")
    except EventFileError:
        return empty_values()
    return values_from_data(front.data, front.body.strip("\n"))


def _plain(refused: EditRefused) -> str:
    """A refused step's problems as one line of text for the page."""
    return " ".join(p.explained for p in refused.problems)


def _form(request: Request, item: PendingItem, values: FormValues, slug: str, *, status: int = 200,
          problems: Any = None, body_line: int | None = None, general: list[str] | None = None,
          preview: Any = None, reason: str = "", reason_error: str | None = None,
          published_slug: str = "", published_error: str | None = None) -> Response:
    config = desk_of(request).site.config
    return render(
        request, "manage/pending_item.html", status=status, item=item, slug=slug, preview=preview,
        received=_received(item, config),
        form=form_view(values, config, problems, body_line, general=general), reason=reason,
        reason_error=reason_error, published_slug=published_slug, published_error=published_error,
        heading=("Suggestion: " if item.kind == "suggestion" else "Draft: ") + item.title,
    )
