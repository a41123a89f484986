"""Routes: /alerts, where a reader signs up for e-mail about a filter's events, and the links its
messages carry.

The sign-up form is protected as /suggest's is: the CSRF token of the visitor's cookie, a field
hidden from people (the honeypot), and a limit per address (`alerts_signups_per_hour`). It
answers the same page whatever happened (a new address, one asked for within the hour, a
robot), so the page tells nobody whether an address is subscribed. The confirmation, manage and
unsubscribe links open a subscription by their token alone (see `desk.alertstore`).

`POST /alerts/unsubscribe/<token>` with the body `List-Unsubscribe=One-Click` is RFC 8058's
one-click unsubscribe: mail providers send it from their servers, with no cookie and no page, so
it takes no CSRF token; the unguessable token in the address is what authorizes it, and it can
only ever delete. `GET` on the same address shows a page with the button that sends it.

Every route is also under `/es` (`/es/alerts`, `/es/alerts/manage/<token>`...), in Spanish: a
sign-up made there, or a manage page saved there, makes the alerts' e-mails and their links
Spanish (`Subscription.lang`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode

from email_validator import EmailNotValidError, validate_email
from fastapi import APIRouter, BackgroundTasks, HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from ..core.errors import FilterError
from ..core.filters import FILTER_PARAMS, Filters
from ..desk.alertdigest import baseline, read_snapshot, write_snapshot
from ..desk.alerts import BaselineMaker, send_confirmation
from ..desk.alertstore import DEFAULT_FREQUENCY, FREQUENCIES, AlertsUnavailable, Subscription
from ..render.frame import language_links
from ..render.language import N_, language_of_path, words
from ..render.listing import PAGE_PARAMS, active_filters
from ..render.phrasing import day_text, filters_text
from ..render.urls import SiteUrls
from .desk import client_address, desk_of, pause, posted_form, read_body, render
from .pages import SaidError, filter_error_page, in_every_language

router = APIRouter(include_in_schema=False)
T = TypeVar("T")
HONEYPOT = "website"
MAX_SIGNUP_BYTES = 16 * 1024  # an address, a frequency and a filter
MAX_TOKEN_CHARS = 100
ONE_CLICK = ("List-Unsubscribe", "One-Click")  # RFC 8058's body

# What the routes answer in words (the error pages show them in the page's language); the pages'
# own words are in their templates (alerts*.html).
NOT_OFFERED = N_("This calendar does not send e-mail alerts.")
NO_ALERTS_HERE = N_("There are no e-mail alerts at this link: it may have expired (a confirmation link works for "
                    "48 hours), or the alerts were stopped. Check that the whole link was copied.")
UNAVAILABLE = N_("E-mail alerts cannot be changed right now: the server cannot reach their records. "
                 "Try again later.")
TOO_MANY = N_("Too many sign-ups from your address. Please try again in %(wait)s.")
ONE_CLICK_ONLY = N_("This address takes the one-click unsubscribe only (List-Unsubscribe=One-Click).")
_route = partial(in_every_language, router)  # `/alerts` and `/es/alerts` alike


def _lang(request: Request) -> str:
    return language_of_path(request.url.path)


def _urls(request: Request) -> SiteUrls:
    """The addresses of the pages in the language of this request's."""
    return SiteUrls(desk_of(request).site.config.base_url, lang=_lang(request))


def _offered(request: Request) -> None:
    if not desk_of(request).site.config.alerts_offered:
        raise HTTPException(404, NOT_OFFERED)


def _stored(step: Callable[[], T]) -> T:
    try:
        return step()
    except AlertsUnavailable as exc:
        raise HTTPException(503, UNAVAILABLE) from exc


def _filters(request: Request, items: list[tuple[str, str]]) -> Filters:
    """The filter as the listing reads it: values the site has, within the listing's bounds (a
    listing's page number, which a link from its second page may carry, is no part of it)."""
    site = desk_of(request).site
    return Filters.from_query(items, site.config, known=site.catalog.known, allowed_extra=PAGE_PARAMS)


def _filter_error(request: Request, exc: FilterError, items: list[tuple[str, str]]) -> Response:
    alerts = _urls(request).alerts()
    assert alerts is not None, "the server's addresses have the alerts"
    status, body, media = filter_error_page(desk_of(request).site, exc, items, alerts, lang=_lang(request))
    return Response(body, status_code=status, media_type=media, headers={"Cache-Control": "no-store"})


# --- signing up ------------------------------------------------------------------------------


@_route("/alerts", ["GET"])
def alerts_page(request: Request) -> Response:
    _offered(request)
    items = list(request.query_params.multi_items())
    try:
        filters = _filters(request, [(k, v) for k, v in items if v.strip()])
    except FilterError as exc:
        return _filter_error(request, exc, items)
    return _form(request, filters, email="", frequency=DEFAULT_FREQUENCY)


@_route("/alerts", ["POST"])
async def sign_up(request: Request, tasks: BackgroundTasks) -> Response:
    form = await posted_form(request, MAX_SIGNUP_BYTES)
    _offered(request)
    # The store may wait for another worker's transaction: off the event loop.
    return await run_in_threadpool(_sign_up, request, tasks, form)


def _sign_up(request: Request, tasks: BackgroundTasks, form: FormData) -> Response:
    desk = desk_of(request)
    config = desk.site.config
    items = [(k, v) for k, v in form.multi_items() if k in FILTER_PARAMS and isinstance(v, str) and v.strip()]
    try:
        filters = _filters(request, items)
    except FilterError as exc:
        return _filter_error(request, exc, items)
    typed = str(form.get("email", "")).strip()[:254]
    frequency = str(form.get("frequency") or DEFAULT_FREQUENCY)
    if form.get(HONEYPOT):  # a robot: thanked and forgotten
        return render(request, "alerts_sent.html", email=typed, current="")
    try:
        # ASCII addresses only: every SMTP server takes them (internationalized domains are spelled in ASCII).
        email = validate_email(typed, check_deliverability=False, allow_smtputf8=False).ascii_email or typed
    except EmailNotValidError:
        return _form(request, filters, email=typed, frequency=frequency, error="email", status=422)
    if frequency not in FREQUENCIES:
        return _form(request, filters, email=email, frequency=DEFAULT_FREQUENCY, error="frequency", status=422)
    # Checked and counted in one step, so sign-ups sent at once cannot all slip under the limit.
    wait = desk.alert_signups.take("alerts:" + client_address(request))
    lang = _lang(request)
    if wait > 0:
        said, headers = pause(wait, lang)
        raise SaidError(429, words(lang).gettext(TOO_MANY) % {"wait": said}, headers=headers)
    confirmation = _stored(lambda: desk.alerts.ask(email, urlencode(filters.to_query()), frequency, lang))
    if confirmation is not None:  # None: this address had its confirmation within the hour
        tasks.add_task(send_confirmation, config, desk.alerts, confirmation)
    return render(request, "alerts_sent.html", email=email, current="")


def _form(request: Request, filters: Filters, *, email: str, frequency: str, error: str | None = None,
          status: int = 200) -> Response:
    config = desk_of(request).site.config
    urls = _urls(request)
    query = filters.to_query()
    return render(
        request, "alerts.html", status=status, current="", filtered=not filters.is_empty,
        description=filters_text(filters, config, urls.lang), hidden=query, email=email, frequency=frequency,
        frequencies=list(FREQUENCIES), error=error, honeypot=HONEYPOT, listing_url=urls.listing(query),
        languages=language_links(urls, lambda u: u.alerts(query) or ""),
    )


# --- the links of the messages ---------------------------------------------------------------------


@_route("/alerts/confirm/{token}", ["GET"])
def confirm(request: Request, token: str) -> Response:
    _offered(request)
    desk = desk_of(request)
    site = desk.site
    try:
        confirmed = _stored(lambda: desk.alerts.confirm(
            token[:MAX_TOKEN_CHARS], BaselineMaker(site.config, site.catalog, site.clock.today())))
    except FilterError as exc:  # the site no longer has a value of the filter asked for
        return _filter_error(request, exc, [])
    if confirmed is None:
        raise HTTPException(404, NO_ALERTS_HERE)
    subscription = confirmed.subscription
    return render(request, "alerts_confirmed.html", current="", again=confirmed.again,
                  manage_url=_urls(request).alert_manage(confirmed.manage_token),
                  **_described(request, subscription))


@_route("/alerts/manage/{token}", ["GET"])
def manage_page(request: Request, token: str) -> Response:
    subscription = _subscription(request, token)
    return _manage(request, token, subscription)


@_route("/alerts/manage/{token}", ["POST"])
async def manage(request: Request, token: str) -> Response:
    form = await posted_form(request, MAX_SIGNUP_BYTES)
    return await run_in_threadpool(_change, request, token, form)


def _change(request: Request, token: str, form: FormData) -> Response:
    desk = desk_of(request)
    site = desk.site
    subscription = _subscription(request, token)
    items = [(k, v) for k, v in form.multi_items() if k in FILTER_PARAMS and isinstance(v, str) and v.strip()]
    try:
        # Only values the subscription has can be ticked: its own filter is read as it was stored.
        filters = Filters.from_query(items, site.config)
    except FilterError as exc:
        return _filter_error(request, exc, items)
    frequency = str(form.get("frequency") or subscription.frequency)
    if frequency not in FREQUENCIES:
        frequency = subscription.frequency
    query = urlencode(filters.to_query())
    # A new filter starts afresh: the events it now takes in are not news.
    snapshot = None if query == subscription.query else write_snapshot(
        baseline(site.catalog, filters, today=site.clock.today()))
    # Saved on the pages of a language: its e-mails are in that language from now on.
    _stored(lambda: desk.alerts.change(subscription.id, query, frequency, snapshot, _lang(request)))
    return _manage(request, token, _subscription(request, token), saved=True)


@_route("/alerts/manage/{token}/delete", ["POST"])
async def delete(request: Request, token: str) -> Response:
    await posted_form(request, MAX_SIGNUP_BYTES)
    return await run_in_threadpool(_delete, request, token)


def _delete(request: Request, token: str) -> Response:
    subscription = _subscription(request, token)
    _stored(lambda: desk_of(request).alerts.delete(subscription.id))
    return render(request, "alerts_deleted.html", current="", email=subscription.email)


@_route("/alerts/unsubscribe/{token}", ["GET"])
def unsubscribe_page(request: Request, token: str) -> Response:
    subscription = _subscription(request, token)
    return render(request, "alerts_unsubscribe.html", current="", email=subscription.email,
                  one_click=ONE_CLICK, action=_urls(request).alert_unsubscribe(token))


@_route("/alerts/unsubscribe/{token}", ["POST"])
async def unsubscribe(request: Request, token: str) -> Response:
    """RFC 8058: no CSRF token, no cookie; the token in the address is the authorization."""
    await read_body(request, 4096)
    form = await request.form(max_files=0, max_fields=10)
    if form.get(ONE_CLICK[0]) != ONE_CLICK[1]:
        raise HTTPException(400, ONE_CLICK_ONLY)
    return await run_in_threadpool(_delete, request, token)


def _subscription(request: Request, token: str) -> Subscription:
    found = _stored(lambda: desk_of(request).alerts.by_link(token[:MAX_TOKEN_CHARS]))
    if found is None:
        raise HTTPException(404, NO_ALERTS_HERE)
    return found


def _manage(request: Request, token: str, subscription: Subscription, *, saved: bool = False) -> Response:
    desk = desk_of(request)
    urls = _urls(request)
    return render(
        request, "alerts_manage.html", current="", saved=saved, email=subscription.email,
        confirmed=subscription.confirmed, frequencies=list(FREQUENCIES),
        choices=_choices(request, subscription), action=urls.alert_manage(token),
        delete_action=urls.alert_manage(token) + "/delete",
        created=_day(request, subscription.created_at), confirmed_on=_day(request, subscription.confirmed_at),
        sent_on=_day(request, subscription.sent_at), told=len(read_snapshot(subscription.snapshot)),
        links=_stored(lambda: desk.alerts.links(subscription.id)), **_described(request, subscription),
    )


def _described(request: Request, subscription: Subscription) -> dict[str, Any]:
    """The subscription's filter in words and its addresses (the filter as stored, whatever the site has now)."""
    config = desk_of(request).site.config
    urls = _urls(request)
    try:
        filters = Filters.from_query(subscription.items, config)
    except FilterError:
        filters = None
    return {
        "frequency": subscription.frequency,
        "filtered": bool(subscription.items),
        "description": filters_text(filters, config, urls.lang) if filters else subscription.query,
        "listing_url": urls.listing(subscription.items),
        "feed_url": urls.full.feed(subscription.items),
    }


def _choices(request: Request, subscription: Subscription) -> list[tuple[str, str, str]]:
    """(parameter, value, label) of each value of the filter, for a box to untick on the manage page.

    The labels are the listing's (`active_filters`); each filter's link, which takes it away, says
    which parameters it stands for.
    """
    config = desk_of(request).site.config
    try:
        filters = Filters.from_query(subscription.items, config)
    except FilterError:
        return []
    kept = filters.to_query()
    found: list[tuple[str, str, str]] = []
    for chip in active_filters(filters, config, lambda without: urlencode(without.to_query()), _lang(request)):
        left = parse_qsl(chip.remove_url)
        found += [(param, value, chip.label) for param, value in kept if (param, value) not in left]
    return found


def _day(request: Request, stamp: float | None) -> str | None:
    if stamp is None:
        return None
    zone = desk_of(request).site.config.zone
    day: date = datetime.fromtimestamp(stamp, zone).date()
    return day_text(day, lang=_lang(request))
