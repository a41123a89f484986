"""The soak of `benchmarks/load_soak.py`, for a few seconds: the real server, readers and a writer."""

from __future__ import annotations

import pytest

from benchmarks.load_soak import run


@pytest.mark.slow
def test_a_short_soak_serves_every_read_while_an_event_is_saved_every_second() -> None:
    result = run(duration=4.0, clients=4)
    assert result["errors"] == []
    assert result["saves"] >= 3
    assert set(result["statuses"]) <= {"200", "304"}
    assert result["not_modified"] > 0  # conditional requests for what had not changed got 304s
    assert result["p99_ms"] > 0 and set(result["by_kind"]) >= {"feed", "filtered feed", "listing", "event page"}
