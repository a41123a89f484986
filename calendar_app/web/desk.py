"""The coordinators' desk: what the manage, suggest, alerts and write-API routes share.

`install` is called once by `create_app`: it adds the signed session cookie (Starlette's
SessionMiddleware: itsdangerous-signed, HttpOnly, SameSite=Lax, Secure when the site is
served over https) and builds the `Desk` the routes reach with `desk_of(request)`.

The cookie holds only a random session id. Who is logged in is kept on the server
(`sessions.SessionStore`, shared by the workers), so logging out ends the session everywhere;
the CSRF token is an HMAC of the session id, so it is never stored or sent in the cookie either.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData
from starlette.middleware.sessions import SessionMiddleware

from ..desk.accounts import Accounts, Coordinator
from ..desk.alertstore import AlertStore
from ..desk.editing import Author, Editor
from ..desk.history import History
from ..desk.notify import Notifier
from ..desk.pending import PendingQueue
from ..files.site import Site
from ..files.throttle import AttemptsFile, Throttle
from ..files.workspace import Workspace
from ..render.frame import site_context
from ..render.language import DEFAULT_LANGUAGE, N_, language_of_path, words
from ..render.rendering import environment
from .sessions import OpenSession, SessionStore, SessionsUnavailable

SESSION_COOKIE = "calendar_session"
MAX_FORM_BYTES = 512 * 1024
FORM_EXPIRED = N_("This form has expired or did not come from this site. Reload the page and try again.")
log = logging.getLogger("calendar_app")
T = TypeVar("T")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass
class Desk:
    site: Site
    workspace: Workspace
    accounts: Accounts
    editor: Editor
    queue: PendingQueue
    history: History
    notifier: Notifier
    sessions: SessionStore
    csrf_key: bytes
    trusted_proxies: tuple[Network, ...]
    failed_by_account: Throttle
    failed_by_address: Throttle
    failed_by_pair: Throttle
    suggestions: Throttle
    alerts: AlertStore
    alert_signups: Throttle


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
        sessions=SessionStore(workspace.sessions_file, secret, lifetime=config.session_hours * 3600),
        csrf_key=hashlib.sha256(b"calendar-app csrf\0" + secret.encode()).digest(),
        trusted_proxies=config.trusted_networks,
        # Counted in a file every worker shares, so more workers give no more tries. An account's
        # own count pauses nobody by itself (see `auth`): strangers must not lock a coordinator out.
        failed_by_account=Throttle(config.login_max_failures, lockout, store=attempts, scope="account"),
        failed_by_address=Throttle(config.login_max_failures * 4, lockout,  # an office shares one address
                                   store=attempts, scope="address"),
        failed_by_pair=Throttle(config.login_max_failures, lockout, store=attempts, scope="account-address"),
        suggestions=Throttle(config.suggestions_per_hour, 3600, store=attempts, scope="suggestion"),
        alerts=AlertStore(workspace.alerts_file),
        alert_signups=Throttle(config.alerts_signups_per_hour, 3600, store=attempts, scope="alert-signup"),
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
    """The address limits are counted under: the direct peer, unless it is a trusted proxy.

    Behind proxies named in `trusted_proxies`, the right-most address of X-Forwarded-For that is
    not one of them: each proxy appends the address it was reached from, and whatever a client
    writes in the header itself stays to the left of that. From any other peer the header is
    ignored, so a client cannot choose the address it is counted under.
    """
    peer = request.client.host if request.client else "unknown"
    trusted = desk_of(request).trusted_proxies
    if not trusted or not _within(peer, trusted):
        return peer
    hops = [hop.strip() for value in request.headers.getlist("x-forwarded-for") for hop in value.split(",")]
    hops = [hop for hop in hops if hop]
    for hop in reversed(hops):
        if not _within(hop, trusted):
            return hop
    return hops[0] if hops else peer  # every hop a trusted proxy: the first is the client


def _within(host: str, networks: tuple[Network, ...]) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return any(address in network for network in networks)


# --- who is asking -----------------------------------------------------------------------------


def current_coordinator(request: Request) -> Coordinator | None:
    """The logged-in coordinator; None once they logged out, their account is removed or their
    password changed, or the session has run `session_hours`."""
    session = _open_session(request)
    if session is None:
        return None
    coordinator = desk_of(request).accounts.get(session.account)
    if coordinator is None or not hmac.compare_digest(session.stamp, coordinator.session_stamp):
        _sessions(request, lambda store, sid: store.end(sid))  # ended for good, in every worker
        request.state.open_session = None
        return None
    return coordinator


def _session_id(request: Request) -> str | None:
    sid = request.session.get("sid")
    return sid if isinstance(sid, str) and sid else None


def _open_session(request: Request) -> OpenSession | None:
    """This request's session on the server, read once per request."""
    if not hasattr(request.state, "open_session"):
        request.state.open_session = _sessions(request, lambda store, sid: store.find(sid))
    return request.state.open_session  # type: ignore[no-any-return]


def _sessions(request: Request, step: Callable[[SessionStore, str], T]) -> T | None:
    """`step(store, session id)` when the request has a session id, with the store's failure as a 503."""
    sid = _session_id(request)
    if sid is None:
        return None
    try:
        return step(desk_of(request).sessions, sid)
    except SessionsUnavailable as exc:
        log.error("%s", exc)
        raise HTTPException(503, "The coordinators' pages cannot be used right now: the site cannot keep "
                                 "track of who is logged in. Try again later.") from None


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
    """A new session on the server and a new id in the cookie (an id known before the login,
    planted by someone else, never becomes a logged-in one). Raises `SessionsUnavailable`."""
    store = desk_of(request).sessions
    old = _session_id(request)
    if old is not None:
        store.end(old)
    request.session.clear()
    request.session["sid"] = store.open(coordinator.name, coordinator.session_stamp)
    request.state.open_session = None


def log_out(request: Request) -> None:
    """Ends the session on the server, so a copy of the cookie kept elsewhere opens nothing."""
    _sessions(request, lambda store, sid: store.end(sid))
    request.session.clear()
    request.state.open_session = None


# --- forms -------------------------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    """This session's CSRF token: derived from its id, so neither stored nor in the cookie.

    A visitor without a session (on the login page, the suggestion form) gets an id here,
    which stays in the cookie only: nothing is kept on the server until a login.
    """
    sid = _session_id(request)
    if sid is None:
        sid = secrets.token_urlsafe(32)
        request.session["sid"] = sid
    return _csrf_of(request, sid)


def _csrf_of(request: Request, sid: str) -> str:
    return hmac.new(desk_of(request).csrf_key, sid.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


async def posted_form(request: Request, limit: int = MAX_FORM_BYTES) -> FormData:
    """The posted form, refused (403) without this session's CSRF token and (413) when too large."""
    await read_body(request, limit)
    form = await request.form(max_files=0, max_fields=200, max_part_size=limit)
    sent = form.get("csrf_token")
    sid = _session_id(request)
    expected = _csrf_of(request, sid) if sid is not None else None
    if not isinstance(sent, str) or expected is None or not hmac.compare_digest(sent, expected):
        raise HTTPException(403, FORM_EXPIRED)
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
    request._body = body  # lets request.form() and request.json() parse what was read
    return body


def pause(seconds: float, lang: str = DEFAULT_LANGUAGE) -> tuple[str, dict[str, str]]:
    """A pause past a limit: how long, in words for the page in `lang` ("3 minutes"), and the header
    that tells scripts and browsers when to come back."""
    minutes = max(1, math.ceil(seconds / 60))
    said = words(lang).ngettext("%(num)d minute", "%(num)d minutes", minutes) % {"num": minutes}
    return said, {"Retry-After": str(math.ceil(seconds))}


def flash(request: Request, message: str) -> None:
    """A message for the next page this coordinator sees, kept with the session on the server."""
    _sessions(request, lambda store, sid: store.set_flash(sid, message))


def _take_flash(request: Request) -> str | None:
    session = _open_session(request)
    if session is None or session.flash is None:
        return None
    _sessions(request, lambda store, sid: store.clear_flash(sid))
    return session.flash


def _shown_coordinator(request: Request) -> Coordinator | None:
    """Who a page's bar names. A public page (the suggestion form) is still served when the
    sessions cannot be read, naming no one; the failure is logged by `_sessions`, and every
    coordinator page has answered 503 before it renders."""
    try:
        return current_coordinator(request)
    except HTTPException as exc:
        if exc.status_code != 503:
            raise
        return None


def render(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """A coordinator page, or a public form's: never cached, never framed, with the site's frame
    around it, in the language of its address (`/es/alerts` is Spanish; the coordinators' are English)."""
    site = desk_of(request).site
    lang = language_of_path(request.url.path)
    coordinator = _shown_coordinator(request)
    values = {
        **site_context(site.config, lang=lang),
        "csrf_token": csrf_token(request),
        "coordinator": coordinator,
        "flash": _take_flash(request) if coordinator is not None else None,
        "current": "manage",
        **context,
    }
    html = environment(lang=lang).get_template(template).render(**values)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"})
