"""How a synced event changes: a three-way merge, field by field, and telling the same event apart.

An event is compared as its fields flattened one level (`location.venue`, `online.url`) plus its
description, each as the validated model gives it, so quoting and layout never count as a change.
Three versions meet: the base (what the partner's calendar gave last), the new (what it gives
now) and the local (the file on this site). For each field the calendar gives:

- new == base: the calendar did not change it, the site's value stands;
- local == base: only the calendar changed it, its new value is taken;
- both changed: the `authority` decides: `source` takes the calendar's, `fields` and `local` keep
  the site's. (With `local`, an event edited on the site is left alone entirely; see `desk/sync.py`.)

A series' sessions are merged one by one: each entry of `changes` by the occurrence it changes,
each date of `extra` and `except` on its own, so an edit here to one session leaves the
calendar's changes to the others coming in. Fields the calendar never gives (topics from the
defaults, a region added by hand) are the site's. Without a base (the memory was lost), every
field where the calendar and the site differ counts as changed on both sides.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ..core.checked import CheckedFields
from ..core.model import Event
from ..core.sources import SourceDefaults
from ..core.when import as_instant

BODY = "description"
# Never merged: the site's identity of the event, its revision, and where it came from.
NOT_MERGED = ("uid", "sequence", "source")
# What calendar apps must hear about: a change raises `sequence`.
SCHEDULE = ("start", "end", "timezone", "repeat", "except", "extra", "changes", "location", "online", "status")
_STATUS_PREFIX = re.compile(r"^\s*(cancell?ed|postponed)\s*[:\-–—]\s*", re.IGNORECASE)

Flat = dict[str, Any]


def flat_fields(fields: CheckedFields, body: str) -> Flat:
    """The event's fields one level deep, as the model reads them, without the defaults' values."""
    data = fields.dump()
    flat: Flat = {}
    for key, value in data.items():
        if key in NOT_MERGED or value in (None, [], {}):
            continue
        if isinstance(value, dict):
            flat.update({f"{key}.{sub}": v for sub, v in value.items() if v not in (None, [], {})})
        else:
            flat[key] = value
    if body.strip():
        flat[BODY] = body.strip("\n")
    return flat


def nested(flat: Flat) -> tuple[dict[str, Any], str]:
    """Front matter and the description from flat fields (a mapping wins over `online: true`)."""
    data: dict[str, Any] = {}
    for key, value in flat.items():
        if key == BODY:
            continue
        name, _, sub = key.partition(".")
        if sub:
            part = data.get(name)
            data[name] = {**(part if isinstance(part, dict) else {}), sub: value}
        elif not isinstance(data.get(name), dict):
            data[name] = value
    return data, str(flat.get(BODY, ""))


def with_defaults(flat: Flat, defaults: SourceDefaults) -> Flat:
    """A new event's fields with the source's defaults where the calendar gives nothing; the region
    only for an event with a place."""
    given = dict(flat)
    for key, value in defaults.front_matter().items():
        if key != "location":
            given.setdefault(key, value)
            continue
        place = " ".join(str(v) for k, v in given.items() if k.startswith("location."))
        named = re.search(rf"\b{re.escape(value['region'])}\b", place, re.IGNORECASE)
        # A place in the region the partner serves, unless it names it already ("Columbia, SC, SC").
        if place and "location.region" not in given and not named:
            given["location.region"] = value["region"]
    return given


@dataclass
class Merged:
    fields: Flat
    changed: list[str] = field(default_factory=list)  # the fields whose value on the site changes
    kept: list[str] = field(default_factory=list)  # changed on both sides; the site's value kept


# Lists of a series' sessions, merged item by item: an entry of `changes` by its occurrence, a date as itself.
SESSIONS = ("changes", "extra", "except")
_UNKNOWN = object()  # the value of every field in a base that was lost


def merge(base: Flat | None, new: Flat, local: Flat, authority: str) -> Merged:
    """The local fields with the calendar's changes since `base` applied, field by field and
    session by session. With no `base`, every difference is a change on both sides."""
    result = Merged(_by_session(local))
    before_all = _by_session(base) if base is not None else {}
    now_all = _by_session(new)
    for key in sorted(set(before_all) | set(now_all)):
        before = before_all.get(key) if base is not None else _UNKNOWN
        now, here = now_all.get(key), result.fields.get(key)
        if now == before or now == here:
            continue
        if here != before and authority != "source":
            result.kept.append(key)
            continue
        if now is None:
            result.fields.pop(key, None)
        else:
            result.fields[key] = now
        result.changed.append(key)
    result.fields = _in_lists(result.fields, local)
    return result


def _by_session(flat: Flat) -> Flat:
    """`flat` with each session of `changes`, `extra` and `except` a key of its own: 'changes[2027-03-08 14:00]'."""
    split: Flat = {}
    for key, value in flat.items():
        if key in SESSIONS and isinstance(value, list):
            split.update({_session_key(key, item): item for item in value})
        else:
            split[key] = value
    return split


def _session_key(name: str, item: Any) -> str:
    return f"{name}[{item.get('occurrence') if isinstance(item, dict) else item}]"


def _in_lists(split: Flat, local: Flat) -> Flat:
    """The sessions back in their lists, in the local file's order, the calendar's new ones after it in time order."""
    joined: Flat = {key: value for key, value in split.items() if key.partition("[")[0] not in SESSIONS}
    for name in SESSIONS:
        mine = {key: value for key, value in split.items() if key.partition("[")[0] == name}
        if not mine:
            continue
        listed = local.get(name)
        order = [_session_key(name, item) for item in listed] if isinstance(listed, list) else []
        keys = [k for k in order if k in mine] + sorted(k for k in mine if k not in order)
        joined[name] = [mine[k] for k in keys]
    return {key: joined[key] for key in [*(k for k in local if k in joined), *(k for k in joined if k not in local)]}


def schedule_changed(before: Flat, after: Flat) -> bool:
    """Whether time, place or status differ: calendar apps replace their copy only when told (SEQUENCE)."""
    def part(flat: Flat) -> dict[str, Any]:
        return {k: v for k, v in flat.items() if k.partition(".")[0] in SCHEDULE}

    return part(before) != part(after)


# --- the same event twice ------------------------------------------------------------------------


def comparable_title(title: str) -> str:
    """A title as compared across calendars: no case, accents, punctuation or "Cancelled:" before it."""
    plain = unicodedata.normalize("NFKD", _STATUS_PREFIX.sub("", title).casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())


def start_key(event: Event) -> tuple[str, float]:
    """What two events must share to be the same: the instant they start, or the day."""
    start = event.start
    if isinstance(start, datetime):
        return "at", as_instant(start, event.zone).timestamp()
    assert isinstance(start, date)
    return "on", float(start.toordinal())


def same_title(a: str, b: str) -> bool:
    """Whether two titles name the same event: equal once compared, or nearly (a word's spelling)."""
    first, second = comparable_title(a), comparable_title(b)
    return first == second or difflib.SequenceMatcher(None, first, second).ratio() >= 0.9
