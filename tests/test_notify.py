"""E-mail notifications, delivered to a real SMTP server (aiosmtpd) that the tests start."""

from __future__ import annotations

import email
import re
import socket
from collections.abc import Iterator
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from calendar_app.core.config import SiteConfig
from calendar_app.desk.notify import Notifier

from .coordinator_site import csrf_of, form_of, make_site


class Mailbox:
    """An SMTP handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's name
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        return [m for rcpt, m in self.messages if address in rcpt]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def subject_of(message: Message) -> str:
    """The subject as a mail program shows it (non-ASCII words come encoded)."""
    return str(make_header(decode_header(message["Subject"])))


def body_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")


def test_a_message_reaches_the_server_with_proper_headers(smtp: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp
    notifier = Notifier(SiteConfig(smtp_host="127.0.0.1", smtp_port=port, smtp_from="calendar@trainings.example.org"))
    assert notifier.send(["ana@example.org", "ben@example.org"], "Hello", "Text with accents: é, ü.\n")
    assert len(mailbox.messages) == 2
    message = mailbox.to("ana@example.org")[0]
    assert message["From"] == "Human Trafficking Trainings <calendar@trainings.example.org>"
    assert message["To"] == "ana@example.org" and message["Subject"] == "Hello"
    assert message["Message-ID"].endswith("@calendar.example.org>") and message["Date"]
    assert "Text with accents: é, ü." in body_of(message)


def test_without_a_server_nothing_is_sent_and_nothing_fails() -> None:
    assert Notifier(SiteConfig()).send(["ana@example.org"], "Hello", "Text") is False


def test_a_server_that_does_not_answer_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    notifier = Notifier(SiteConfig(smtp_host="127.0.0.1", smtp_port=free_port()))
    assert notifier.send(["ana@example.org"], "Hello", "Text") is False
    assert "could not send 'Hello' to 1 recipient(s)" in caplog.text


def suggest(site: Any, **fields: str) -> Any:
    data = {"csrf_token": csrf_of(site.client, "/suggest"), "title": "Housing Options for Survivors",
            "type": "webinar", "start": "2027-06-08 13:00", "online": "on", "name": "Dana Lee",
            "email": "dana@example.org", "description": "Where survivors can live safely."}
    data.update(fields)
    return site.client.post("/suggest", data=data)


def test_suggestion_arrival_and_decision_are_mailed(smtp: tuple[Mailbox, int], tmp_path: Path) -> None:
    mailbox, port = smtp
    site = make_site(tmp_path, settings=f'smtp_host = "127.0.0.1"\nsmtp_port = {port}', login=False)
    thanks = suggest(site)
    tracking = re.search(r'class="tracking-link" href="([^"]+)"', thanks.text).group(1)  # type: ignore[union-attr]
    arrived = mailbox.to("ana@example.org")
    assert [m["Subject"] for m in arrived] == ["New suggestion: Housing Options for Survivors"]
    assert "Dana Lee suggested an event" in body_of(arrived[0]) and "/manage/pending/" in body_of(arrived[0])
    assert mailbox.to("ben@example.org")
    received = mailbox.to("dana@example.org")
    assert received[0]["Subject"] == "Suggestion received by Human Trafficking Trainings"
    assert tracking in body_of(received[0])

    from .coordinator_site import log_in

    log_in(site.client)
    review = re.search(r"/manage/pending/[0-9a-f]{20}", body_of(arrived[0])).group(0)  # type: ignore[union-attr]
    form = form_of(site.client, review)
    site.client.post(review, data={**form, "action": "publish"})
    published = mailbox.to("dana@example.org")[-1]
    assert published["Subject"] == "Your suggestion was published on Human Trafficking Trainings"
    assert "http://127.0.0.1:8000/events/housing-options-for-survivors" in body_of(published)


def test_a_rejection_is_mailed_with_its_reason(smtp: tuple[Mailbox, int], tmp_path: Path) -> None:
    mailbox, port = smtp
    site = make_site(tmp_path, settings=f'smtp_host = "127.0.0.1"\nsmtp_port = {port}')
    suggest(site, title="Unrelated Sales Pitch")
    item = re.search(r"/manage/pending/[0-9a-f]{20}", site.client.get("/manage/pending").text).group(0)  # type: ignore[union-attr]
    site.client.post(item + "/reject", data={"csrf_token": csrf_of(site.client, item),
                                             "reason": "It is not about human trafficking."})
    rejected = mailbox.to("dana@example.org")[-1]
    assert rejected["Subject"] == "Your suggestion was not published on Human Trafficking Trainings"
    assert "It is not about human trafficking." in body_of(rejected)
    assert "Unrelated Sales Pitch" not in rejected.as_string()


def test_the_site_works_the_same_without_smtp(tmp_path: Path) -> None:
    site = make_site(tmp_path, login=False)
    assert suggest(site).status_code == 200 and "Thank you" in suggest(site, title="Another").text


def test_mail_to_the_address_typed_in_the_form_carries_none_of_the_text_typed(
    smtp: tuple[Mailbox, int], tmp_path: Path
) -> None:
    """Anyone may type a stranger's address: the site must not mail the stranger someone else's words."""
    mailbox, port = smtp
    site = make_site(tmp_path, settings=f'smtp_host = "127.0.0.1"\nsmtp_port = {port}\nsuggestions_per_hour = 2',
                     login=False)
    typed = {"title": "WIN A PRIZE - claim at http://phish.example/claim", "name": "Prize Department",
             "description": "Send your bank details to http://phish.example/form today.",
             "email": "victim@example.org"}
    for _ in range(3):
        suggest(site, **typed)
    sent = mailbox.to("victim@example.org")
    assert len(sent) == 2  # the per-address limit: the third suggestion was refused, and sent nothing
    for message in sent:
        whole = message.as_string() + body_of(message)
        assert "phish" not in whole and "PRIZE" not in whole.upper() and "Prize Department" not in whole
        assert message["Subject"] == "Suggestion received by Human Trafficking Trainings"
        assert "/suggest/status/" in body_of(message)
    # The coordinators (addresses of their own accounts) still see what was suggested.
    assert mailbox.to("ana@example.org")[0]["Subject"] == f"New suggestion: {typed['title']}"


def test_a_suggestion_made_in_spanish_is_answered_in_spanish(smtp: tuple[Mailbox, int], tmp_path: Path) -> None:
    mailbox, port = smtp
    site = make_site(tmp_path, settings=f'smtp_host = "127.0.0.1"\nsmtp_port = {port}', login=False)
    data = {"csrf_token": csrf_of(site.client, "/es/suggest"), "title": "Opciones de vivienda para sobrevivientes",
            "type": "webinar", "start": "2027-06-08 13:00", "online": "on", "name": "Dana Lee",
            "email": "dana@example.org", "description": "Dónde pueden vivir seguras."}
    thanks = site.client.post("/es/suggest", data=data)
    tracking = re.search(r'class="tracking-link" href="([^"]+)"', thanks.text).group(1)  # type: ignore[union-attr]
    assert "/es/suggest/status/" in tracking
    (received,) = mailbox.to("dana@example.org")
    assert subject_of(received) == "Sugerencia recibida por Capacitaciones sobre trata de personas"
    assert "Los coordinadores lo revisarán." in body_of(received) and tracking in body_of(received)
    # The coordinators are told in English, as their pages are.
    arrived = mailbox.to("ana@example.org")[0]
    assert arrived["Subject"] == "New suggestion: Opciones de vivienda para sobrevivientes"

    from .coordinator_site import log_in

    log_in(site.client)
    review = re.search(r"/manage/pending/[0-9a-f]{20}", body_of(arrived)).group(0)  # type: ignore[union-attr]
    site.client.post(review, data={**form_of(site.client, review), "action": "publish"})
    published = mailbox.to("dana@example.org")[-1]
    assert subject_of(published) == "Su sugerencia se publicó en Capacitaciones sobre trata de personas"
    assert "Gracias por su sugerencia. Ya está en" in body_of(published)
    assert "http://127.0.0.1:8000/es/events/opciones-de-vivienda-para-sobrevivientes" in body_of(published)


def test_a_rejection_of_a_spanish_suggestion_is_in_spanish(smtp: tuple[Mailbox, int], tmp_path: Path) -> None:
    mailbox, port = smtp
    site = make_site(tmp_path, settings=f'smtp_host = "127.0.0.1"\nsmtp_port = {port}')
    data = {"csrf_token": csrf_of(site.client, "/es/suggest"), "title": "Venta de seguros", "type": "webinar",
            "start": "2027-06-08 13:00", "online": "on", "email": "dana@example.org"}
    site.client.post("/es/suggest", data=data)
    item = re.search(r"/manage/pending/[0-9a-f]{20}", site.client.get("/manage/pending").text).group(0)  # type: ignore[union-attr]
    site.client.post(item + "/reject", data={"csrf_token": csrf_of(site.client, item),
                                             "reason": "No trata sobre la trata de personas."})
    rejected = mailbox.to("dana@example.org")[-1]
    assert subject_of(rejected) == "Su sugerencia no se publicó en Capacitaciones sobre trata de personas"
    assert "Los coordinadores no la publicaron, por este motivo:" in body_of(rejected)
    assert "No trata sobre la trata de personas." in body_of(rejected)
