"""The coordinators' desk: what the manage, suggest and write-API routes share.

`install` is called once by `create_app`: it adds the signed session cookie (Starlette's
SessionMiddleware: itsdangerous-signed, HttpOnly, SameSite=Lax, Secure when the site is
served over https) and builds the `Desk` the routes reach with `desk_of(request)`.
"""

from __future__ import annotations

import hmac
import math
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from urllib.parse import urlencode

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData
from starlette.middleware.sessions import SessionMiddleware

from ..accounts import Accounts, Coordinator
from ..editing import Author, Editor
from ..history import History
from ..listing import site_context
from ..notify import Notifier
from ..pending import PendingQueue
from ..rendering import environment
from ..site import Site
from ..throttle import AttemptsFile, Throttle
from ..workspace import Workspace

SESSION_COOKIE = "calendar_session"
MAX_FORM_BYTES = 512 * 1024


@dataclass
class Desk:
    site: Site
    workspace: Workspace
    accounts: Accounts
    editor: Editor
    queue: PendingQueue
    history: History
    notifier: Notifier
    failed_by_account: Throttle
    failed_by_address: Throttle
    suggestions: Throttle


def install(app: FastAPI, site: Site, state_dir: Path) -> Desk:
    config = site.config
    workspace = Workspace(state_dir.absolute(), config)
    history = History(site.events_dir, workspace.change_log, (config.publisher_name, config.publisher_email))
    lockout = config.login_lockout_minutes * 60
    secret = workspace.session_secret()
    attempts = AttemptsFile(workspace.attempts_file, secret)
    desk = Desk(
        site=site,
        workspace=workspace,
        accounts=Accounts(workspace.coordinators_file),
        editor=Editor(site, history, workspace.lock_file),
        queue=PendingQueue(workspace.pending_dir, workspace.trash_dir, workspace.pending_lock_file),
        history=history,
        notifier=Notifier(config),
        # Counted in a file every worker shares, so more workers give no more tries.
        failed_by_account=Throttle(config.login_max_failures, lockout, store=attempts, scope="account"),
        failed_by_address=Throttle(config.login_max_failures * 4, lockout,  # an office shares one address
                                   store=attempts, scope="address"),
        suggestions=Throttle(config.suggestions_per_hour, 3600, store=attempts, scope="suggestion"),
    )
    app.state.desk = desk

    async def to_login(request: Request, exc: Exception) -> Response:
        return login_redirect(request)

    app.add_exception_handler(LoginRequired, to_login)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=config.session_hours * 3600,
        same_site="lax",
        https_only=config.base_url.startswith("https://"),
    )
    return desk


def desk_of(request: Request) -> Desk:
    return request.app.state.desk  # type: ignore[no-any-return]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# --- who is asking -----------------------------------------------------------------------------


def current_coordinator(request: Request) -> Coordinator | None:
    """The logged-in coordinator; None once their account is removed or their password changed."""
    name = request.session.get("user")
    if not isinstance(name, str):
        return None
    coordinator = desk_of(request).accounts.get(name)
    stamp = request.session.get("stamp", "")
    if coordinator is None or not hmac.compare_digest(str(stamp), coordinator.session_stamp):
        return None
    return coordinator


class LoginRequired(Exception):
    """Raised by `coordinator_required`; answered with a redirect to the login page."""


def coordinator_required(request: Request) -> Coordinator:
    """The logged-in coordinator (a route dependency); anonymous requests go to the login page."""
    coordinator = current_coordinator(request)
    if coordinator is None:
        raise LoginRequired()
    return coordinator


def login_redirect(request: Request) -> RedirectResponse:
    """Where an anonymous request for a coordinator page goes: the login page, then back."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    query = urlencode({"next": target if request.method == "GET" else "/manage"})
    return RedirectResponse(f"/login?{query}", status_code=303, headers={"Cache-Control": "no-store"})


def author_of(coordinator: Coordinator) -> Author:
    return Author(coordinator.name, coordinator.email)


def log_in(request: Request, coordinator: Coordinator) -> None:
    request.session.clear()
    request.session.update(user=coordinator.name, stamp=coordinator.session_stamp, csrf=secrets.token_urlsafe(32))


# --- forms -------------------------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def posted_form(request: Request, limit: int = MAX_FORM_BYTES) -> FormData:
    """The posted form, refused (403) without this session's CSRF token and (413) when too large."""
    await read_body(request, limit)
    form = await request.form(max_files=0, max_fields=200, max_part_size=limit)
    sent = form.get("csrf_token")
    expected = request.session.get("csrf")
    if not isinstance(sent, str) or not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        raise HTTPException(403, "This form has expired or did not come from this site. Reload the page and try again.")
    return form


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused (413) past `limit` bytes, declared or not, before it is all read."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise HTTPException(413, f"The request is too large (the limit is {limit // 1024} KB).")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"The request is too large (the limit is {limit // 1024} KB).")
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # noqa: SLF001 - lets request.form() and request.json() parse what was read
    return body


def pause(seconds: float) -> tuple[str, dict[str, str]]:
    """A pause past a limit: how long, in words for the page ("3 minutes"), and the header that
    tells scripts and browsers when to come back."""
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}", {"Retry-After": str(math.ceil(seconds))}


def flash(request: Request, message: str) -> None:
    request.session["flash"] = message


def render(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """A coordinator page: never cached, never framed, with the site's frame around it."""
    site = desk_of(request).site
    values = {
        **site_context(site.config),
        "csrf_token": csrf_token(request),
        "coordinator": current_coordinator(request),
        "flash": request.session.pop("flash", None),
        "current": "manage",
        **context,
    }
    html = environment().get_template(template).render(**values)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"})
