"""Logging coordinators in and out.

A failed login says only that the name or password was wrong, whichever it was, and takes as
long for an unknown name as for a known one. Failures are counted per account (whichever of its
names was typed) and per address; past the limit that account or address is paused for a while,
with the same answer for names that exist and names that do not.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..accounts import AccountError, Coordinator
from .desk import Desk, client_address, current_coordinator, desk_of, log_in, pause, posted_form, render

router = APIRouter(include_in_schema=False)
log = logging.getLogger("calendar_app")
WRONG = "The name or password is not right."


def safe_next(target: str | None) -> str:
    """Only a path on this site, so the login form cannot be used to send people elsewhere."""
    if not target:
        return "/manage"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/manage"
    return target


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:  # noqa: A002 - the query name
    if current_coordinator(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", next=safe_next(next), identifier="", error=None)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await posted_form(request)
    desk = desk_of(request)
    identifier = str(form.get("identifier", ""))[:254].strip()
    password = str(form.get("password", ""))[:1024]
    target = safe_next(str(form.get("next", "")))
    try:
        # Off the event loop: argon2 takes a noticeable time on purpose, and the counts' file may
        # wait for another worker's lock; neither should hold up the pages this process serves.
        coordinator, wait = await run_in_threadpool(_attempt, desk, identifier, password, client_address(request))
    except AccountError as exc:
        log.error("cannot check a login: %s", exc)
        error = "Logging in is not possible right now: the site's list of coordinators cannot be read."
        return render(request, "login.html", status=503, next=target, identifier=identifier, error=error)
    if wait > 0:
        words, headers = pause(wait)
        response = render(request, "login.html", status=429, next=target, identifier=identifier,
                          error=f"Too many failed attempts. Try again in {words}.")
        response.headers.update(headers)
        return response
    if coordinator is None:
        return render(request, "login.html", status=401, next=target, identifier=identifier, error=WRONG)
    log_in(request, coordinator)
    return RedirectResponse(target, status_code=303)


def _attempt(desk: Desk, identifier: str, password: str, address: str) -> tuple[Coordinator | None, float]:
    """The coordinator if the password is theirs, and the seconds to wait when paused.

    The attempt is counted before the password is checked, in one step with the check of the
    count: guesses sent all at once cannot all slip under the limit. A success gives it back.
    """
    account_key = "account:" + _account_of(desk, identifier)
    address_key = "address:" + address
    wait = desk.failed_by_account.take(account_key)
    if wait == 0:
        wait = desk.failed_by_address.take(address_key)
        if wait > 0:
            desk.failed_by_account.give_back(account_key)
    if wait > 0:
        return None, wait
    try:
        coordinator = desk.accounts.verify_login(identifier, password)
    except AccountError:
        desk.failed_by_account.give_back(account_key)
        desk.failed_by_address.give_back(address_key)
        raise
    if coordinator is not None:
        desk.failed_by_account.reset(account_key)
        desk.failed_by_address.give_back(address_key)
    return coordinator, 0.0


def _account_of(desk: Desk, identifier: str) -> str:
    """The key an account's failures are counted under, whichever of its names was typed."""
    try:
        coordinator = desk.accounts.find(identifier) if identifier else None
    except AccountError:
        coordinator = None
    return (coordinator.email if coordinator else identifier).casefold()


@router.post("/logout")
async def logout(request: Request) -> Response:
    await posted_form(request)
    request.session.clear()
    response = RedirectResponse("/login?next=/manage", status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response
