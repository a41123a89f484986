"""Event descriptions: Markdown -> sanitised HTML, and the words it shows as one paragraph.

markdown-it-py parses (raw HTML in a file is shown as text, never passed through); nh3 then
removes anything outside a short allow-list, so a hostile file or form cannot inject script,
styles or `javascript:` links. Results are cached per description: a description is
rendered the first time a page shows it, not for every event at start-up, and once for its HTML,
its paragraph and its summaries together (a static build asks for all of them per event).

`PARSER` is the one Markdown parser of the outputs: the feeds' plain text (`plaintext`) reads
descriptions with it too.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

from ..core.model import Event

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "s", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# The page's own title is the h1 and its sections are h2; a description's headings sit below.
_HEADING_SHIFT = 2

PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


def render_markdown(text: str) -> Markup:
    """Markdown -> HTML that is safe to put in a page as it is."""
    tokens = PARSER.parse(text)
    for token in tokens:
        _shift_heading(token)
        _label_bare_links(token)
    raw = PARSER.renderer.render(tokens, PARSER.options, {})
    clean = nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # nh3 has just sanitised it


def _label_bare_links(token: Token) -> None:
    """A bare address (`<https://...>`) shows as its host name: a long address breaks mid-word on a phone."""
    children = token.children or []
    for link, text in zip(children, children[1:], strict=False):
        href = str(link.attrGet("href") or "")
        if link.type == "link_open" and text.type == "text" and text.content == href and "://" in href:
            text.content = host_label(href)


def host_label(url: str) -> str:
    """How a page shows an address: its host name without "www." ("example.gov")."""
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


def _shift_heading(token: Token) -> None:
    if token.type in ("heading_open", "heading_close"):
        level = int(token.tag[1:]) + _HEADING_SHIFT
        token.tag = f"h{min(level, 6)}"


@lru_cache(maxsize=4096)
def _cached_html(text: str) -> Markup:
    return render_markdown(text)


@lru_cache(maxsize=4096)
def one_paragraph(text: str) -> str:
    """The words the page shows of the description, as one paragraph (for JSON-LD and summaries).

    Not the feeds' text (`plaintext.markdown_to_text`), which keeps paragraphs, list markers and
    every link's address for a calendar app to show.
    """
    stripped = nh3.clean(str(_cached_html(text)), tags=set())
    return re.sub(r"\s+", " ", html.unescape(stripped)).strip()


def summary(text: str, limit: int = 280) -> str:
    """The first words of the plain text, cut at a word boundary."""
    plain = one_paragraph(text)
    if len(plain) <= limit:
        return plain
    cut = plain[:limit].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


def description_html(event: Event) -> Markup:
    """The event's description as safe HTML, rendered once per version of its file."""
    return _cached_html(event.body)


def description_paragraph(event: Event) -> str:
    """The event's description as one paragraph (`one_paragraph`), once per version of its file."""
    return one_paragraph(event.body)
