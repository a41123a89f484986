"""Counting attempts in a sliding window, with a clock the test moves, in memory or in a shared file."""

from __future__ import annotations

import logging
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from calendar_app.throttle import Throttle

from .conftest import ROOT


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_key_is_held_back_after_the_limit_until_the_window_passes() -> None:
    clock = FakeClock()
    throttle = Throttle(limit=3, window=60, clock=clock)
    for _ in range(3):
        assert throttle.retry_after("ana") == 0
        throttle.hit("ana")
    assert throttle.retry_after("ana") == 60
    assert throttle.retry_after("ben") == 0
    clock.now += 45
    assert throttle.retry_after("ana") == 15
    clock.now += 15
    assert throttle.retry_after("ana") == 0


def test_reset_forgets_a_key() -> None:
    throttle = Throttle(limit=1, window=60, clock=FakeClock())
    throttle.hit("ana")
    throttle.reset("ana")
    assert throttle.retry_after("ana") == 0


# --- counts shared by every worker through a file ------------------------------------------------


def test_workers_sharing_the_file_count_the_same_attempts(tmp_path: Path) -> None:
    store = tmp_path / "attempts.sqlite"
    one = Throttle(limit=3, window=60, store=store, scope="address")
    one.hit("address:203.0.113.9")
    # Another worker is another process: it opens the file itself.
    script = ("import sys; from pathlib import Path; from calendar_app.throttle import Throttle; "
              "t = Throttle(limit=3, window=60, store=Path(sys.argv[1]), scope='address'); "
              "t.hit('address:203.0.113.9'); t.hit('address:203.0.113.9')")
    subprocess.run([sys.executable, "-c", script, str(store)], check=True, cwd=ROOT)
    assert 55 < one.retry_after("address:203.0.113.9") <= 60
    two = Throttle(limit=3, window=60, store=store, scope="address")
    assert two.retry_after("address:203.0.113.9") > 55 and two.retry_after("address:198.51.100.7") == 0
    assert Throttle(limit=3, window=60, store=store, scope="account").retry_after("address:203.0.113.9") == 0
    two.reset("address:203.0.113.9")
    assert one.retry_after("address:203.0.113.9") == 0


def test_the_file_keeps_no_address_or_name_and_is_private(tmp_path: Path) -> None:
    store = tmp_path / "attempts.sqlite"
    throttle = Throttle(limit=3, window=60, store=store, scope="account")
    throttle.hit("account:ana@example.org")
    throttle.hit("address:203.0.113.9")
    files = list(tmp_path.iterdir())
    assert any(f.name == "attempts.sqlite" for f in files)
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
        assert b"ana@example.org" not in path.read_bytes() and b"203.0.113.9" not in path.read_bytes()


def test_the_window_moves_on_with_a_shared_file(tmp_path: Path) -> None:
    clock = FakeClock()
    throttle = Throttle(limit=2, window=60, clock=clock, store=tmp_path / "attempts.sqlite", scope="s")
    for _ in range(3):
        throttle.hit("ana")
        clock.now += 10
    assert throttle.retry_after("ana") == 40  # the second of three hits leaves the window first
    clock.now += 40
    assert throttle.retry_after("ana") == 0


def test_a_file_that_cannot_be_used_falls_back_to_counting_in_memory(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "not-a-folder").write_text("a file where the state folder should be")
    throttle = Throttle(limit=1, window=60, store=tmp_path / "not-a-folder" / "attempts.sqlite", scope="s")
    with caplog.at_level(logging.WARNING, logger="calendar_app.throttle"):
        throttle.hit("ana")
    assert throttle.retry_after("ana") > 0  # still counted, and no error for the person logging in
    assert "counting in memory from now on" in caplog.text
