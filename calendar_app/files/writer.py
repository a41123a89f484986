"""Event files written the way people write them: front matter in field order, then Markdown.

Both `calendar-app new` and the coordinators' form make their text here; it is saved with
`atomic.atomic_write`.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from ..core.fields import FIELD_NAMES

_PLAIN_SAFE = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _EventDumper(yaml.SafeDumper):
    """Writes dates unquoted, lists of short words in flow style, long text folded."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if _PLAIN_SAFE.match(value):
        # Our loader reads every scalar as text, so a date needs no quotes; editors show it as a date.
        # Only a bare date is written as a timestamp: a date-time that must be quoted (in a flow
        # list, or with seconds) would otherwise come out with an explicit `!!timestamp` tag.
        tag = "tag:yaml.org,2002:timestamp" if _DATE_ONLY.match(value) else "tag:yaml.org,2002:str"
        return dumper.represent_scalar(tag, value, style="")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
    flow = all(isinstance(v, str) and len(v) < 60 for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_EventDumper.add_representer(str, _represent_str)
_EventDumper.add_representer(list, _represent_list)


def ordered_fields(data: dict[str, Any]) -> dict[str, Any]:
    """`data` with empty values dropped and keys in the documented order (unknown keys last)."""
    def empty(v: Any) -> bool:
        return v is None or v == [] or v == {} or v == ""

    cleaned = {k: v for k, v in data.items() if not empty(v)}
    for key, value in list(cleaned.items()):
        if isinstance(value, dict):
            cleaned[key] = {k: v for k, v in value.items() if not empty(v)}
            if not cleaned[key]:
                del cleaned[key]
    order = {name: i for i, name in enumerate(FIELD_NAMES)}
    return dict(sorted(cleaned.items(), key=lambda kv: order.get(kv[0], len(order))))


def render_event_file(data: dict[str, Any], body: str) -> str:
    """The text of an event file for `data` (front matter values as text) and a Markdown body."""
    header = yaml.dump(
        ordered_fields(data),
        Dumper=_EventDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    body = body.replace("\r\n", "\n").strip("\n")
    return f"---\n{header}---\n{body}\n" if body else f"---\n{header}---\n"
