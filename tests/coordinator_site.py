"""A small site in a temporary folder with one coordinator, for the coordinators' tests.

Plain functions (not fixtures) shared by test_manage, test_suggest, test_api_write, test_notify,
test_editing: real files, a real app, the test client, and a cheap argon2 profile so logging
in does not take a tenth of a second each time.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher, profiles
from fastapi.testclient import TestClient

from calendar_app.core.config import SiteConfig, load_config
from calendar_app.desk.accounts import Accounts
from calendar_app.desk.eventform import FORM_FIELDS, joined_when

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"
CHEAP = PasswordHasher.from_parameters(profiles.CHEAPEST)

WEBINAR = """\
---
# Written by hand; this comment must survive an edit through the form.
title: "Screening Youth for Trafficking"
type: webinar
start: "2027-03-02 14:00"
end: "15:30"
online:
  url: https://www.example.org/join/screening
  platform: Zoom
sponsors: [OJJDP]
topics: [screening, youth]
audience: [victim service providers]
featured: false   # unusual but valid: written out though it is the default
---
How to screen runaway and homeless youth for **trafficking**.
"""

TRAINING = """\
---
title: "Child Sex Trafficking: Law Enforcement Response"
type: training
start: 2027-02-22
end: 2027-02-24
location:
  venue: Embassy Suites Columbia
  city: Columbia
  region: SC
sponsors: [OJJDP]
---
A three-day course.
"""


@dataclass
class DeskSite:
    root: Path
    events: Path
    config: SiteConfig
    client: TestClient

    def path(self, slug: str) -> Path:
        return next(self.events.rglob(f"{slug}.md"))

    def text(self, slug: str) -> str:
        return self.path(slug).read_text(encoding="utf-8")

    def files(self) -> dict[str, str]:
        """Every file under the events folder and its text: to show nothing changed."""
        return {str(p.relative_to(self.events)): p.read_text(encoding="utf-8") for p in sorted(self.events.rglob("*"))
                if p.is_file()}


def make_site(root: Path, *, settings: str = "", git: bool = False, login: bool = True, **app: Any) -> DeskSite:
    """Events (a webinar and a training), a configuration, one coordinator, and a client."""
    from calendar_app.web.app import create_app

    events = root / "events"
    (events / "2027").mkdir(parents=True)
    (events / "2027" / "screening-youth-webinar.md").write_text(WEBINAR, encoding="utf-8")
    (events / "2027" / "cst-law-enforcement-columbia.md").write_text(TRAINING, encoding="utf-8")
    text = (ROOT / "calendar.toml").read_text(encoding="utf-8")
    for line in filter(None, settings.splitlines()):
        key = line.split("=", 1)[0].strip()
        text, found = re.subn(rf"(?m)^{key}\s*=.*$", line, text)
        if not found:
            text = text.replace("[site]\n", f"[site]\n{line}\n", 1)
    (root / "calendar.toml").write_text(text, encoding="utf-8")
    config = load_config(root / "calendar.toml")
    if git:
        init_git(root)
    accounts = Accounts(root / config.coordinators_file, hasher=CHEAP)
    accounts.add("Ana Ruiz", "ana@example.org", PASSWORD)
    accounts.add("Ben Okafor", "ben@example.org", PASSWORD)
    application = create_app(config, events, watch=False, state_dir=root, today=app.pop("today", None), **app)
    client = TestClient(application)
    site = DeskSite(root, events, config, client)
    if login:
        log_in(client)
    return site


def init_git(root: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.name", "Site Admin")
    git("config", "user.email", "admin@example.org")
    git("add", "events")
    git("commit", "-q", "-m", "Initial events")


def csrf_of(client: TestClient, url: str) -> str:
    """The CSRF token a page's forms carry."""
    response = client.get(url)
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert match, f"no CSRF token on {url} ({response.status_code})"
    return match.group(1)


def log_in(client: TestClient, identifier: str = "ana@example.org", password: str = PASSWORD) -> Any:
    token = csrf_of(client, "/login")
    return client.post("/login", data={"csrf_token": token, "identifier": identifier, "password": password,
                                        "next": "/manage"}, follow_redirects=False)


def form_of(client: TestClient, url: str) -> dict[str, str]:
    """The values a form page shows (inputs, selects, textareas, ticked boxes), as a browser would post.

    A start or end is also under its own name as the server reads it: the date and time joined.
    """
    html = client.get(url).text
    values: dict[str, str] = {}
    for tag in re.finditer(r"<input\b[^>]*>", html):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', tag.group(0)))
        if "name" not in attrs or attrs.get("type") == "password":
            continue
        if attrs.get("type") == "checkbox" and " checked" not in tag.group(0):
            continue
        name = attrs["name"]
        value = _unescape(attrs.get("value", ""))
        values[name] = f"{values[name]},{value}" if attrs.get("type") == "checkbox" and name in values else value
    for match in re.finditer(r'<textarea\b[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        values[match.group(1)] = _unescape(match.group(2))
    for match in re.finditer(r'<select\b[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', match.group(2))
        values[match.group(1)] = _unescape(chosen.group(1)) if chosen else ""
    for field in FORM_FIELDS:
        if field.kind == "when" and f"{field.name}.date" in values:
            values[field.name] = joined_when(values, field.name)
    return values


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)
