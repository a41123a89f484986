"""Counting attempts in a sliding window, with a clock the test moves."""

from __future__ import annotations

from calendar_app.throttle import Throttle


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
