"""Routes: the coordinators' pages under /manage (every one needs a login).

An anonymous request is sent to the login page and sees no data. Every form that changes
anything carries the session's CSRF token. Saving validates with the validator itself and
shows its problems beside the fields; what was typed is always kept on a failed submit.

A save runs off the event loop once its form is read: it writes to the disk under a lock that
another worker may hold, and the site then reloads what changed, while this process goes on
serving feeds and pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..desk.accounts import Coordinator
from ..desk.editing import EditConflict, EditRefused, EventNotFound, Saved
from ..desk.eventform import FormValues, blank_change_rows, empty_values, values_from_form
from ..files.site import Site
from ..render.urls import SiteUrls
from . import api_write, auth, pending_routes, sources_routes, suggest
from .desk import author_of, coordinator_required, desk_of, flash, posted_form, render
from .desk import install as install_desk
from .feedcache import FeedCache
from .formview import form_view, preview

router = APIRouter()  # its pages stay out of the OpenAPI document; the write API it includes is in it


def install(app: FastAPI, site: Site, state_dir: Path) -> None:
    """Sessions, the coordinators' desk, and the login page for anonymous requests (see `desk`)."""
    install_desk(app, site, state_dir)


Who = Depends(coordinator_required)
LOCKED = frozenset({"uid"})
ADD_CHANGE = "add-change"  # the form's "Add another session change": shown again with one more empty row


# --- the desk ----------------------------------------------------------------------------------


@router.get("/manage", include_in_schema=False)
def dashboard(request: Request, show: str = "upcoming", q: str = "", coordinator: Coordinator = Who) -> Response:
    desk = desk_of(request)
    site = desk.site
    today = site.clock.today()
    catalog = site.catalog
    events = catalog.events if show == "all" else catalog.ending_on_or_after(today)
    wanted = q.strip().casefold()[:200]
    if wanted:
        events = [e for e in events if wanted in e.title.casefold() or wanted in e.slug]
    return render(
        request, "manage/index.html", q=q[:200],
        events=events, show=show, problems=site.problems, waiting=len(desk.queue.waiting()),
        feeds=_feed_sizes(site), uses_git=desk.history.uses_git,
    )


def _feed_sizes(site: Site) -> list[dict[str, Any]]:
    """Each feed's size and count, beside the limits Google Calendar reads up to."""
    cache = FeedCache.of(site)
    urls = SiteUrls(site.config.base_url)
    rows = [("All events", urls.feed(), cache.feed())]
    rows += [(o.name, urls.observance_feed(o.id), cache.observance_feed(o.id)) for o in site.config.observances]
    config = site.config
    return [
        {"name": name, "path": path, "count": feed.count, "bytes": len(feed.body),
         "too_big": feed.count > config.feed_max_events or len(feed.body) > config.feed_max_bytes}
        for name, path, feed in rows
    ]


# --- new event ---------------------------------------------------------------------------------


@router.get("/manage/new", include_in_schema=False)
def new_event(request: Request, coordinator: Coordinator = Who) -> Response:
    values = empty_values()
    values["type"] = desk_of(request).site.config.types[0]
    return _new_form(request, values, "")


@router.post("/manage/new", include_in_schema=False)
async def create_event(request: Request, coordinator: Coordinator = Who) -> Response:
    return await run_in_threadpool(_create_event, request, coordinator, await posted_form(request))


def _create_event(request: Request, coordinator: Coordinator, form: Any) -> Response:
    desk = desk_of(request)
    values = values_from_form(form)
    slug = str(form.get("slug", "")).strip()
    action = form.get("action")
    if action == ADD_CHANGE:
        return _new_form(request, values, slug, blank_rows=blank_change_rows(form) + 1)
    if action == "draft":
        try:
            item = desk.queue.submit(desk.editor.draft_text(values), kind="draft", name=coordinator.name,
                                     email=coordinator.email)[0]
        except EditRefused as exc:
            return _new_form(request, values, slug, problems=exc.problems, status=exc.status)
        flash(request, "Draft saved. It is not published until you publish it.")
        return RedirectResponse(f"/manage/pending/{item.id}", status_code=303)
    try:
        if action == "preview":
            _text, _path, event = desk.editor.check_new(values, slug)
            return _new_form(request, values, slug, preview=preview(desk.site, event))
        saved = desk.editor.create(values, author_of(coordinator), slug)
    except EditRefused as exc:
        return _new_form(request, values, slug, problems=exc.problems, body_line=exc.body_line, status=exc.status)
    return _after_save(request, saved, "Published")


def _new_form(request: Request, values: FormValues, slug: str, *, status: int = 200, problems: Any = None,
              body_line: int | None = None, preview: Any = None, blank_rows: int | None = None) -> Response:
    site = desk_of(request).site
    form = form_view(values, site.config, problems, body_line, today=site.clock.today(), blank_rows=blank_rows,
                     adds_rows=True)
    return render(
        request, "manage/edit.html", status=status, heading="New event", action="/manage/new", is_new=True,
        form=form, slug=slug, version="", preview=preview, conflict=False, file_problems=[], published=None,
    )


def _after_save(request: Request, saved: Saved, verb: str) -> Response:
    note = f"{verb}: {saved.event.title}."
    if saved.sequence_bumped:
        note += f" Time, place or status changed, so its sequence is now {saved.event.sequence}."
    if not saved.changed:
        note = "Nothing changed, so nothing was saved."
    if saved.warning:
        note += " " + saved.warning
    flash(request, note)
    return RedirectResponse(f"/manage/events/{saved.slug}/edit", status_code=303)


# --- edit, cancel, history -----------------------------------------------------------------------


@router.get("/manage/events/{slug}/edit", include_in_schema=False)
def edit_event(request: Request, slug: str, coordinator: Coordinator = Who) -> Response:
    desk = desk_of(request)
    source = _source(request, slug)
    general = [] if source.values is not None else [
        "The front matter of this file cannot be read, so the form starts empty. Fix the file in an editor, "
        "or fill the form and tick 'Rewrite the file'."
    ]
    return _edit_form(request, slug, source.values or empty_values(), source.version, general=general,
                      file_problems=_file_problems(desk.site, source.path))


@router.post("/manage/events/{slug}/edit", include_in_schema=False)
async def save_event(request: Request, slug: str, coordinator: Coordinator = Who) -> Response:
    return await run_in_threadpool(_save_event, request, slug, coordinator, await posted_form(request))


def _save_event(request: Request, slug: str, coordinator: Coordinator, form: Any) -> Response:
    desk = desk_of(request)
    values = values_from_form(form)
    version = str(form.get("version", ""))
    allow_rewrite = form.get("allow_rewrite") == "on"
    current = _source(request, slug).values
    if current is not None:
        values["uid"] = current["uid"]  # calendar apps know the event by it: never changed from the form
        values["source"] = current["source"]  # where a sync brought it from: kept as the file says
    if form.get("action") == ADD_CHANGE:  # the form again with one more empty row; nothing is checked or saved
        return _edit_form(request, slug, values, version, blank_rows=blank_change_rows(form) + 1)
    try:
        if form.get("action") == "preview":
            source = _source(request, slug)
            if source.version != version:
                raise EditConflict(slug, source.version)
            _text, event, _bumped = desk.editor.check_edit(source, values, allow_rewrite=allow_rewrite)
            return _edit_form(request, slug, values, version, preview=preview(desk.site, event))
        saved = desk.editor.update(slug, values, version, author_of(coordinator), allow_rewrite=allow_rewrite)
    except EventNotFound:
        raise HTTPException(404, f"There is no event {slug!r}.") from None
    except EditConflict as exc:
        return _edit_form(request, slug, values, version, status=409, general=[str(exc)], conflict=True)
    except EditRefused as exc:
        return _edit_form(request, slug, values, version, status=exc.status, problems=exc.problems,
                          body_line=exc.body_line)
    return _after_save(request, saved, "Saved")


def _source(request: Request, slug: str) -> Any:
    try:
        return desk_of(request).editor.source(slug)
    except EventNotFound:
        raise HTTPException(404, f"There is no event {slug!r}.") from None


def _file_problems(site: Site, path: Path) -> list[str]:
    shown = {str(path), str(path.resolve())}
    return [str(p) for p in site.problems if p.path in shown or Path(p.path).resolve() == path.resolve()]


def _edit_form(request: Request, slug: str, values: FormValues, version: str, *, status: int = 200,
               problems: Any = None, body_line: int | None = None, general: list[str] | None = None,
               preview: Any = None, conflict: bool = False, file_problems: list[str] | None = None,
               blank_rows: int | None = None) -> Response:
    desk = desk_of(request)
    form = form_view(values, desk.site.config, problems, body_line, general=general, locked=LOCKED,
                     today=desk.site.clock.today(), blank_rows=blank_rows, adds_rows=True)
    return render(
        request, "manage/edit.html", status=status, heading="Edit event", action=f"/manage/events/{slug}/edit",
        is_new=False, form=form,
        slug=slug,
        version=version, preview=preview, conflict=conflict, file_problems=file_problems or [],
        published=desk.site.catalog.by_slug.get(slug),
    )


@router.get("/manage/events/{slug}/cancel", include_in_schema=False)
def cancel_page(request: Request, slug: str, coordinator: Coordinator = Who) -> Response:
    source = _source(request, slug)
    event = desk_of(request).site.catalog.by_slug.get(slug)
    return render(request, "manage/cancel.html", slug=slug, event=event, version=source.version, reason="", errors=[])


@router.post("/manage/events/{slug}/cancel", include_in_schema=False)
async def cancel_event(request: Request, slug: str, coordinator: Coordinator = Who) -> Response:
    return await run_in_threadpool(_cancel_event, request, slug, coordinator, await posted_form(request))


def _cancel_event(request: Request, slug: str, coordinator: Coordinator, form: Any) -> Response:
    desk = desk_of(request)
    reason = str(form.get("reason", ""))
    version = str(form.get("version", ""))
    event = desk.site.catalog.by_slug.get(slug)
    try:
        saved = desk.editor.cancel(slug, reason, version, author_of(coordinator))
    except EventNotFound:
        raise HTTPException(404, f"There is no event {slug!r}.") from None
    except (EditRefused, EditConflict) as exc:
        errors = [p.message for p in exc.problems] if isinstance(exc, EditRefused) else [str(exc)]
        status = exc.status if isinstance(exc, EditRefused) else 409
        return render(request, "manage/cancel.html", status=status, slug=slug, event=event, version=version,
                      reason=reason, errors=errors)
    return _after_save(request, saved, "Cancelled")


@router.get("/manage/events/{slug}/history", include_in_schema=False)
def event_history(request: Request, slug: str, coordinator: Coordinator = Who) -> Response:
    desk = desk_of(request)
    path = desk.editor.path_of(slug)
    entries = desk.history.entries(slug, path)
    if path is None and not entries:
        raise HTTPException(404, f"There is no event {slug!r}.")
    return render(request, "manage/history.html", slug=slug, event=desk.site.catalog.by_slug.get(slug),
                  entries=entries, uses_git=desk.history.uses_git)


router.include_router(auth.router)
router.include_router(pending_routes.router, dependencies=[Who])
router.include_router(sources_routes.router, dependencies=[Who])
router.include_router(suggest.router)
router.include_router(api_write.router)
