"""E-mail alerts sent: the confirmation of a sign-up, and `send_alerts`, the digests that are due.

`calendar-app alerts send` (cron, a systemd timer) and the running server's schedule
(`web.alertschedule`) both call `send_alerts`; a file lock in the state folder lets one run at a
time, and the others find it busy and do nothing.

**A digest is never sent twice, and nothing is lost.** SMTP cannot promise both when a process
dies at the wrong moment: the server may have taken a message whose "250 OK" never arrived. So
the run narrows that moment and settles it one way, never twice:

1. the digest is built, its filter's snapshot computed, and the connection opened; nothing is
   recorded yet, so a run that dies or fails here leaves the digest to the next run, whole;
2. the store records the intent (`begin_sending`: the Message-ID, the snapshot it tells, the
   token of its links) in one transaction;
3. MAIL FROM and RCPT TO: a refusal, or a connection lost, means the message was never handed
   over, and the intent is dropped (`not_sent`): the next run sends it again;
4. DATA: a reply of 4xx or 5xx (such as 451, "try again later") is a refusal, handled as in 3;
   "250" marks it sent (`sent`: the snapshot it told becomes the one kept);
5. a run that died between 2 and 4, or lost the connection during DATA, leaves an intent whose
   outcome nobody knows. It is counted as sent (at most once): the next run, which holds the lock
   and so knows no other run is under way, marks it sent and logs its Message-ID, so the SMTP
   server's log can say whether it went. It is never sent again. Only that one message, of that
   one run, can be lost, and only when the process dies or the connection drops during its DATA.

A run hands at most `alerts_max_per_run` messages to the SMTP server; the rest stay due for the
next run, oldest first. A run that cannot reach the server stops and records nothing.
"""

from __future__ import annotations

import logging
import smtplib
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from enum import Enum
from pathlib import Path
from urllib.parse import parse_qsl

from filelock import FileLock, Timeout

from ..core.catalog import Catalog
from ..core.config import SiteConfig
from ..core.errors import FilterError
from ..core.filters import Filters
from ..render.urls import SiteUrls
from .alertdigest import baseline, digest, read_snapshot, write_snapshot
from .alertmail import confirmation_message, digest_message
from .alertstore import AlertStore, Confirmation, Subscription, new_token
from .notify import smtp_session

log = logging.getLogger("calendar_app")


def filters_of(items: list[tuple[str, str]], config: SiteConfig) -> Filters:
    """A subscription's filter; raises FilterError when the site no longer has one of its values."""
    return Filters.from_query(items, config)


@dataclass(frozen=True)
class BaselineMaker:
    """`maker(query)`: the snapshot a newly confirmed filter starts from (for `AlertStore.confirm`)."""

    config: SiteConfig
    catalog: Catalog
    today: date

    def __call__(self, query: str) -> str:
        filters = filters_of(parse_qsl(query), self.config)
        return write_snapshot(baseline(self.catalog, filters, today=self.today))


def send_confirmation(config: SiteConfig, store: AlertStore, confirmation: Confirmation) -> bool:
    """Send the confirmation mail; when it cannot go, its links are forgotten so that a new sign-up may send one."""
    filters = filters_of(parse_qsl(confirmation.query), config)
    message = confirmation_message(config, confirmation.subscription.email, filters, confirmation.frequency,
                                   confirmation.confirm_token, confirmation.manage_token, confirmation.lang)
    try:
        with smtp_session(config) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        log.error("could not send the confirmation of an e-mail alert through %s: %s", config.smtp_host, exc)
        store.ask_failed(confirmation)
        return False
    return True


# --- the run ----------------------------------------------------------------------------------


@dataclass
class AlertRun:
    """What one run did, for the command's report and the server's log."""

    dry_run: bool = False
    busy: bool = False  # another run held the lock: nothing was done
    sent: list[str] = field(default_factory=list)  # "j…@example.org: 2 new, 1 changed"
    failed: list[str] = field(default_factory=list)  # refused by the SMTP server: tried again next run
    settled: list[str] = field(default_factory=list)  # Message-IDs of digests whose outcome is unknown, counted sent
    quiet: int = 0  # due, with nothing to tell
    held_back: int = 0  # due, past `alerts_max_per_run`: next run
    problems: list[str] = field(default_factory=list)  # subscriptions whose filter the site no longer has
    stopped: str | None = None  # why the run ended before every due digest was looked at
    handed: int = 0  # messages handed to the SMTP server (or, in a dry run, that would be)


class _Outcome(Enum):
    SENT = "sent"
    REFUSED = "refused"  # never handed over: send again next run
    LOST = "lost"  # the connection dropped before the message was handed over
    UNKNOWN = "unknown"  # dropped during DATA: counted as sent


def send_alerts(
    config: SiteConfig,
    catalog: Catalog,
    store: AlertStore,
    lock_path: Path,
    *,
    today: date,
    every: bool = False,
    dry_run: bool = False,
) -> AlertRun:
    """Send the digests that are due (`every`: all confirmed subscriptions), at most
    `alerts_max_per_run` of them; with `dry_run`, say what would be sent and change nothing."""
    run = AlertRun(dry_run=dry_run)
    lock = FileLock(str(lock_path), thread_local=False)
    if not dry_run:
        try:
            lock.acquire(timeout=0)
        except Timeout:
            run.busy = True
            return run
    try:
        _run(config, catalog, store, run, today=today, every=every)
    finally:
        if lock.is_locked:
            lock.release()
    return run


def _run(config: SiteConfig, catalog: Catalog, store: AlertStore, run: AlertRun, *, today: date, every: bool) -> None:
    if not run.dry_run:
        store.purge()
        for subscription in store.unsettled():  # of a run that died: this one holds the lock
            assert subscription.sending_id is not None
            log.warning("e-mail alerts: digest %s was handed to the SMTP server by a run that stopped before the "
                        "server answered; it counts as sent and is not sent again", subscription.sending_id)
            store.sent(subscription.id, subscription.sending_id)
            run.settled.append(subscription.sending_id)
    connection = _Connection(config)
    try:
        for subscription in store.due(every=every):
            _look_at(config, catalog, store, run, connection, subscription, today)
            if run.stopped:
                return
    finally:
        connection.close()


def _look_at(config: SiteConfig, catalog: Catalog, store: AlertStore, run: AlertRun, connection: _Connection,
             subscription: Subscription, today: date) -> None:
    """One due subscription: its digest built, and sent when it has something to tell."""
    try:
        filters = filters_of(subscription.items, config)
    except FilterError as exc:
        run.problems.append(f"{masked(subscription.email)}: {exc.parameter}: {exc.message}")
        return
    found = digest(catalog, filters, read_snapshot(subscription.snapshot), today=today,
                   days=round(subscription.period / 86400), urls=SiteUrls(config.base_url, lang=subscription.lang))
    if found.empty:
        run.quiet += 1
        if not run.dry_run:
            store.checked(subscription, write_snapshot(found.snapshot))
        return
    line = f"{masked(subscription.email)}: {found.summary()}"
    if run.handed >= config.alerts_max_per_run:
        run.held_back += 1
        return
    if run.dry_run:
        run.handed += 1
        run.sent.append(line)
        return
    token = new_token()
    message = digest_message(config, subscription.email, filters, subscription.frequency, found, token,
                             subscription.lang)
    try:
        smtp = connection.open()
    except (OSError, smtplib.SMTPException) as exc:  # nothing recorded: every digest waits for the next run
        run.stopped = f"cannot reach the SMTP server {config.smtp_host}:{config.smtp_port}: {exc}"
        return
    message_id = str(message["Message-ID"])
    if not store.begin_sending(subscription, message_id, write_snapshot(found.snapshot), token):
        return  # unsubscribed or changed since the run began
    run.handed += 1
    outcome, reason = _deliver(smtp, config, subscription, message)
    if outcome is _Outcome.SENT:
        store.sent(subscription.id, message_id)
        run.sent.append(line)
        return
    if outcome is _Outcome.UNKNOWN:
        log.warning("e-mail alerts: the SMTP server did not answer for digest %s (%s); it counts as sent and is "
                    "not sent again", message_id, reason)
        store.sent(subscription.id, message_id)
        run.settled.append(message_id)
    else:
        store.not_sent(subscription.id, message_id)
        run.failed.append(f"{masked(subscription.email)}: {reason}")
    if outcome is not _Outcome.REFUSED:
        connection.drop()
        run.stopped = f"the connection to the SMTP server was lost: {reason}"


class _Connection:
    """The run's one connection to the SMTP server, opened when the first digest is ready."""

    def __init__(self, config: SiteConfig) -> None:
        self.config = config
        self._stack = ExitStack()
        self._smtp: smtplib.SMTP | None = None

    def open(self) -> smtplib.SMTP:
        if self._smtp is None:
            self._smtp = self._stack.enter_context(smtp_session(self.config))
        return self._smtp

    def drop(self) -> None:
        """Close a connection in an unknown state without a QUIT (smtplib then skips it)."""
        if self._smtp is not None:
            self._smtp.close()

    def close(self) -> None:
        try:
            self._stack.close()
        except (OSError, smtplib.SMTPException) as exc:  # every digest is recorded by now
            log.info("e-mail alerts: the SMTP server did not take the QUIT well: %s", exc)


def _deliver(
    smtp: smtplib.SMTP, config: SiteConfig, subscription: Subscription, message: EmailMessage
) -> tuple[_Outcome, str]:
    """Hand `message` to the server step by step, so that the outcome is known for all but DATA's reply."""
    try:
        smtp.ehlo_or_helo_if_needed()
        code, reply = smtp.mail(config.smtp_from)
        if code == 250:
            code, reply = smtp.rcpt(subscription.email)
        if code not in (250, 251):
            _reset(smtp)
            return _Outcome.REFUSED, f"{code} {_text(reply)}"
    except (OSError, smtplib.SMTPException) as exc:
        return _Outcome.LOST, str(exc)
    try:
        code, reply = smtp.data(message.as_bytes(policy=message.policy.clone(linesep="\r\n")))
    except smtplib.SMTPDataError as exc:  # DATA itself refused: nothing was sent
        _reset(smtp)
        return _Outcome.REFUSED, f"{exc.smtp_code} {_text(exc.smtp_error)}"
    except (OSError, smtplib.SMTPException) as exc:
        return _Outcome.UNKNOWN, str(exc)
    if code != 250:
        _reset(smtp)
        return _Outcome.REFUSED, f"{code} {_text(reply)}"
    return _Outcome.SENT, ""


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def _reset(smtp: smtplib.SMTP) -> None:
    try:
        smtp.rset()
    except (OSError, smtplib.SMTPException):
        pass  # the next message's MAIL FROM finds the connection gone, and says so


def masked(address: str) -> str:
    """'j…@example.org': enough for a report or a log to tell addresses apart, not to read them."""
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}…@{domain}"
