"""IANA time zones by name, as the configuration, event files and imports name them."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone_named(name: str) -> ZoneInfo | None:
    """The time zone called `name`, or None when the zone database has none by that name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # a folder of zones ('US') is an OSError
        return None


def check_zone_name(name: str, *, example: str) -> str:
    """`name` if it names a time zone; else a ValueError that says so, with `example` to follow."""
    if zone_named(name) is None:
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as {example}")
    return name
