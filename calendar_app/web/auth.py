"""Logging coordinators in and out.

A failed login says only that the name or password was wrong, whichever it was, and takes as
long for an unknown name as for a known one. Failures are counted per address, per account
(whichever of its names was typed) and address together, and per account; past the limit that
address, or that account from that address, is paused for a while, with the same answer for
names that exist and names that do not.

An account's own count pauses no one by itself: names and e-mail addresses are public (commit
authors give them away), and strangers failing from a few addresses must not lock a coordinator
out. Once an account has had `login_max_failures` failures, only addresses that have not failed
on it lately may still try it, so the coordinator, from her own address, still gets in.

Only as many passwords are checked at once as the machine has CPUs (`accounts.CheckSlots`);
a login beyond that is answered at once with 503 and Retry-After, not queued.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..desk.accounts import AccountError, ChecksBusy, Coordinator
from .desk import (
    Desk,
    client_address,
    current_coordinator,
    desk_of,
    log_in,
    log_out,
    pause,
    posted_form,
    render,
)
from .sessions import SessionsUnavailable

router = APIRouter(include_in_schema=False)
log = logging.getLogger("calendar_app")
WRONG = "The name or password is not right."
BUSY = "Many logins are being checked at this moment. Please try again in a few seconds."
BUSY_RETRY_SECONDS = 2


def safe_next(target: str | None) -> str:
    """Only a path on this site, so the login form cannot be used to send people elsewhere."""
    if not target:
        return "/manage"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/manage"
    return target


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:  # `next`: the query parameter's name
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
    except ChecksBusy:
        response = render(request, "login.html", status=503, next=target, identifier=identifier, error=BUSY)
        response.headers["Retry-After"] = str(BUSY_RETRY_SECONDS)
        return response
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
    try:
        log_in(request, coordinator)
    except SessionsUnavailable as exc:
        log.error("cannot open a session: %s", exc)
        error = "Logging in is not possible right now: the site cannot keep track of who is logged in."
        return render(request, "login.html", status=503, next=target, identifier=identifier, error=error)
    return RedirectResponse(target, status_code=303)


def _attempt(desk: Desk, identifier: str, password: str, address: str) -> tuple[Coordinator | None, float]:
    """The coordinator if the password is theirs, and the seconds to wait when paused.

    The attempt is counted for its address, and for the account from that address, before the
    password is checked, in one step with the check of each count: guesses sent all at once
    cannot all slip under the limit. A success gives those back, and so does an attempt that was
    never checked (no free slot, an unreadable file). The account's own count, which pauses no one
    by itself, takes failures only.
    """
    account = _account_of(desk, identifier)
    account_key = "account:" + account
    address_key = "address:" + address
    pair_key = f"account:{account} address:{address}"
    wait = _paused_as_attacked(desk, account_key, pair_key)
    if wait == 0:
        wait = desk.failed_by_address.take(address_key)
        if wait == 0:
            wait = desk.failed_by_pair.take(pair_key)
            if wait > 0:
                desk.failed_by_address.give_back(address_key)
    if wait > 0:
        return None, wait
    try:
        coordinator = desk.accounts.verify_login(identifier, password)
    except (AccountError, ChecksBusy):
        desk.failed_by_pair.give_back(pair_key)
        desk.failed_by_address.give_back(address_key)
        raise
    if coordinator is None:
        desk.failed_by_account.count(account_key)
    else:
        desk.failed_by_account.reset(account_key)
        desk.failed_by_pair.reset(pair_key)
        desk.failed_by_address.give_back(address_key)
    return coordinator, 0.0


def _paused_as_attacked(desk: Desk, account_key: str, pair_key: str) -> float:
    """Once an account has failed `login_max_failures` times, from anywhere: the seconds an address
    that has failed on it lately waits (0 for an address that has not, such as the coordinator's)."""
    account_wait = desk.failed_by_account.retry_after(account_key)
    if account_wait == 0:
        return 0.0
    return min(account_wait, desk.failed_by_pair.retry_after(pair_key, limit=1))


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
    log_out(request)
    response = RedirectResponse("/login?next=/manage", status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response
