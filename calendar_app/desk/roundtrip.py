"""Change an event file's front matter in place, keeping what the form does not know about.

An edit through the form touches only the keys whose controls changed: comments, quoting,
anchors, key order and fields written in unusual but valid ways stay as the person wrote
them. This uses ruamel.yaml's round-trip mode, which keeps comments and layout; where it
cannot be sure to keep the file (front matter it cannot read the same way, or a result that
would not read back as what was submitted), `CannotKeepLayout` says so, and the caller may
rewrite the whole file in the standard layout instead, with the person's consent.
"""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.util import load_yaml_guess_indent

from ..core.errors import CalendarError
from ..core.fields import FIELD_NAMES
from ..core.frontmatter import split_front_matter
from .eventform import (
    BODY,
    FORM_FIELDS,
    FormValues,
    changed_fields,
    data_from_values,
    values_from_data,
)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class CannotKeepLayout(CalendarError):
    """The file cannot be edited in place; the message says why."""


def rewrite_event_file(original: str, before: FormValues, after: FormValues) -> str:
    """`original` with the controls that differ between `before` and `after` written in."""
    changed_all = changed_fields(before, after)
    if not changed_all:
        # Nothing to write in: the file as it is. Dumping the tree again is not neutral: ruamel
        # folds long values its own way (a 200-character title moved to a line of its own), so
        # opening a file and saving it unchanged would rewrite it.
        return original
    if original.startswith("\ufeff"):
        original = original[1:]
    lines = original.replace("\r\n", "\n").splitlines(keepends=True)
    closing = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if not lines or lines[0].rstrip() != "---" or closing is None:
        raise CannotKeepLayout("the file has no front matter between two '---' lines")
    header = "".join(lines[1:closing])
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold: a long value (a registration link) stays on its line when others change
    try:
        tree, indent, offset = load_yaml_guess_indent(header, yaml=yaml)
    except (YAMLError, ValueError) as exc:
        raise CannotKeepLayout(f"its front matter cannot be read for editing in place ({exc})") from None
    if not isinstance(tree, CommentedMap):
        raise CannotKeepLayout("its front matter is not a set of 'key: value' lines")

    new_data = data_from_values(after)
    changed = [name for name in changed_all if name != BODY]
    for key in dict.fromkeys(name.split(".", 1)[0] for name in changed):
        subs = [n.split(".", 1)[1] for n in changed if n.startswith(key + ".")]
        whole = key in changed
        if not whole and isinstance(tree.get(key), CommentedMap) and isinstance(new_data.get(key), dict):
            for sub in subs:
                _put(tree[key], sub, new_data[key].get(sub), _sub_order(key))
        else:
            _put(tree, key, new_data.get(key), list(FIELD_NAMES))
    if not tree:
        raise CannotKeepLayout("the form left no fields")

    indent, offset = indent or 2, offset or 0
    yaml.indent(mapping=max(indent - offset, 2), sequence=indent, offset=offset)
    out = io.StringIO()
    yaml.dump(tree, out)
    if BODY in changed_all:
        body = after.get(BODY, "").replace("\r\n", "\n").strip("\n")
        body = f"{body}\n" if body else ""
    else:
        body = "".join(lines[closing + 1 :])  # untouched, byte for byte
    text = f"---\n{out.getvalue()}---\n{body}"
    _check_reads_back(text, after)
    return text


def _sub_order(key: str) -> list[str]:
    return [f.name.split(".", 1)[1] for f in FORM_FIELDS if f.name.startswith(key + ".")]


def _put(mapping: CommentedMap, key: str, value: Any, order: list[str]) -> None:
    """Set, replace or remove `key`, placing a new key where the documented order puts it."""
    if value is None:
        mapping.pop(key, None)
        return
    node = _node(value)
    old = mapping.get(key)
    if isinstance(old, CommentedSeq) and isinstance(node, CommentedSeq) and not old.fa.flow_style():
        node.fa.set_block_style()  # a list written one item per line stays that way
    if key in mapping:
        mapping[key] = node
        return
    rank = {name: i for i, name in enumerate(order)}
    mine = rank.get(key, len(rank))
    position = sum(1 for existing in mapping if rank.get(existing, -1) < mine and existing in rank)
    mapping.insert(position, key, node)


def _node(value: Any) -> Any:
    """A ruamel value written the way `writer.render_event_file` writes it."""
    if isinstance(value, dict):
        node = CommentedMap()
        for k, v in value.items():
            node[k] = _node(v)
        return node
    if isinstance(value, list):
        seq = CommentedSeq(_node(v) for v in value)
        if all(isinstance(v, str) and len(v) < 60 for v in value):
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, str) and _DATE.match(value):
        try:
            return date.fromisoformat(value)  # written unquoted, as people write dates (and read back as text)
        except ValueError:
            return value  # not a real date: kept as typed, for the validator to name
    return value


def _check_reads_back(text: str, after: FormValues) -> None:
    """Refuse a rewrite that would not read back, field for field, as what was submitted."""
    try:
        front = split_front_matter(text, "the edited file")
    except CalendarError as exc:
        raise CannotKeepLayout(f"the edited front matter would not read back ({exc})") from None
    seen = data_from_values(values_from_data(front.data, ""))
    wanted = data_from_values(after)
    wrong = [key for key in dict.fromkeys([*seen, *wanted]) if seen.get(key) != wanted.get(key)]
    if wrong:
        raise CannotKeepLayout(f"editing in place would change {', '.join(wrong)} in ways the form cannot show")
