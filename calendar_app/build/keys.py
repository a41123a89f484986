"""Keys: when an output of the static build can be kept as the last build left it.

An output's key digests everything it is made from. For an event's page, `.ics` and JSON that is
the event's file (its content and commit time), what "today" changes on its page
(`today_state`), and everything else the build reads (`code_fingerprint`: the code, templates,
assets, libraries, configuration and the kind of links). Every other output's key is made of
the keys of the events it shows (`static`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

from ..core.config import SiteConfig
from ..core.model import Event
from ..core.when import as_instant
from ..files.loadcache import library_versions
from ..render.assets import STATIC_DIR, TEMPLATES_DIR
from ..render.entries import next_session, occurrence_end, sessions
from .outputtree import FORMAT
from .selections import listing_signature

PACKAGE_DIR = Path(__file__).resolve().parent.parent
_LIBRARIES = (
    "icalendar", "jinja2", "markdown-it-py", "nh3", "pydantic", "feedgen", "tzdata", "python-dateutil", "babel"
)


def code_fingerprint(config: SiteConfig, absolute: bool) -> str:
    """Everything besides the event that its outputs are made from: code, translations, templates,
    assets, the libraries that write feeds and HTML, the configuration and the kind of links."""
    digest = hashlib.sha256(f"{FORMAT}|{absolute}|{config.model_dump_json()}".encode())
    # The compiled catalogs (`locale/*/LC_MESSAGES/*.mo`): a new translation rewrites the pages.
    for root, pattern in ((PACKAGE_DIR, "*.py"), (PACKAGE_DIR, "*.mo"), (TEMPLATES_DIR, "*.html"), (STATIC_DIR, "*")):
        for path in sorted(p for p in root.rglob(pattern) if p.is_file()):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    digest.update(library_versions(_LIBRARIES).encode())
    return digest.hexdigest()[:32]


def today_state(event: Event, today: date) -> str:
    """What "today" changes on an event's page and JSON: its next session, whether it (or its
    registration) is over, and how many of its sessions are. A new day that changes none of
    these keeps its outputs."""
    start = next_session(event, today)
    registration = event.fields.registration
    deadline = date.fromisoformat(registration.deadline) if registration and registration.deadline else None
    midnight = as_instant(today, event.zone)
    over = (
        sum(1 for s in sessions(event) if as_instant(occurrence_end(event, s), event.zone) < midnight)
        if event.rule
        else 0
    )
    return f"{start.isoformat()}|{event.last_date < today}|{deadline is not None and deadline < today}|{over}"


def event_key(fingerprint: str, event: Event, today: date, state: str | None = None) -> str:
    """The key of an event's outputs; `state` is its `today_state`, when already known."""
    state = today_state(event, today) if state is None else state
    text = "|".join([fingerprint, event.slug, event.content_hash, event.last_modified.isoformat(), state])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def event_entry(
    fingerprint: str, event: Event, today: date, old: dict[str, str] | None, same_day: bool
) -> dict[str, str]:
    """The event's key and what it was made from, as the manifest keeps them: what is unchanged
    since the last build (`old`, made with the same code; `same_day`) is not worked out again."""
    modified = event.last_modified.isoformat()
    if old is not None and old.get("hash") == event.content_hash and old.get("modified") == modified:
        signature = old.get("sig") or listing_signature(event)
        state = old["state"] if same_day and old.get("state") else today_state(event, today)
    else:
        signature, state = listing_signature(event), today_state(event, today)
    key = event_key(fingerprint, event, today, state)
    return {"key": key, "hash": event.content_hash, "modified": modified, "state": state, "sig": signature}


def digest(parts: Any) -> str:
    """A short digest of JSON-able `parts` (what is not JSON is digested as its `str`)."""
    return hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()[:32]
