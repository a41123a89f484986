"""What the build keeps of each event between builds: read back as written, and never trusted
when it is missing, damaged or of another version of the event."""

from __future__ import annotations

from pathlib import Path

from calendar_app.build.parts import SHARDS, EventParts, PartStore, shard_of

VEVENT = b"BEGIN:VEVENT\r\nUID:a@example.org\r\nSUMMARY:Caf\xc3\xa9\r\nEND:VEVENT\r\n"
RECORD = b'{"slug":"a","html":"<li>Caf\xc3\xa9\\n</li>"}'
RECORD_ES = b'{"slug":"a","html":"<li>Caf\xc3\xa9 en espa\xc3\xb1ol</li>"}'


def test_parts_are_read_back_as_written(tmp_path: Path) -> None:
    store = PartStore(tmp_path)
    store.put("a", EventParts("key-1", VEVENT, (RECORD, RECORD_ES)))  # one record per language
    store.put("b", EventParts("key-2", b"", (b"{}",)))
    store.save(keep={"a", "b"})
    again = PartStore(tmp_path)
    assert again.get("a", "key-1") == EventParts("key-1", VEVENT, (RECORD, RECORD_ES))
    assert again.get("b", "key-2") == EventParts("key-2", b"", (b"{}",))
    assert again.get("a", "key-0") is None  # another version of the event: made again
    assert again.get("c", "key-1") is None


def test_only_changed_shards_are_written_and_empty_ones_removed(tmp_path: Path) -> None:
    store = PartStore(tmp_path)
    slugs = [f"event-{n}" for n in range(200)]
    for slug in slugs:
        store.put(slug, EventParts("k", VEVENT, (RECORD,)))
    store.save(keep=set(slugs))
    files = sorted(tmp_path.iterdir())
    assert 1 < len(files) <= SHARDS
    stamps = {p.name: p.stat().st_mtime_ns for p in files}
    again = PartStore(tmp_path)
    again.put("event-7", EventParts("k2", VEVENT, (RECORD,)))
    again.put("event-8", EventParts("k", VEVENT, (RECORD,)))  # as it was: nothing to write
    again.save(keep=set(slugs))
    rewritten = {p.name for p in tmp_path.iterdir() if p.stat().st_mtime_ns != stamps[p.name]}
    assert rewritten <= {f"{shard_of('event-7'):02d}.bin"}
    alone = PartStore(tmp_path / "alone")
    alone.put("x", EventParts("k", VEVENT, (RECORD,)))
    alone.save(keep={"x"})
    alone.forget(["x"])
    alone.save(keep=set())
    assert list((tmp_path / "alone").iterdir()) == []


def test_a_damaged_shard_gives_nothing(tmp_path: Path) -> None:
    store = PartStore(tmp_path)
    store.put("a", EventParts("k", VEVENT, (RECORD,)))
    store.save(keep={"a"})
    shard = tmp_path / f"{shard_of('a'):02d}.bin"
    shard.write_bytes(shard.read_bytes()[:-5])  # cut short
    assert PartStore(tmp_path).get("a", "k") is None
    shard.write_bytes(b"something else entirely\n")
    assert PartStore(tmp_path).get("a", "k") is None
