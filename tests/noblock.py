"""A guard for tests of things that must never wait: a named pipe opened, a server that drips."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def within(seconds: float, call: Callable[[], T]) -> T:
    """`call()` run in a thread the test waits on for at most `seconds`: what it returns or raises.

    A guard against hanging, not a measure of speed: `seconds` is generous, and a call still
    running then fails the test (its thread is left behind, as a daemon) instead of holding the
    whole run.
    """
    outcome: list[tuple[bool, object]] = []

    def run() -> None:
        try:
            outcome.append((True, call()))
        except BaseException as exc:  # handed back to the test below
            outcome.append((False, exc))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"still waiting after {seconds} s: it blocked"
    returned, value = outcome[0]
    if not returned:
        assert isinstance(value, BaseException)
        raise value
    return value  # type: ignore[return-value]
