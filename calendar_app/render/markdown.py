"""Event descriptions: Markdown -> sanitised HTML, and plain text for summaries.

markdown-it-py parses (raw HTML in a file is shown as text, never passed through); nh3 then
removes anything outside a short allow-list, so a hostile file or form cannot inject script,
styles or `javascript:` links. Results are cached per file content hash: a description is
rendered the first time a page shows it, not for every event at start-up.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

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

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


def render_markdown(text: str) -> Markup:
    """Markdown -> HTML that is safe to put in a page as it is."""
    tokens = _parser.parse(text)
    for token in tokens:
        _shift_heading(token)
    raw = _parser.renderer.render(tokens, _parser.options, {})
    clean = nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 - nh3 has just sanitised it


def _shift_heading(token: Token) -> None:
    if token.type in ("heading_open", "heading_close"):
        level = int(token.tag[1:]) + _HEADING_SHIFT
        token.tag = f"h{min(level, 6)}"


def plain_text(text: str) -> str:
    """The description as one paragraph of plain text (for JSON-LD, feeds and summaries)."""
    stripped = nh3.clean(str(render_markdown(text)), tags=set())
    return re.sub(r"\s+", " ", html.unescape(stripped)).strip()


def summary(text: str, limit: int = 280) -> str:
    """The first words of the plain text, cut at a word boundary."""
    plain = plain_text(text)
    if len(plain) <= limit:
        return plain
    cut = plain[:limit].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "…"


@lru_cache(maxsize=4096)
def _cached_html(content_hash: str, body: str) -> Markup:
    return render_markdown(body)


@lru_cache(maxsize=4096)
def _cached_plain(content_hash: str, body: str) -> str:
    return plain_text(body)


def description_html(event: Event) -> Markup:
    """The event's description as safe HTML, rendered once per version of its file."""
    return _cached_html(event.content_hash, event.body)


def description_text(event: Event) -> str:
    """The event's description as plain text, computed once per version of its file."""
    return _cached_plain(event.content_hash, event.body)
