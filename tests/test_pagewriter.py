"""The pages a build renders as tasks: only the pages asked for, and a file whose bytes did not
change is left as it was."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from calendar_app.build.outputtree import digest_of, file_mode
from calendar_app.build.pagewriter import ListingTask, PageWriter, Setup
from calendar_app.core.catalog import Catalog
from calendar_app.core.filters import Filters
from calendar_app.render.listing import listing_results

TODAY = date(2026, 11, 23)


def test_a_listing_task_writes_its_pages_and_leaves_unchanged_bytes(tmp_path: Path, sample_catalog: Catalog) -> None:
    writer = PageWriter(Setup(sample_catalog.config, sample_catalog.events, TODAY, False, tmp_path, file_mode()), sample_catalog)
    results = listing_results(sample_catalog, Filters(), today=TODAY)
    size = sample_catalog.config.page_size
    summaries = {e.slug: writer.event(e, {}).summary for e in results.events[size : 2 * size]}  # page 2's
    task = ListingTask("", False, [2], [e.slug for e in results.events], results.counts, [], summaries)
    first = writer.listing_pages(task)
    assert [path for path, _digest, _size in first] == ["page/2/index.html", "es/page/2/index.html", "api/events/upcoming/2.json"]
    assert not (tmp_path / "index.html").exists()  # only the page asked for
    page = (tmp_path / "page" / "2" / "index.html").read_bytes()
    assert all(size for _path, _digest, size in first)
    previous = {path: digest for path, digest, _size in first}
    stamp = (tmp_path / "page" / "2" / "index.html").stat().st_mtime_ns
    again = writer.listing_pages(ListingTask("", False, [2], task.slugs, task.counts, [], {}, previous))  # JSON read back
    assert [size for _path, _digest, size in again] == [None, None, None]
    assert (tmp_path / "page" / "2" / "index.html").stat().st_mtime_ns == stamp
    assert digest_of(page) == previous["page/2/index.html"]


def test_one_types_listing_is_its_first_page_and_every_page_of_its_json(sample_catalog: Catalog, tmp_path: Path) -> None:
    writer = PageWriter(Setup(sample_catalog.config, sample_catalog.events, TODAY, False, tmp_path, file_mode()), sample_catalog)
    webinars = next(v for v in writer.layout.variants if v.kind == "type" and v.value == "webinar")
    assert writer.listing_paths(webinars, False, 1) == [
        "type/webinar/index.html", "es/type/webinar/index.html", "api/events/type/webinar/1.json"
    ]
    assert writer.listing_paths(webinars, False, 2) == ["api/events/type/webinar/2.json"]
    every = writer.layout.variants[0]
    assert writer.listing_paths(every, False, 2) == ["page/2/index.html", "es/page/2/index.html", "api/events/upcoming/2.json"]
    assert writer.listing_paths(every, False, 1) == [
        "index.html", "es/index.html", "api/events/upcoming/1.json", "api/events.json"
    ]
