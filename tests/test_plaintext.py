"""Markdown descriptions as the plain text a calendar app shows."""

from __future__ import annotations

from calendar_app.render.plaintext import markdown_to_text


def test_paragraphs_and_emphasis() -> None:
    assert markdown_to_text("A **bold** and *quiet*\nline.\n\nSecond  \nline.") == "A bold and quiet line.\n\nSecond\nline."


def test_links_keep_their_address() -> None:
    text = markdown_to_text("[Register here](https://example.org/r), <https://example.org/a> or [mail](mailto:a@b.org).")
    assert text == "Register here (https://example.org/r), https://example.org/a or mail (mailto:a@b.org)."


def test_lists_stay_on_their_own_lines() -> None:
    source = "Before\n\n- one\n- two\n  - nested\n\n3. three\n4. four\n\nAfter"
    assert markdown_to_text(source) == "Before\n\n- one\n- two\n  - nested\n\n3. three\n4. four\n\nAfter"


def test_headings_quotes_code_and_tables() -> None:
    source = "## Agenda\n\n> Quoted\n\n```\ncode  kept\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    assert markdown_to_text(source) == "Agenda\n\n> Quoted\n\ncode  kept\n\na | b\n1 | 2"


def test_raw_html_is_text() -> None:
    assert markdown_to_text("<script>alert(1)</script>") == "<script>alert(1)</script>"


def test_empty() -> None:
    assert markdown_to_text("") == ""
