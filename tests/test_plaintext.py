"""Markdown descriptions as the plain text a calendar app shows.

The short reader of the common subset (`simple_text`) must give the full parser's text
(`reference_text`) to the character whenever it gives any: checked on every description of the
sample site and the test data, on the benchmark's generated ones, and on generated Markdown
made of the subset, its near misses and whatever else Markdown has.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import event as outcome
from hypothesis import example, given
from hypothesis import strategies as st

from benchmarks.generate import SUBJECTS, _description
from calendar_app.core.errors import EventFileError
from calendar_app.core.frontmatter import split_front_matter
from calendar_app.render.plaintext import markdown_to_text, reference_text, simple_text

from .conftest import DATA, SAMPLE_EVENTS


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


# --- the short reader against the parser ----------------------------------------------------


def _descriptions() -> list[tuple[str, str]]:
    """(name, description) of every event file of the sample site and the test data; a file
    whose front matter cannot be read gives its whole text, which is Markdown too."""
    found = []
    for path in sorted([*SAMPLE_EVENTS.rglob("*.md"), *DATA.rglob("*.md")]):
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            body = split_front_matter(text, path.name).body
        except EventFileError:
            body = text
        found.append((str(path.relative_to(DATA.parent.parent)), body.replace("\r\n", "\n").strip("\n")))
    return found


@pytest.mark.parametrize(("name", "source"), _descriptions(), ids=lambda value: value if "/" in value else "")
def test_every_sample_and_test_data_description_reads_as_the_parser_reads_it(name: str, source: str) -> None:
    assert markdown_to_text(source) == reference_text(source)
    fast = simple_text(source)
    assert fast is None or fast == reference_text(source)


def test_the_benchmark_descriptions_are_in_the_subset_and_read_alike() -> None:
    rng = random.Random(2027)
    for i in range(300):
        source = _description(rng, rng.choice(SUBJECTS), i)
        assert simple_text(source) == reference_text(source), source


def test_most_sample_descriptions_are_in_the_subset() -> None:
    sample = [source for name, source in _descriptions() if name.startswith("events/")]
    assert sum(simple_text(source) is not None for source in sample) >= len(sample) * 3 // 4


@pytest.mark.parametrize(
    "source",
    [
        "**Bold.** Words after.",
        "A [link](https://example.org/a_b*c) and __strong__, _em_ and *em*.",
        "Ends with **bold**.\nAnd *em*, then (more).",
        "# Heading\nText under it.\n\n## Two\n\n- one\n- two\n\n* star\n\n+ plus\n\n1. first\n2. second\n\n7) seven",
        "Text\n# Heading after text",
        "- a\n\n- b\n\n\n- c\n\nAfter the list.",
        "[mail](mailto:a@b.org) and [same](https://example.org) [https://example.org](https://example.org)",
        "Q&A at 2 p.m.; 1.5 hours; 100% free! Questions? Yes: {all} ^ @ / $5.",
        "Café — “quoted” text, emoji 🎉, and 日本語.",
        "[Ünïcode](https://bücher.example/straße) link",
    ],
)
def test_the_subset_reads_as_the_parser_reads_it(source: str) -> None:
    assert simple_text(source) == reference_text(source)


@pytest.mark.parametrize(
    "source",
    [
        "Line with a hard break  \nnext", "Tab\there", "No\u00a0break", "Para\n- list without a blank line",
        "- item\nlazy continuation", "- item\n# heading", "Text\n===", "Text\n---", "***", "- - -", "2027.",
        "[x](javascript:alert(1))", "![image](a.png)", "[ref]\n\n[ref]: https://example.org", "a_b_c", "**a**b",
        "x **a** *b", "1. one\n- two", "&amp; and &#169;", "`code`", "~~gone~~", "a | b", "\\*escaped\\*",
        "<https://example.org>", "    indented code", "> quote", "# Closed #", "12345678901. too long",
        "Para\n2. not a list", "-\n", "*a **b** c*",
    ],
)
def test_the_reader_gives_up_outside_the_subset(source: str) -> None:
    assert simple_text(source) is None
    assert markdown_to_text(source) == reference_text(source)


# Generated Markdown: lines of the subset's pieces (words, emphasis, links, list markers,
# headings), with now and then a near miss or another piece of Markdown, joined into blocks by one
# or two line breaks, sometimes three, or a hard break.
_WORDS = st.sampled_from(
    ["word", "Word", "2027", "1.5", "a.", "end,", "(aside)", "Q&A", "100%", "é", "日本", "🎉", "it's", "“q”", "x-y",
     "#tag", ">", "=", "+", "-", "C#", "!", "{x}", "@", "5$", "a/b", "x:"]
)
_NEAR_MISSES = st.sampled_from(
    ["a_b", "5*3", "[x]", "]", "&amp;", "&copy;", "&#169;", "&copy", "~", "`t`", "\\*", "<b>", "|", "\u00a0", "\t",
     "  ", "*", "_", "https://example.org/a_b", "\u2028", "\x85", "![i](a.png)", "x  ", "***a***", "*_a_*",
     "** a**", "*a *", "__a__b", "[](/x)", "[a](javascript:x)", "[a](<b>)", "[a](b \"t\")", "[a](x(y))"]
)
_EMPHASIS = st.builds(
    lambda mark, words, after: f"{mark}{' '.join(words)}{mark}{after}",
    st.sampled_from(["*", "**", "_", "__"]),
    st.lists(st.sampled_from(["a", "bold", "two words", "x.", "1", "(p)", "end!", "café", "Z"]), min_size=1, max_size=3),
    st.sampled_from(["", "", "", ".", ",", ")", "!", ":", "'", "?", "x", "é"]),
)
_LINK = st.builds(
    lambda label, address: f"[{label}]({address})",
    st.sampled_from(["text", "Register here", "https://example.org", "a@b.org", " spaced ", "Q&A!", "日本"]),
    st.sampled_from(
        ["https://example.org", "https://example.org/a_b?c=1&d=2#e", "mailto:a@b.org", "HTTPS://EXAMPLE.ORG/",
         "https://bücher.example/straße", "/relative", "a%20b", "a%zz", "https://example.org/*x*", "a@b.org"]
    ),
)
_TEXT = st.lists(st.one_of(_WORDS, _WORDS, _WORDS, _EMPHASIS, _LINK), min_size=1, max_size=8).map(" ".join)
_LINE = st.builds(
    lambda lead, text: lead + text,
    st.sampled_from(["", "", "", "", "- ", "- ", "* ", "+ ", "1. ", "3. ", "2) ", "# ", "### "]),
    _TEXT,
)
_ODD_LINE = st.builds(
    lambda lead, text, miss: lead + text + " " + miss,
    st.sampled_from(["", "####### ", "#", "-", " ", "    ", "> ", "1.", "10. ", "1234567890. ", "- - ", "  - "]),
    _TEXT,
    _NEAR_MISSES | st.just(""),
) | st.sampled_from(["---", "===", "***", "- - -", "```", "| a | b |", "|---|---|", "[x]: https://example.org"])
_BREAKS = st.sampled_from(["\n", "\n", "\n\n", "\n\n", "\n\n", "\n\n\n", "  \n"])
_MARKDOWN = st.lists(
    st.tuples(st.one_of(_LINE, _LINE, _LINE, _LINE, _LINE, _ODD_LINE), _BREAKS), max_size=8
).map(lambda lines: "".join(line + br for line, br in lines))


# Documents of the subset by construction: paragraphs of lines that start as a paragraph may,
# headings, and lists of one marker, blocks apart by a blank line (a list also just after a
# heading). The reader should answer for most of them.
_GOOD_EMPHASIS = st.builds(
    lambda mark, words, after: f"{mark}{' '.join(words)}{mark}{after}",
    st.sampled_from(["*", "**", "_", "__"]),
    st.lists(st.sampled_from(["a", "bold", "two words", "1", "café", "Z", "end", "Q&A"]), min_size=1, max_size=3),
    st.sampled_from(["", "", "", ".", ",", ")", "!", ":", "'", "?"]),
)
_GOOD_TEXT = st.lists(st.one_of(_WORDS, _WORDS, _GOOD_EMPHASIS, _LINK), min_size=1, max_size=8).map(" ".join)
_LINE_START = st.one_of(st.sampled_from(["Word", "2027", "é", "(aside)", "Q&A", "“q”", "1.5"]), _GOOD_EMPHASIS, _LINK)
_PARAGRAPH_LINE = st.builds(lambda first, rest: f"{first} {rest}", _LINE_START, _GOOD_TEXT)
_PARAGRAPH = st.lists(_PARAGRAPH_LINE, min_size=1, max_size=3).map("\n".join)
_HEADING = st.builds(lambda level, text: "#" * level + " " + text, st.integers(1, 6), _PARAGRAPH_LINE)
_LIST = st.builds(
    lambda marker, items, gaps: "".join(
        (f"{n + 1}{marker[1:]} " if marker[0] == "1" else marker + " ") + item + gap
        for n, (item, gap) in enumerate(zip(items, gaps, strict=False))
    ).rstrip("\n"),
    st.sampled_from(["-", "*", "+", "1.", "1)"]),
    st.lists(_PARAGRAPH_LINE, min_size=1, max_size=4),
    st.lists(st.sampled_from(["\n", "\n", "\n\n"]), min_size=4, max_size=4),
)
_DOCUMENT = st.lists(st.one_of(_PARAGRAPH, _PARAGRAPH, _HEADING, _LIST), max_size=6).map("\n\n".join)


@given(source=_DOCUMENT)
def test_generated_documents_of_the_subset_read_as_the_parser_reads_them(source: str) -> None:
    fast = simple_text(source)
    outcome("in the subset" if fast is not None else "read by the parser")
    assert fast is None or fast == reference_text(source)


@given(source=_MARKDOWN)
@example(source="**Tribal Response.** Words.\n\n- One.\n- Two.\n\n### What you will learn\n\nMore [outline](https://example.org/1).")
def test_generated_markdown_reads_as_the_parser_reads_it(source: str) -> None:
    fast = simple_text(source)
    outcome("in the subset" if fast is not None else "read by the parser")
    assert fast is None or fast == reference_text(source)


@given(source=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",))))
def test_any_text_reads_as_the_parser_reads_it(source: str) -> None:
    fast = simple_text(source)
    assert fast is None or fast == reference_text(source)
