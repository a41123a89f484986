"""A Markdown description as plain text a calendar app can show: paragraphs, lists and links kept.

Calendar apps show DESCRIPTION as text, so the feed needs the words without the markup but
with the shape a reader relies on: blank lines between paragraphs, list items on their own
lines, and every link's address written out after its text ("register here
(https://...)"), because a link without its address is lost in plain text. Descriptions are
parsed by the web pages' parser (`markdown.PARSER`: raw HTML is text, never markup).
"""

from __future__ import annotations

from markdown_it.token import Token

from .markdown import PARSER


def markdown_to_text(source: str) -> str:
    """The plain-text form of the Markdown `source`."""
    blocks: list[tuple[str, str]] = []  # (separator before it, text)
    tight = False  # the last block was in a list, so a next one in the same list needs one line break
    lists: list[list[int | None]] = []  # one counter per open list; None for bullets
    marker: str | None = None
    quote = 0
    row: list[str] | None = None
    for token in PARSER.parse(source):
        kind = token.type
        if kind == "bullet_list_open":
            lists.append([None])
        elif kind == "ordered_list_open":
            lists.append([int(token.attrGet("start") or 1)])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
            tight = tight and bool(lists)
        elif kind == "list_item_open":
            counter = lists[-1]
            if counter[0] is None:
                marker = "- "
            else:
                marker = f"{counter[0]}. "
                counter[0] += 1
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            blocks.append(("\n" if tight else "\n\n", " | ".join(row)))
            tight, row = True, None
        elif kind == "table_close":
            tight = False
        elif kind == "inline" and row is not None:
            row.append(_inline(token))
        elif kind in ("inline", "fence", "code_block", "hr"):
            text = _inline(token) if kind == "inline" else "---" if kind == "hr" else token.content.rstrip("\n")
            depth = max(len(lists) - 1, 0)
            indent = "  " * depth
            lead = indent + marker if marker is not None else indent + ("  " if lists else "")
            marker = None
            lines = text.split("\n")
            shaped = [lead + lines[0]] + [indent + "  " * bool(lists) + line for line in lines[1:]]
            if quote:
                shaped = ["> " * quote + line for line in shaped]
            blocks.append(("\n" if tight and lists else "\n\n", "\n".join(shaped)))
            tight = bool(lists)
    return "".join(separator + text for separator, text in blocks).strip("\n")


def _inline(token: Token) -> str:
    parts: list[str] = []
    links: list[tuple[str, int]] = []  # href and where its text starts
    for child in token.children or []:
        kind = child.type
        if kind in ("text", "code_inline"):
            parts.append(child.content)
        elif kind == "softbreak":
            parts.append(" ")
        elif kind == "hardbreak":
            parts.append("\n")
        elif kind == "image":
            parts.append(child.content)
        elif kind == "link_open":
            links.append((str(child.attrGet("href") or ""), len(parts)))
        elif kind == "link_close" and links:
            href, start = links.pop()
            shown = "".join(parts[start:])
            if href and href.removeprefix("mailto:") != shown:
                parts.append(f" ({href})")
    return "".join(parts).strip()
