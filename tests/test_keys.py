"""An event's key, and what is not worked out again when its file did not change."""

from __future__ import annotations

from datetime import date

from calendar_app.build.keys import event_entry, event_key, today_state
from calendar_app.core.catalog import Catalog

TODAY = date(2026, 11, 23)


def test_an_entry_is_taken_from_the_last_build_when_the_file_and_day_are_the_same(sample_catalog: Catalog) -> None:
    event = sample_catalog.events[0]
    fresh = event_entry("code", event, TODAY, None, False)
    assert fresh["key"] == event_key("code", event, TODAY) and fresh["state"] == today_state(event, TODAY)
    old = {**fresh, "state": "as the last build found it", "sig": "its signature"}
    kept = event_entry("code", event, TODAY, old, True)
    assert (kept["state"], kept["sig"]) == ("as the last build found it", "its signature")
    later = event_entry("code", event, TODAY, old, False)  # another day: what the day changes is worked out
    assert later["state"] == today_state(event, TODAY) and later["sig"] == "its signature"
    other = event_entry("code", event, TODAY, {**old, "hash": "another version"}, True)
    assert other == fresh
    assert event_entry("other code", event, TODAY, None, False)["key"] != fresh["key"]
