"""Routes: /suggest, where anyone may propose an event, and its private tracking page.

Open only when the site allows suggestions. A suggestion is checked by the validator like any
event, goes to the pending queue (never straight onto the site), and is limited per address
and in size; a field hidden from people (the honeypot) catches most form-filling robots,
which are thanked and forgotten. The person gets a private link that shows whether their
suggestion is pending, published (with the link) or rejected (with the reason).

Both are also under `/es` (`/es/suggest`, `/es/suggest/status/<token>`): the page around the form,
its "about you" fields, the thanks and the tracking page are in Spanish. The event's own fields
are the coordinators' form (`templates/manage/_form.html`, and the validator's messages), which
stays English; the Spanish page marks it `lang="en"`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from email_validator import EmailNotValidError, validate_email
from fastapi import APIRouter, BackgroundTasks, HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ..core.errors import Problem
from ..desk.editing import EditRefused, SaveFailed
from ..desk.eventform import FormValues, empty_values, values_from_form
from ..render.frame import language_links
from ..render.language import N_, language_of_path, words
from ..render.urls import SiteUrls
from .desk import client_address, desk_of, pause, posted_form, render
from .formview import SUGGEST_FIELDS, form_view
from .pages import SaidError, in_every_language

router = APIRouter(include_in_schema=False)
HONEYPOT = "website"
MAX_SUGGESTION_BYTES = 64 * 1024  # a suggestion is a page of text, not a file upload
NO_SUGGESTIONS = N_("This calendar does not take suggestions.")
NO_SUGGESTION_HERE = N_("There is no suggestion at this address. Check that the whole link was copied.")
TOO_MANY = N_("Too many suggestions from your address. Please try again in %(wait)s.")
_route = partial(in_every_language, router)  # `/suggest` and `/es/suggest` alike


def _urls(request: Request) -> SiteUrls:
    return SiteUrls(desk_of(request).site.config.base_url, lang=language_of_path(request.url.path))


def _open(request: Request) -> None:
    if not desk_of(request).site.config.allow_suggestions:
        raise HTTPException(404, NO_SUGGESTIONS)


@_route("/suggest", ["GET"])
def suggest_page(request: Request) -> Response:
    _open(request)
    values = empty_values()
    values["type"] = desk_of(request).site.config.types[0]
    return _form(request, values, name="", email="")


@_route("/suggest", ["POST"])
async def suggest(request: Request, tasks: BackgroundTasks) -> Response:
    _open(request)
    form = await posted_form(request, MAX_SUGGESTION_BYTES)
    # The rest writes to the disk and may wait for another worker's lock: off the event loop.
    return await run_in_threadpool(_suggest, request, tasks, form)


def _suggest(request: Request, tasks: BackgroundTasks, form: Any) -> Response:
    desk = desk_of(request)
    address = "suggest:" + client_address(request)
    if form.get(HONEYPOT):
        return render(request, "suggest_thanks.html", tracking_url=None)
    values = values_from_form(form)
    allowed = {f.name for f in SUGGEST_FIELDS}
    values = {k: (v if k in allowed else "") for k, v in values.items()}
    name = " ".join(str(form.get("name", "")).split())[:100]
    email = str(form.get("email", "")).strip()[:254]
    problems: list[Problem] = []
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            problems.append(Problem("suggestion", None, "email", f"is not a well-formed e-mail address ({exc})"))
    try:
        text = desk.editor.check_suggestion(values)
    except EditRefused as exc:
        return _form(request, values, name=name, email=email, problems=problems + exc.problems,
                     body_line=exc.body_line, status=422)
    if problems:
        return _form(request, values, name=name, email=email, problems=problems, status=422)
    # Checked and counted in one step, so suggestions sent at once cannot all slip under the limit.
    wait = desk.suggestions.take(address)
    if wait > 0:
        lang = language_of_path(request.url.path)
        said, headers = pause(wait, lang)
        raise SaidError(429, words(lang).gettext(TOO_MANY) % {"wait": said}, headers=headers)
    try:
        item, token = desk.queue.submit(text, kind="suggestion", name=name, email=email, lang=_urls(request).lang)
    except SaveFailed as exc:  # the disk refused it: the person keeps what they typed, and is not counted
        desk.suggestions.give_back(address)
        problem = Problem("suggestion", None, None,
                          f"your suggestion could not be saved: the server cannot store it right now ({exc.reason}); "
                          "nothing was sent, and what you typed is below", "please try again later")
        return _form(request, values, name=name, email=email, problems=[problem], status=exc.status)
    base = desk.site.config.base_url
    assert token is not None, "a suggestion always has its tracking token"
    tracking_url = _urls(request).full.suggestion_status(token)
    emails = [c.email for c in desk.accounts.all()]
    tasks.add_task(desk.notifier.suggestion_arrived, emails, item.title, f"{base}/manage/pending/{item.id}", name)
    if email:
        # None of their text in it: see `desk.notify`.
        tasks.add_task(desk.notifier.suggestion_received, email, tracking_url, item.lang)
    return render(request, "suggest_thanks.html", tracking_url=tracking_url, title=item.title)


@_route("/suggest/status/{token}", ["GET"])
def suggestion_status(request: Request, token: str) -> Response:
    desk = desk_of(request)
    item = desk.queue.by_token(token[:100])
    if item is None:
        raise HTTPException(404, NO_SUGGESTION_HERE)
    event = desk.site.catalog.by_slug.get(item.slug) if item.slug else None
    return render(request, "suggest_status.html", item=item, event=event)


def _form(request: Request, values: FormValues, *, name: str, email: str, status: int = 200,
          problems: Any = None, body_line: int | None = None) -> Response:
    config = desk_of(request).site.config
    return render(
        request, "suggest.html", status=status, form=form_view(values, config, problems, body_line, SUGGEST_FIELDS),
        name=name, email=email, honeypot=HONEYPOT,
        languages=language_links(_urls(request), lambda u: u.suggest() or ""),
    )
