"""The pending queue: items outside the events folder, private tracking tokens, decisions, the trash."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from calendar_app.desk.pending import PUBLISHED, REJECTED, PendingError, PendingQueue

TEXT = "---\ntitle: Suggested Webinar\ntype: webinar\nstart: 2027-06-01 13:00\nonline: true\n---\nBody\n"


@pytest.fixture
def queue(tmp_path: Path) -> PendingQueue:
    return PendingQueue(tmp_path / "pending", tmp_path / "trash")


def test_a_suggestion_is_found_by_its_token_only(queue: PendingQueue) -> None:
    item, token = queue.submit(TEXT, kind="suggestion", name="Dana", email="dana@example.org")
    assert token and token not in (queue.folder / f"{item.id}.json").read_text()
    assert queue.by_token(token) == item and item.title == "Suggested Webinar"
    assert queue.by_token(token + "x") is None and queue.by_token("") is None
    assert (queue.folder / f"{item.id}.md").read_text() == TEXT
    assert [i.id for i in queue.waiting()] == [item.id]


def test_drafts_have_no_token(queue: PendingQueue) -> None:
    item, token = queue.submit(TEXT, kind="draft", name="Ana", email="ana@example.org")
    assert token is None and item.token_digest is None


def test_decisions_are_final(queue: PendingQueue) -> None:
    item, token = queue.submit(TEXT, kind="suggestion", name="", email="")
    decided = queue.decide(item.id, REJECTED, by="Ana Ruiz", reason="Out of scope")
    assert decided.reason == "Out of scope" and queue.by_token(token) == decided  # type: ignore[arg-type]
    assert queue.waiting() == []
    with pytest.raises(PendingError, match="already rejected"):
        queue.decide(item.id, PUBLISHED, by="Ben")


def test_discard_moves_files_to_the_trash(queue: PendingQueue) -> None:
    item, _ = queue.submit(TEXT, kind="draft", name="Ana", email="")
    moved = queue.discard(item.id)
    assert moved.parent == queue.trash and moved.read_text() == TEXT
    assert not list(queue.folder.glob(f"{item.id}.*"))


def test_ids_cannot_reach_outside_the_folder(queue: PendingQueue) -> None:
    for bad in ("../../etc/passwd", "x" * 20, "ABCDEF0123456789abcd", ""):
        with pytest.raises(PendingError):
            queue.get(bad)


def test_a_named_pipe_in_the_queue_is_skipped_not_waited_on(queue: PendingQueue, caplog: pytest.LogCaptureFixture) -> None:
    from .noblock import within

    item, _ = queue.submit(TEXT, kind="draft", name="Ana", email="ana@example.org")
    os.mkfifo(queue.folder / "0123456789abcdef0123.json")
    assert [i.id for i in within(30, queue.waiting)] == [item.id]
    assert "0123456789abcdef0123.json: is a named pipe (FIFO), not a regular file" in caplog.text
    with pytest.raises(PendingError):
        within(30, lambda: queue.get("0123456789abcdef0123"))
