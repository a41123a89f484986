"""E-mail alerts through a served site (`calendar-app serve`): signing up from a listing's link,
the confirmation, the digest the server sends on its own schedule, and the one-click unsubscribe
a mail provider sends, all over HTTP and SMTP on loopback."""

from __future__ import annotations

import email
import re
import sqlite3
import time
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller

from .conftest import ROOT, _free_port

WEBINAR = """\
---
title: "Labor Trafficking Indicators"
type: webinar
start: "2027-03-09 14:00"
online: true
---
Signs to look for.
"""


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


def soon(check: Callable[[], bool], seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_a_served_site_sends_alerts_on_its_own_and_takes_a_one_click_unsubscribe(
    live_server: Any, tmp_path: Path
) -> None:
    box = Mailbox()
    smtp_port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        settings = f'smtp_host = "127.0.0.1"\nsmtp_port = {smtp_port}\nalerts_interval_minutes = 0.01\n'
        config = tmp_path / "calendar.toml"
        config.write_text((ROOT / "calendar.toml").read_text(encoding="utf-8").replace("[site]\n", "[site]\n" + settings, 1),
                          encoding="utf-8")
        server = live_server(today="2027-01-05", copy_events=True, config=config, watch=True)
        with httpx.Client(base_url=server.url, timeout=10) as browser:
            listing = browser.get("/?type=webinar").text
            href = re.search(r'<a href="([^"]*)">Get these by e-mail</a>', listing)
            assert href and href.group(1) == "/alerts?type=webinar"
            form = browser.get(href.group(1)).text
            values = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
            answer = browser.post("/alerts", data={**values, "email": "ana@example.org", "frequency": "daily"})
            assert answer.status_code == 200 and "Check your e-mail" in answer.text
            assert soon(lambda: len(box.messages) == 1)
            confirm = re.search(r"(http://\S+/alerts/confirm/\S+)", _text(box.messages[0]))
            assert confirm and confirm.group(1).startswith(server.url)
            assert "Your e-mail alerts are on" in browser.get(confirm.group(1)).text

        (server.events_dir / "2027" / "labor-trafficking-indicators.md").write_text(WEBINAR, encoding="utf-8")
        assert soon(lambda: "Labor Trafficking Indicators" in httpx.get(server.url + "/?type=webinar").text)
        with sqlite3.connect(tmp_path / ".alerts.sqlite") as db:  # a day goes by
            db.execute("UPDATE subscriptions SET checked_at = checked_at - 86400")
        assert soon(lambda: len(box.messages) == 2), server.log()
        digest = box.messages[1]
        assert "Labor Trafficking Indicators" in _text(digest)
        assert f"{server.url}/events/labor-trafficking-indicators" in _text(digest)

        unsubscribe = digest["List-Unsubscribe"].strip("<>")
        assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        done = httpx.post(unsubscribe, content=b"List-Unsubscribe=One-Click",
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert done.status_code == 200
        with sqlite3.connect(tmp_path / ".alerts.sqlite") as db:
            assert db.execute("SELECT count(*) FROM subscriptions").fetchone() == (0,)
        assert httpx.get(unsubscribe).status_code == 404
    finally:
        controller.stop()


def _text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())  # type: ignore[attr-defined]
