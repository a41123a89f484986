"""Counting attempts in a sliding window, with a clock the test moves, in memory or in a shared file."""

from __future__ import annotations

import logging
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from calendar_app.files import throttle as throttle_module
from calendar_app.files.throttle import AttemptsFile, Throttle

from .conftest import ROOT


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "file"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> AttemptsFile | None:
    return AttemptsFile(tmp_path / "attempts.sqlite", "secret") if request.param == "file" else None


def test_a_key_is_held_back_after_the_limit_until_the_window_passes(store: AttemptsFile | None) -> None:
    clock = FakeClock()
    throttle = Throttle(limit=3, window=60, clock=clock, store=store, scope="s")
    for _ in range(3):
        assert throttle.retry_after("ana") == 0
        assert throttle.take("ana") == 0
    assert throttle.take("ana") == 60  # refused, and not counted
    assert throttle.retry_after("ana") == 60
    assert throttle.retry_after("ben") == 0
    clock.now += 45
    assert throttle.retry_after("ana") == 15
    clock.now += 15
    assert throttle.take("ana") == 0


def test_the_oldest_attempt_in_the_window_leaves_it_first(store: AttemptsFile | None) -> None:
    clock = FakeClock()
    throttle = Throttle(limit=2, window=60, clock=clock, store=store, scope="s")
    for _ in range(2):
        throttle.take("ana")
        clock.now += 10
    assert throttle.take("ana") == 40
    clock.now += 40
    assert throttle.take("ana") == 0


def test_give_back_and_reset(store: AttemptsFile | None) -> None:
    clock = FakeClock()
    throttle = Throttle(limit=2, window=60, clock=clock, store=store, scope="s")
    throttle.take("ana")
    clock.now += 1
    throttle.take("ana")
    throttle.give_back("ana")  # the latest only
    assert throttle.retry_after("ana") == 0 and throttle.take("ana") == 0 and throttle.retry_after("ana") == 59
    throttle.reset("ana")
    assert throttle.retry_after("ana") == 0


def test_a_watched_count_refuses_nothing_and_says_when_the_latest_leaves(store: AttemptsFile | None) -> None:
    clock = FakeClock()
    throttle = Throttle(limit=2, window=60, clock=clock, store=store, scope="s")
    for _ in range(3):
        throttle.count("ana")  # counted past the limit: nothing is refused here
        clock.now += 10
    assert throttle.retry_after("ana") == 40  # the second of the three leaves the window in 40 s
    assert throttle.retry_after("ana", limit=1) == 50  # and the latest in 50 s
    assert throttle.retry_after("ben", limit=1) == 0


# --- counts shared by every worker through a file ------------------------------------------------

WORKER = """
import sys, threading
from pathlib import Path
from calendar_app.files.throttle import AttemptsFile, Throttle
store = AttemptsFile(Path(sys.argv[1]), "secret")
account = Throttle(limit=5, window=60, store=store, scope="account")
address = Throttle(limit=5, window=60, store=store, scope="address")  # a second throttle on one connection
start = threading.Barrier(8)
taken = []
def attempt():
    start.wait()
    taken.append(address.take("address:203.0.113.9") == 0)
    account.take("account:ana@example.org")
threads = [threading.Thread(target=attempt) for _ in range(8)]
[t.start() for t in threads]
[t.join() for t in threads]
print(sum(taken))
"""


def test_workers_sharing_the_file_let_no_more_attempts_through_than_the_limit(tmp_path: Path) -> None:
    """Four processes of eight threads each try at once: five attempts in all get through."""
    path = tmp_path / "attempts.sqlite"
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
               for _ in range(4)]
    taken = [int(worker.communicate(timeout=60)[0]) for worker in workers]
    assert all(w.returncode == 0 for w in workers)
    assert sum(taken) == 5, taken
    here = Throttle(limit=5, window=60, store=AttemptsFile(path, "secret"), scope="address")
    assert 55 < here.retry_after("address:203.0.113.9") <= 60
    assert here.retry_after("address:198.51.100.7") == 0
    with sqlite3.connect(path) as db:  # the file is whole: SQLite's own check, and every count there
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT scope, count(*) FROM hits GROUP BY scope ORDER BY scope").fetchall() == [
            ("account", 5), ("address", 5)]


def test_the_file_keeps_no_address_or_name_and_is_private(tmp_path: Path) -> None:
    store = AttemptsFile(tmp_path / "attempts.sqlite", "secret")
    Throttle(limit=3, window=60, store=store, scope="account").take("account:ana@example.org")
    Throttle(limit=3, window=60, store=store, scope="address").take("address:127.0.0.1")
    files = list(tmp_path.iterdir())
    assert any(f.name == "attempts.sqlite" for f in files)
    plain = throttle_module.hashlib.sha256(b"address:127.0.0.1").hexdigest().encode()
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
        data = path.read_bytes()
        assert b"ana@example.org" not in data and b"127.0.0.1" not in data
        assert plain not in data  # keyed digests: an address cannot be found by hashing candidates
    other_secret = Throttle(limit=1, window=60, store=AttemptsFile(tmp_path / "attempts.sqlite", "other"), scope="address")
    assert other_secret.retry_after("address:127.0.0.1") == 0


def test_a_file_that_cannot_be_used_falls_back_to_memory_and_is_tried_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "state").write_text("a file where the state folder should be")
    store = AttemptsFile(tmp_path / "state" / "attempts.sqlite", "secret")
    throttle = Throttle(limit=1, window=60, store=store, scope="s")
    with caplog.at_level(logging.WARNING, logger="calendar_app.files.throttle"):
        assert throttle.take("ana") == 0
    assert throttle.take("ana") > 0  # still counted, and no error for the person logging in
    assert "counting in memory for now" in caplog.text

    (tmp_path / "state").unlink()  # the folder can be made now; after a while the file is used
    monkeypatch.setattr(throttle_module, "RETRY_FILE_AFTER", 0.0)
    time.sleep(0.01)
    assert throttle.take("ben") == 0
    assert (tmp_path / "state" / "attempts.sqlite").exists()


def test_a_lock_held_elsewhere_neither_fails_nor_waves_through_the_attempt(tmp_path: Path) -> None:
    """SQLite waits a second for the lock, then the attempt is counted in memory meanwhile."""
    path = tmp_path / "attempts.sqlite"
    throttle = Throttle(limit=1, window=60, store=AttemptsFile(path, "secret"), scope="s")
    throttle.retry_after("ana")  # the file made
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        assert throttle.take("ana") == 0  # counted in memory meanwhile
        waited = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    print(f"waited {waited:.2f} s for a held lock")
    assert throttle.take("ana") > 0
