"""E-mail notifications about suggestions, sent through the site's SMTP server when it has one.

Coordinators hear when a suggestion arrives (in English, as their pages are); the person who
suggested an event hears that it arrived, then that it is published or rejected, in the language
of the pages they suggested it on (`PendingItem.lang`). Without `smtp_host` nothing is sent and
everything else works the same.

Mail to the person who suggested goes to an address nobody has confirmed: anyone may type a
stranger's address into the form. So it never carries what was typed (the title, the name, the
description), only the site's own words and links, and the form's per-address limit holds; the
site cannot be used to send a stranger someone else's text ("Suggestion received: WIN A
PRIZE, claim at ..."). Coordinators' own addresses get the submitted title and name.

Messages are built with the standard library's `email.message.EmailMessage`, whose default
policy refuses line breaks in headers, and sent with `smtplib` (STARTTLS and a login
when configured; the password comes from the environment, never from the configuration file).
The e-mail alerts (`alerts`) send through the same `smtp_session`, with the same headers
(`new_message`).
"""

from __future__ import annotations

import logging
import os
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy as policies
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import formatdate, make_msgid

from ..core.config import SiteConfig
from ..render.language import DEFAULT_LANGUAGE, LANGUAGES, Words, words

log = logging.getLogger("calendar_app")
PASSWORD_ENV = "CALENDAR_SMTP_PASSWORD"


@contextmanager
def smtp_session(config: SiteConfig) -> Iterator[smtplib.SMTP]:
    """A connection to the site's SMTP server, switched to TLS and logged in as configured.

    Raises OSError or smtplib.SMTPException when the server cannot be reached or refuses the login.
    """
    with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=20) as smtp:  # type: ignore[arg-type]
        if config.smtp_starttls:
            smtp.starttls()
        if config.smtp_username:
            smtp.login(config.smtp_username, os.environ.get(PASSWORD_ENV, ""))
        yield smtp


def new_message(
    config: SiteConfig, recipient: str, subject: str, policy: EmailPolicy[EmailMessage] = policies.default
) -> EmailMessage:
    """A message from the site to `recipient`, with its headers and no body yet."""
    message = EmailMessage(policy=policy)
    message["From"] = f"{config.name} <{config.smtp_from}>"
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=config.uid_domain)
    message["Auto-Submitted"] = "auto-generated"
    return message


class Notifier:
    def __init__(self, config: SiteConfig) -> None:
        self.config = config

    @property
    def enabled(self) -> bool:
        return bool(self.config.smtp_host)

    def send(self, recipients: list[str], subject: str, text: str) -> bool:
        """Send one message to each recipient; False (and a logged error) when the server fails."""
        recipients = sorted({r for r in recipients if r})
        if not self.enabled or not recipients:
            return False
        config = self.config
        try:
            with smtp_session(config) as smtp:
                for recipient in recipients:
                    smtp.send_message(self._message(recipient, subject, text))
        except (OSError, smtplib.SMTPException, ValueError) as exc:  # ValueError: a header the policy refuses
            log.error("could not send %r to %d recipient(s) through %s: %s", subject, len(recipients),
                      config.smtp_host, exc)
            return False
        return True

    def _message(self, recipient: str, subject: str, text: str) -> EmailMessage:
        message = new_message(self.config, recipient, subject)
        message.set_content(text)
        return message

    # --- the messages ----------------------------------------------------------------------

    def suggestion_arrived(self, coordinators: list[str], title: str, review_url: str, sender: str) -> bool:
        return self.send(
            coordinators,
            f"New suggestion: {title}",
            f"{sender or 'Someone'} suggested an event for {self.config.name}:\n\n"
            f"    {title}\n\nReview it (approve, edit or reject):\n{review_url}\n",
        )

    def _words(self, lang: str) -> tuple[Words, str]:
        """The words of `lang` and the site's name in it; English for a language the site lacks."""
        lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
        return words(lang), self.config.translated(self.config.name, lang)

    def suggestion_received(self, to: str, tracking_url: str, lang: str = DEFAULT_LANGUAGE) -> bool:
        said, site = self._words(lang)
        return self.send(
            [to],
            said.gettext("Suggestion received by %(site)s") % {"site": site},
            said.gettext(
                "Thank you: %(site)s received an event suggested with this address. The coordinators will review "
                "it.\n\nThis private page shows whether it has been published or not; keep the link to yourself:\n"
                "%(url)s\n\nIf you did not suggest an event, you can ignore this message.\n"
            ) % {"site": site, "url": tracking_url},
        )

    def suggestion_published(self, to: str, event_url: str, lang: str = DEFAULT_LANGUAGE) -> bool:
        said, site = self._words(lang)
        return self.send(
            [to],
            said.gettext("Your suggestion was published on %(site)s") % {"site": site},
            said.gettext("Thank you for your suggestion. It is now on %(site)s:\n\n%(url)s\n")
            % {"site": site, "url": event_url},
        )

    def suggestion_rejected(self, to: str, reason: str, lang: str = DEFAULT_LANGUAGE) -> bool:
        """`reason` is the coordinator's, never the suggester's text (and in the coordinator's words)."""
        said, site = self._words(lang)
        return self.send(
            [to],
            said.gettext("Your suggestion was not published on %(site)s") % {"site": site},
            said.gettext(
                "Thank you for your suggestion. The coordinators did not publish it, for this reason:\n\n"
                "    %(reason)s\n"
            ) % {"reason": reason},
        )
