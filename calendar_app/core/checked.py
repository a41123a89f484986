"""The front matter as a checked event keeps it: plain, slotted, frozen objects.

pydantic checks what a file says (`core/fields.py`). Once checked, an event keeps the same values
in these objects instead of the models, under the same names (`event.fields.title`,
`event.fields.location.city`), at a fraction of the memory: a model instance carries a
dictionary, the set of fields given and pydantic's bookkeeping, each costing more than the
values. Lists become tuples, and the short values many events share (types, tags, places, zone
names) are held once. `dump()` gives what pydantic's `model_dump(mode="json", by_alias=True,
exclude_defaults=True)` gives the models, for writing files and comparing fields.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import MISSING, FrozenInstanceError, dataclass, fields
from enum import Enum
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel

from .fields import EventFields, Location, OccurrenceChangeFields, Online, Organizer, Registration, SourceRef, Status
from .slots import quick_pickle

_C = TypeVar("_C", bound=type)
_V = TypeVar("_V")


def _refuse(item: object, name: str, value: object = None) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def refuse_assignment(cls: _C) -> _C:
    """Every assignment to an object of the frozen, slotted dataclass `cls` refused as one to a
    field is (`FrozenInstanceError`, an AttributeError).

    Python 3.11's frozen dataclass with slots raises TypeError instead for a name that is not a
    field (a property such as `Event.title`): its `__setattr__` names the class as it was before
    the slots were added. Building, copying and unpickling set slots through `object`, as before.
    """
    type.__setattr__(cls, "__setattr__", _refuse)
    type.__setattr__(cls, "__delattr__", _refuse)
    return cls


# Field names whose pydantic name is not the key a file writes.
_ALIASES = {"except_": "except"}


def _dumped(value: object) -> object:
    if isinstance(value, tuple):
        return [_dumped(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, _KEPT):
        return _dump(value)
    return value


def _dump(item: Any, exclude: AbstractSet[str] = frozenset()) -> dict[str, Any]:
    """`item`'s values that differ from their defaults, by the names files use, as JSON values."""
    out: dict[str, Any] = {}
    for spec in fields(item):
        value = getattr(item, spec.name)
        if (spec.default is not MISSING and value == spec.default) or spec.name in exclude:
            continue
        out[_ALIASES.get(spec.name, spec.name)] = _dumped(value)
    return out


@refuse_assignment
@quick_pickle
@dataclass(frozen=True, slots=True)
class CheckedLocation:
    """`location`, checked."""

    SHARED: ClassVar[frozenset[str]] = frozenset(
        {"venue", "address", "city", "region", "postal_code", "country"}
    )

    venue: str | None = None
    address: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None

    def one_line(self) -> str:
        """'Embassy Suites, 200 Stoneridge Dr, Columbia, SC 29210' — for LOCATION and listings."""
        region = " ".join(p for p in (self.region, self.postal_code) if p)
        parts = [self.venue, self.address, self.city, region or None]
        if self.country and self.country.upper() not in ("US", "USA"):
            parts.append(self.country)
        return ", ".join(p for p in parts if p)

    def place(self) -> str:
        """'Columbia, SC' — the short form the listing shows."""
        return ", ".join(p for p in (self.city, self.region) if p) or (self.venue or "")

    def dump(self) -> dict[str, Any]:
        """The values given, as `Location.model_dump(mode="json", exclude_defaults=True)` gives them."""
        return _dump(self)


@refuse_assignment
@quick_pickle
@dataclass(frozen=True, slots=True)
class CheckedOnline:
    """`online` as a mapping, checked; `online: true` is kept as `True`."""

    SHARED: ClassVar[frozenset[str]] = frozenset({"platform"})

    url: str | None = None
    platform: str | None = None

    def dump(self) -> dict[str, Any]:
        """The values given, as `Online.model_dump(mode="json", exclude_defaults=True)` gives them."""
        return _dump(self)


@refuse_assignment
@quick_pickle
@dataclass(frozen=True, slots=True)
class CheckedRegistration:
    """`registration`, checked."""

    SHARED: ClassVar[frozenset[str]] = frozenset({"deadline", "cost"})

    url: str | None = None
    deadline: str | None = None
    cost: str | None = None

    @property
    def is_free(self) -> bool:
        return self.cost is not None and self.cost.strip().lower() in ("free", "no cost", "$0", "0", "none")

    def dump(self) -> dict[str, Any]:
        """The values given, as `Registration.model_dump(mode="json", exclude_defaults=True)` gives them."""
        return _dump(self)


@refuse_assignment
@quick_pickle
@dataclass(frozen=True, slots=True)
class CheckedOrganizer:
    """`organizer`, checked."""

    SHARED: ClassVar[frozenset[str]] = frozenset({"name", "email", "phone"})

    name: str | None = None
    email: str | None = None
    phone: str | None = None

    def dump(self) -> dict[str, Any]:
        """The values given, as `Organizer.model_dump(mode="json", exclude_defaults=True)` gives them."""
        return _dump(self)


@refuse_assignment
@quick_pickle
@dataclass(frozen=True, slots=True)
class CheckedSourceRef:
    """`source`, checked: the partner calendar and the event's UID there."""

    SHARED: ClassVar[frozenset[str]] = frozenset({"id"})

    id: str
    uid: str

    def dump(self) -> dict[str, Any]:
        """Both values, as `SourceRef.model_dump(mode="json")` gives them."""
        return _dump(self)


@refuse_assignment
@quick_pickle
@dataclass(frozen=True, slots=True)
class CheckedChangeFields:
    """One entry of `changes` as the file writes it (its dates as text), checked."""

    SHARED: ClassVar[frozenset[str]] = frozenset({"status_note"})

    occurrence: str
    start: str | None = None
    end: str | None = None
    title: str | None = None
    status: Status | None = None
    status_note: str | None = None

    def dump(self) -> dict[str, Any]:
        """The values given, as `OccurrenceChangeFields.model_dump(mode="json", exclude_defaults=True)` gives them."""
        return _dump(self)


@refuse_assignment
@quick_pickle
@dataclass(frozen=True, slots=True)
class CheckedFields:
    """The front matter of an event file, checked. Field order is `EventFields`'."""

    SHARED: ClassVar[frozenset[str]] = frozenset(
        {"type", "timezone", "status_note", "sponsors", "topics", "audience", "language", "accessibility",
         "credits", "observances", "repeat"}
    )

    title: str
    type: str
    start: str
    end: str | None = None
    timezone: str | None = None
    status: Status = Status.SCHEDULED
    status_note: str | None = None
    location: CheckedLocation | None = None
    online: Literal[True] | CheckedOnline | None = None
    url: str | None = None
    registration: CheckedRegistration | None = None
    organizer: CheckedOrganizer | None = None
    sponsors: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    language: str | None = None
    accessibility: tuple[str, ...] = ()
    credits: str | None = None
    recording: bool | None = None
    featured: bool = False
    observances: tuple[str, ...] = ()
    repeat: str | None = None
    except_: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    changes: tuple[CheckedChangeFields, ...] = ()
    uid: str | None = None
    sequence: int = 0
    source: CheckedSourceRef | None = None

    def dump(self, *, exclude: AbstractSet[str] = frozenset()) -> dict[str, Any]:
        """The front matter as `EventFields.model_dump(mode="json", by_alias=True,
        exclude_defaults=True)` gives it: the values given, by the keys files write, less the
        fields named in `exclude` (by their names here: `except_`)."""
        return _dump(self, exclude)


# Each model, the class that keeps its values.
CHECKED: dict[type[BaseModel], Any] = {
    EventFields: CheckedFields,
    Location: CheckedLocation,
    Online: CheckedOnline,
    Registration: CheckedRegistration,
    Organizer: CheckedOrganizer,
    SourceRef: CheckedSourceRef,
    OccurrenceChangeFields: CheckedChangeFields,
}

Convert = Callable[[Any], Any]

# Values many events give alike, each held once: lists of tags ("BJA, OVC"), and places and
# organizers whose every part is shared. Bounded: past it, a value is held once more only when
# one like it already is.
_ALIKE: dict[object, Any] = {}
_MOST_ALIKE = 50_000


def _held_once(value: _V) -> _V:
    found: _V | None = _ALIKE.get(value)
    if found is not None:
        return found
    if len(_ALIKE) < _MOST_ALIKE:
        _ALIKE[value] = value
    return value


def _shared_list(value: list[str]) -> tuple[str, ...]:
    return _held_once(tuple(map(sys.intern, value))) if value else ()


def _list(value: list[Any]) -> tuple[Any, ...]:
    return tuple(checked(v) if isinstance(v, BaseModel) else v for v in value)


def _part(value: Any) -> Any:
    return checked(value) if isinstance(value, BaseModel) else value


def _converters(model: type[BaseModel], kept: Any) -> tuple[tuple[str, Convert | None], ...]:
    """How each field of `model` becomes the value `kept` holds, in `kept`'s field order."""
    shared: frozenset[str] = kept.SHARED
    out: list[tuple[str, Convert | None]] = []
    for spec in fields(kept):
        annotation = str(spec.type)
        if annotation.startswith("tuple["):
            out.append((spec.name, _shared_list if spec.name in shared else _list))
        elif spec.name in shared:
            out.append((spec.name, sys.intern))  # every shared value is text
        elif "Checked" in annotation:
            out.append((spec.name, _part))
        else:
            out.append((spec.name, None))
    missing = set(model.model_fields) ^ {name for name, _ in out}
    if missing:  # the two lists of fields must not drift apart
        raise TypeError(f"{kept.__name__} and {model.__name__} differ in {sorted(missing)}")
    return tuple(out)


# Each model: the class that keeps it, how each field is kept, and whether the whole is shared.
_CONVERTERS = {
    model: (kept, _converters(model, kept), kept.SHARED >= {f.name for f in fields(kept)})
    for model, kept in CHECKED.items()
}
_KEPT = tuple(CHECKED.values())


def checked(model: BaseModel) -> Any:
    """The plain object that keeps `model`'s values (a `CheckedFields` for `EventFields`...)."""
    kept, converters, whole_shared = _CONVERTERS[type(model)]
    values = model.__dict__  # the fields' values, as pydantic keeps them
    made = kept(*[
        value if convert is None or value is None else convert(value)
        for name, convert in converters
        for value in (values[name],)
    ])
    return _held_once(made) if whole_shared else made


def checked_fields(model: EventFields) -> CheckedFields:
    """The checked front matter an event keeps, from pydantic's."""
    kept: CheckedFields = checked(model)
    return kept


# `online: true`: an online event without details, as `Event.online` gives it.
NO_DETAILS = CheckedOnline()
