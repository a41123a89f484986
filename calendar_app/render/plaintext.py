"""A Markdown description as plain text a calendar app can show: paragraphs, lists and links kept.

Calendar apps show DESCRIPTION as text, so the feed needs the words without the markup but
with the shape a reader relies on: blank lines between paragraphs, list items on their own
lines, and every link's address written out after its text ("register here
(https://...)"), because a link without its address is lost in plain text. Descriptions are
parsed by the web pages' parser (`markdown.PARSER`: raw HTML is text, never markup).

Most descriptions use a little of Markdown: paragraphs, headings, one level of lists, bold
and italic words, links. Those are read by a short reader of that subset (`simple_text`), about
ten times faster than the full parser, which stays the reference (`reference_text`) and reads
everything else: the short reader gives up (None) on anything it does not know to be exactly
the parser's reading, and `tests/test_plaintext.py` checks the two agree on every sample and
test-data description and on generated ones.
"""

from __future__ import annotations

import re

from markdown_it.token import Token

from .markdown import PARSER


def markdown_to_text(source: str) -> str:
    """The plain-text form of the Markdown `source`."""
    text = simple_text(source)
    return text if text is not None else reference_text(source)


def reference_text(source: str) -> str:
    """The plain-text form of `source` from the full parser's tokens: the reference."""
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


# --- the common subset, read directly ---------------------------------------------------------
#
# What the short reader accepts, and why each is the parser's reading (CommonMark, as
# markdown-it-py reads it with `PARSER`'s options):
#
# - Lines without spaces at either end and no whitespace but spaces and line breaks (so no
#   indentation, code blocks, hard breaks, or tabs), no control characters, no backslash,
#   backtick, tilde, pipe or "<" (escapes, code, fences, strikethrough, tables, autolinks), no
#   entity ("&amp;", "&#..."), no image ("![").
# - Blocks: paragraphs, ATX headings ("## Agenda", not ending in "#"), and list items of one
#   line ("- ", "* ", "+ ", "1. ", "1) ") whose text starts as a paragraph may. A paragraph line
#   must start with a letter, a digit that is not a list marker, or punctuation that starts no
#   block; a list starts after a blank line or a heading (never inside a paragraph, where its
#   rules differ) and goes on while its items follow one another, blank lines between them
#   allowed; anything else next to a list gives up (lazy continuation lines, other markers).
# - Inline: text, "[text](address)" with plain text and an address without spaces,
#   parentheses or brackets (its address normalised and checked by the parser's own
#   functions), and "*em*", "**strong**", "_em_", "__strong__" around plain text, opening
#   after a space or a line's start before a letter or digit, and closing after a non-space
#   before a space, a line's end, or (after a letter or digit) punctuation: delimiter runs
#   that can only open, or only close, so they pair exactly as written. Any other "*", "_",
#   "[" or "]" gives up.

# Bytes a description in the subset may hold: printable ASCII but for backslash, backtick, tilde,
# pipe and "<", line breaks, and any byte of a character beyond ASCII (checked apart: spaces).
_ALLOWED_BYTES = bytes(b for b in range(0x20, 0x100) if b != 0x7F and chr(b) not in "\\`~|<") + b"\n"
# The UTF-8 starts of whitespace beyond ASCII, and of the C1 controls: only when one is there is
# the text searched for them.
_WIDE_SPACE_STARTS = (b"\xc2", b"\xe1\x9a\x80", b"\xe2\x80", b"\xe2\x81\x9f", b"\xe3\x80\x80")
_WIDE_SPACE = re.compile(r"[^\S \n]|[\x80-\x9f]")
_ENTITY = re.compile(r"&(?:#|[A-Za-z0-9#]+;)")
_HEADING = re.compile(r"(#{1,6}) (.*[^#])\Z")
_ORDERED = re.compile(r"([0-9]+)([.)])(?: |\Z)")
_START = re.compile(r"[A-Za-z0-9\u0080-\U0010ffff(\"'$%@/.,;:?!&{}^\[]|(\*\*?|__?)[^\W_]")
_LINK = re.compile(r"\[([^\[\]*_\n]+)\]\(([^\s()\[\]]+)\)")
_EMPHASIS = re.compile(r"(\*\*|\*|__|_)(?=[^\W_])([^\[\]*_]*)")  # [^\W_]: a letter or digit
_CLOSING_PUNCTUATION = frozenset(".,;:!?)'\"")

_PARAGRAPH, _HEADING_BLOCK, _ITEM = 0, 1, 2


def simple_text(source: str) -> str | None:
    """`reference_text(source)` for a description in the common subset above, else None."""
    if _refused(source):
        return None
    blocks: list[str] = []
    paragraph: list[str] = []
    previous: int | None = None  # the kind of the line before, None after a blank line
    list_kind: str | None = None  # the open list's marker: "-", "*", "+", "." or ")"
    counter = 0

    def end_paragraph() -> bool:
        if paragraph:
            text = _simple_inline("\n".join(paragraph))
            if text is None:
                return False
            blocks.append("\n\n" + text)
            paragraph.clear()
        return True

    for line in source.split("\n"):
        if not line:
            previous = None
            continue
        if line[-1] == " ":
            return None  # a hard break, or a heading's closing "#"s hidden behind a space
        first = line[0]
        heading = _HEADING.match(line) if first == "#" else None
        ordered = _ORDERED.match(line) if "0" <= first <= "9" else None
        if heading is not None:
            if previous == _ITEM or not end_paragraph():
                return None
            text = _simple_inline(heading.group(2))
            if text is None:
                return None
            blocks.append("\n\n" + text)
            list_kind, previous = None, _HEADING_BLOCK
        elif ordered is not None or (first in "-*+" and line[1:2] == " "):
            if ordered is not None:
                kind = ordered.group(2)
                if len(ordered.group(1)) > 9:
                    return None
                content = line[ordered.end() :]
            else:
                kind, content = first, line[2:]
            if previous == _PARAGRAPH or not _START.match(content):
                return None
            if previous is None and not end_paragraph():
                return None
            if previous is None and list_kind is not None and list_kind != kind:
                list_kind = None  # another marker after a blank line: another list
            elif previous == _ITEM and list_kind != kind:
                return None
            text = _simple_inline(content)
            if text is None:
                return None
            if list_kind is None:
                list_kind, separator = kind, "\n\n"
                counter = int(ordered.group(1)) if ordered is not None else 0
            else:
                separator = "\n"
            if ordered is not None:
                blocks.append(f"{separator}{counter}. {text}")
                counter += 1
            else:
                blocks.append(f"{separator}- {text}")
            previous = _ITEM
        else:
            if previous == _ITEM or not _START.match(line):
                return None
            if previous is None:
                if not end_paragraph():
                    return None
                list_kind = None
            paragraph.append(line)
            previous = _PARAGRAPH
    if not end_paragraph():
        return None
    return "".join(blocks).strip("\n")


def _refused(source: str) -> bool:
    """Whether `source` holds a character outside the subset, or an entity."""
    if source.isascii():
        data = source.encode("ascii")
    else:
        try:
            data = source.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate
            return True
        if any(start in data for start in _WIDE_SPACE_STARTS) and _WIDE_SPACE.search(source):
            return True
    return bool(data.translate(None, _ALLOWED_BYTES)) or ("&" in source and _ENTITY.search(source) is not None)


class _Specials:
    """Where the next "[", "]", "*" or "_" of a text is: searched for one character at a time (many
    times faster than for a set of them), each again only once passed."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.chars = [c for c in "[]*_" if c in text]
        self.places = [text.find(c) for c in self.chars]

    def after(self, position: int) -> int:
        """The first at or after `position`, or -1."""
        best = -1
        for i, at in enumerate(self.places):
            if 0 <= at < position:
                at = self.places[i] = self.text.find(self.chars[i], position)
            if at >= 0 and (best < 0 or at < best):
                best = at
        return best


def _simple_inline(text: str) -> str | None:
    """The words of a block's text in the subset (see above), or None."""
    specials = _Specials(text)
    if not specials.chars:
        return text.replace("\n", " ").strip()
    at = specials.after(0)
    parts: list[str] = []
    position = 0
    while True:
        if at < 0:
            parts.append(text[position:])
            break
        parts.append(text[position:at])
        if text[at] == "[":
            link = _LINK.match(text, at)
            if link is None or (at and text[at - 1] == "!"):
                return None  # not a link of the subset, or an image
            label, href = link.group(1), PARSER.normalizeLink(link.group(2))
            if not PARSER.validateLink(href):
                return None  # then the parser reads no link, and the brackets as text
            parts.append(label)
            if href and href.removeprefix("mailto:") != label:
                parts.append(f" ({href})")
            position = link.end()
            at = specials.after(position)
            continue
        emphasis = _EMPHASIS.match(text, at)  # a "]" outside a link does not match
        if emphasis is None or (at and text[at - 1] not in " \n"):
            return None
        delimiter, close = emphasis.group(1), emphasis.end()
        if not text.startswith(delimiter, close):
            return None
        inner = text[at + len(delimiter) : close]
        last = inner[-1]
        position = close + len(delimiter)
        following = text[position] if position < len(text) else " "
        if last in " \n" or (
            following not in " \n" and not (following in _CLOSING_PUNCTUATION and last.isalnum())
        ):
            return None
        parts.append(inner)
        at = specials.after(position)
    return "".join(parts).replace("\n", " ").strip()
