"""Split an event file into its YAML front matter and Markdown body, keeping the line of every key.

The YAML is composed (not constructed) with libyaml's C loader where it exists, and every
scalar is kept as the text the person wrote. Types are decided later, field by field, by the
model: so `start: 14:00` is never the sexagesimal number 840, `country: NO` is never false,
and a date written without quotes is the same as one written with them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import EventFileError, dotted

try:  # libyaml is about eight times faster; the pure-Python loader gives the same nodes.
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


class _Loader(_BaseLoader):
    """Composes nodes without guessing scalar types: the model decides them, field by field.

    Skipping YAML's implicit resolution (dates, booleans, sexagesimal numbers) is both what keeps
    `NO` a country code and a third of the time spent composing.
    """

    def resolve(self, kind: type, value: object, implicit: object) -> str:
        if kind is yaml.ScalarNode:
            return "tag:yaml.org,2002:str"
        if kind is yaml.SequenceNode:
            return "tag:yaml.org,2002:seq"
        return "tag:yaml.org,2002:map"

Path_ = tuple[str | int, ...]
_NULLS = {"", "~", "null", "Null", "NULL"}
_MAX_NODES = 5_000  # a hand-written event has a few dozen; aliases could otherwise multiply without bound
_MAX_DEPTH = 10  # an event nests two deep (location: venue:); far deeper would exhaust the stack
_MANY_BRACKETS = 200  # more '[' and '{' than any event has: only then is the nesting measured first


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """The parsed header: values as written (strings, lists, mappings) and the line of each path."""

    data: dict[str, Any]
    lines: dict[Path_, int]
    body: str
    body_line: int
    end_line: int = 0
    quoted: frozenset[Path_] = field(default_factory=frozenset)

    def line_of(self, path: Path_) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        for cut in range(len(path), 0, -1):
            line = self.lines.get(path[:cut])
            if line is not None:
                return line
        return None


def split_front_matter(text: str, path: str) -> FrontMatter:
    """Parse `text` (the whole file) into a :class:`FrontMatter`; raise EventFileError with a line."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise EventFileError.single(path, "the file is empty", line=1, hint="start it with a line '---'")
    lines = text.splitlines(keepends=True)
    if lines[0].rstrip("\r\n").rstrip() != "---":
        raise EventFileError.single(
            path,
            "no front matter: the first line must be '---'",
            line=1,
            hint="put the fields between two lines of '---' at the top of the file",
        )
    closing = next(
        (i for i in range(1, len(lines)) if lines[i].rstrip("\r\n").rstrip() in ("---", "...")),
        None,
    )
    if closing is None:
        raise EventFileError.single(
            path, "the front matter is not closed", line=1, hint="end the fields with a line '---'"
        )
    header = "".join(lines[1:closing])
    body = "".join(lines[closing + 1 :])
    hidden_break = _YAML_ONLY_BREAKS.search(header)
    if hidden_break:
        raise _hidden_break_problem(header, hidden_break.start(), path)
    if header.count("[") + header.count("{") > _MANY_BRACKETS:
        _refuse_deep_nesting(header, path)
    try:
        node = yaml.compose(header, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise _yaml_problem(exc, path, header) from None
    except yaml.reader.ReaderError as exc:
        line = header[: exc.position].count("\n") + 2
        raise EventFileError.single(
            path, f"invalid YAML: unacceptable character #x{exc.character:04x}: {exc.reason}", line=line
        ) from None
    except yaml.YAMLError as exc:
        raise EventFileError.single(path, "invalid YAML: " + " ".join(str(exc).split()), line=2) from None
    if node is None:
        raise EventFileError.single(
            path, "the front matter is empty", line=2, hint="add at least title, type and start"
        )
    if not isinstance(node, yaml.MappingNode):
        raise EventFileError.single(
            path, "the front matter must be a set of 'key: value' lines", line=node.start_mark.line + 2
        )
    walker = _Walker(path)
    data = walker.mapping(node, ())
    return FrontMatter(
        data=data,
        lines=walker.lines,
        body=body,
        body_line=closing + 2,
        end_line=closing + 1,
        quoted=frozenset(walker.quoted),
    )


# Line breaks to YAML (and to `str.splitlines`) that most editors show as nothing, or as a space:
# NEL (U+0085), and the line and paragraph separators. Inside a value YAML folds them into a
# space, so `title: Win<NEL> a prize` loaded as "Win  a prize" instead of being refused as the
# one-line fields are; after a comment they start a new key. No field of the front matter holds
# more than one line, so they are refused wherever they are, on the line an editor shows
# (counted by LF, as YAML's own count, which counts them too, would not be).
_YAML_ONLY_BREAKS = re.compile("[\x85\u2028\u2029]")
_BREAK_NAMES = {"\x85": "U+0085 NEL", "\u2028": "U+2028 LINE SEPARATOR", "\u2029": "U+2029 PARAGRAPH SEPARATOR"}


def _hidden_break_problem(header: str, index: int, path: str) -> EventFileError:
    """The problem of a NEL, LS or PS at `index` of the header, naming the field that holds it."""
    line = header.count("\n", 0, index) + 2
    column = index - (header.rfind("\n", 0, index) + 1) + 1
    node = None
    if header.count("[") + header.count("{") <= _MANY_BRACKETS:  # (see `_refuse_deep_nesting`)
        try:
            # As a space, each break keeps every index in place and the value on its one line.
            node = yaml.compose(_YAML_ONLY_BREAKS.sub(" ", header), Loader=_Loader)
        except yaml.YAMLError:  # broken elsewhere too; the line still says where
            pass
    at = _path_at(node, index, ()) if node is not None else None
    name = _BREAK_NAMES[header[index]]
    if at:
        return EventFileError.single(
            path, f"must be one line of text, without line breaks or control characters ({name} at column {column}, "
            "which YAML reads as a line break)", line=line, column=column, field=dotted(at),
            hint="delete the character, or retype the value",
        )
    return EventFileError.single(
        path, f"{name} at column {column}, which YAML reads as a line break", line=line, column=column,
        hint="delete the character",
    )


def _path_at(node: yaml.Node, index: int, at: Path_) -> Path_ | None:
    """The path of the innermost value whose text holds `index`, if any."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:  # (a break inside a key names no field: the key is not one)
            if value.start_mark.index <= index < value.end_mark.index:
                return _path_at(value, index, (*at, str(key.value))) or (*at, str(key.value))
        return None
    if isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            if item.start_mark.index <= index < item.end_mark.index:
                return _path_at(item, index, (*at, i)) or (*at, i)
        return None
    return at if node.start_mark.index <= index < node.end_mark.index else None


def _refuse_deep_nesting(header: str, path: str) -> None:
    """Refuse lists and mappings nested past `_MAX_DEPTH` before they are composed.

    libyaml composes nested collections recursively in C: tens of thousands of '[' (well under
    `max_file_bytes`) crash the whole process. Its parser keeps a stack instead, so the events
    are walked here, and only for a header with that many brackets: others cost nothing.
    """
    depth = 0
    try:
        for event in yaml.parse(header, Loader=_Loader):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > _MAX_DEPTH + 1:  # (+1: the front matter is itself a mapping)
                    raise EventFileError.single(
                        path, f"the front matter nests lists or mappings more than {_MAX_DEPTH} deep",
                        line=event.start_mark.line + 2 if event.start_mark else None,
                    )
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return  # composing reports it, with its line


def _yaml_problem(exc: yaml.MarkedYAMLError, path: str, header: str) -> EventFileError:
    """YAML's own message, line and column, in the file's numbering (the header starts on line 2)."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 2 if mark else None
    column = mark.column + 1 if mark else None
    message = "invalid YAML" + (f" at column {column}" if column else "") + f": {exc.problem or exc.context}"
    if exc.context and exc.problem:
        started = exc.context_mark
        where = f" started on line {started.line + 2}" if started and started.line + 2 != line else ""
        message += f" ({exc.context}{where})"
    lines = header.splitlines()
    offending = lines[mark.line] if mark and mark.line < len(lines) else ""
    # YAML's words for a tab ("cannot start any token") never say what to change.
    hint = (
        "indent with spaces; YAML does not allow tabs" if "\t" in offending[: mark.column + 1 if mark else 0] else None
    )
    return EventFileError.single(path, message, line=line, column=column, hint=hint)


class _Walker:
    """Turns composed nodes into plain values, recording lines and rejecting duplicate keys."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.lines: dict[Path_, int] = {}
        self.quoted: set[Path_] = set()
        self.count = 0
        self.open: list[yaml.Node] = []  # the lists and mappings being walked, outermost first

    def value(self, node: yaml.Node, at: Path_) -> Any:
        self.count += 1
        if self.count > _MAX_NODES:
            raise EventFileError.single(
                self.path, "the front matter is too large or nests aliases too deeply", line=node.start_mark.line + 2
            )
        self.lines.setdefault(at, node.start_mark.line + 2)
        if len(at) > _MAX_DEPTH:
            raise EventFileError.single(
                self.path, f"the front matter nests lists or mappings more than {_MAX_DEPTH} deep",
                line=node.start_mark.line + 2,
            )
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and any(node is n for n in self.open):
            # `a: &a [x, *a]` is a list that holds itself: walking it would never end.
            raise EventFileError.single(
                self.path, "an alias refers to the list or mapping that holds it", line=node.start_mark.line + 2
            )
        if isinstance(node, yaml.MappingNode):
            self.open.append(node)
            try:
                return self.mapping(node, at)
            finally:
                self.open.pop()
        if isinstance(node, yaml.SequenceNode):
            self.open.append(node)
            try:
                return [self.value(item, (*at, i)) for i, item in enumerate(node.value)]
            finally:
                self.open.pop()
        if isinstance(node, yaml.ScalarNode) and node.style in ("'", '"', "|", ">"):
            self.quoted.add(at)
            return node.value
        return None if node.value in _NULLS else node.value

    def mapping(self, node: yaml.MappingNode, at: Path_) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 2
            if not isinstance(key_node, yaml.ScalarNode):
                raise EventFileError.single(self.path, "a key must be a plain name", line=line)
            key = key_node.value
            if key == "<<":
                raise EventFileError.single(self.path, "merge keys ('<<') are not supported", line=line)
            if key in result:
                first = self.lines[(*at, key)]
                raise EventFileError.single(
                    self.path,
                    f"duplicate key (first given on line {first})",
                    line=line,
                    field=".".join(str(p) for p in (*at, key)),
                    hint="remove one of the two",
                )
            self.lines[(*at, key)] = line
            result[key] = self.value(value_node, (*at, key))
        return result
