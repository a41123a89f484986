"""Event descriptions: Markdown becomes safe HTML, once per version of a file."""

from __future__ import annotations

import re
from pathlib import Path

from calendar_app.core.config import SiteConfig
from calendar_app.core.loader import load_event_file
from calendar_app.render.markdown import _cached_html, description_html, one_paragraph, render_markdown, summary


def test_markdown_becomes_html() -> None:
    html = render_markdown("Teams **attend together**.\n\n- map the protocol\n- practice\n\n[Apply](https://example.org/apply)")
    assert "<strong>attend together</strong>" in html
    assert "<li>map the protocol</li>" in html
    assert '<a href="https://example.org/apply" rel="noopener noreferrer nofollow">Apply</a>' in html


def test_raw_html_and_script_links_never_pass() -> None:
    html = render_markdown(
        '<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\n[click](javascript:alert(3)) '
        '<a href="https://example.org" onclick="x()">a</a>'
    )
    assert "<script" not in html and "<img" not in html
    assert not re.search(r"<[^>]*onclick", html)
    assert 'href="javascript' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text, as written


def test_headings_sit_below_the_pages_own() -> None:
    html = render_markdown("# Agenda\n\n## Day one\n\n###### Small")
    assert "<h3>Agenda</h3>" in html and "<h4>Day one</h4>" in html and "<h6>Small</h6>" in html
    assert "<h1" not in html and "<h2" not in html


def test_one_paragraph_and_summary() -> None:
    text = "Learn **the signs** & how to report.\n\n- one\n- two"
    assert one_paragraph(text) == "Learn the signs & how to report. one two"
    long = "word " * 200
    cut = summary(long, 50)
    assert cut.endswith("…") and len(cut) <= 51


def test_descriptions_are_rendered_once_per_file_version(tmp_path: Path) -> None:
    path = tmp_path / "cached-event.md"
    path.write_text("---\ntitle: T\ntype: webinar\nstart: 2027-01-01\nonline: true\n---\nFirst *version*.\n", encoding="utf-8")
    event = load_event_file(path, tmp_path, SiteConfig())
    before = _cached_html.cache_info()
    assert "<em>version</em>" in description_html(event)
    description_html(event)
    after = _cached_html.cache_info()
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 1)
    path.write_text("---\ntitle: T\ntype: webinar\nstart: 2027-01-01\nonline: true\n---\nSecond **version**.\n", encoding="utf-8")
    changed = load_event_file(path, tmp_path, SiteConfig())
    assert "<strong>version</strong>" in description_html(changed)
