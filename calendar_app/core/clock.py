"""The date the site treats as today, injectable so tests and demos can show any month.

`calendar-app serve --today 2027-01-05`, or the environment variable CALENDAR_TODAY, fixes it;
otherwise it is the current date in the site's time zone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .errors import ConfigError, Problem

ENV_VAR = "CALENDAR_TODAY"


@dataclass(frozen=True)
class Clock:
    zone: ZoneInfo
    fixed: date | None = None

    @classmethod
    def from_env(cls, zone: ZoneInfo, today: date | None = None) -> Clock:
        """A clock fixed at `today`, else at $CALENDAR_TODAY, else following the real date."""
        if today is None and os.environ.get(ENV_VAR):
            value = os.environ[ENV_VAR]
            try:
                today = date.fromisoformat(value.strip())
            except ValueError:
                problem = Problem(ENV_VAR, None, None, f"{value!r} is not a date", hint="write it as YYYY-MM-DD")
                raise ConfigError([problem]) from None
        return cls(zone, today)

    def today(self) -> date:
        return self.fixed if self.fixed is not None else datetime.now(self.zone).date()
