"""Warnings when the full feed grows past what calendar apps read (`calendar-app validate`)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from ...core.catalog import Catalog
from ...core.clock import Clock
from ...core.config import SiteConfig
from ...core.errors import Problem, Severity
from ...core.filters import Filters
from ...core.model import Event
from .ics import FEED_PATH, render_feed


def feed_size_problems(events: list[Event], config: SiteConfig, today: date | None = None) -> list[Problem]:
    """Warnings when the full feed would hold more events or bytes than configured.

    Google Calendar stops reading a subscribed feed at about 1 MB or about 1,000 events.
    """
    day = today or Clock.from_env(config.zone).today()
    chosen = Catalog(config, events).feed_events(Filters(), today=day)
    size = len(render_feed(chosen, config, today=day))
    where = urlsplit(config.base_url + FEED_PATH).path
    hint = "lower past_days, move old events out of the events folder, or raise the limit in calendar.toml"
    problems: list[Problem] = []
    if len(chosen) > config.feed_max_events:
        problems.append(
            Problem(
                where,
                None,
                None,
                f"the full feed holds {len(chosen):,} events, more than feed_max_events ({config.feed_max_events:,}); "
                "Google Calendar stops reading feeds of about 1,000 events",
                hint,
                severity=Severity.WARNING,
            )
        )
    if size > config.feed_max_bytes:
        problems.append(
            Problem(where, None, None,
                    f"the full feed is {size:,} bytes, more than feed_max_bytes ({config.feed_max_bytes:,}); "
                    "Google Calendar stops reading feeds of about 1 MB",
                    hint, severity=Severity.WARNING)
        )
    return problems
