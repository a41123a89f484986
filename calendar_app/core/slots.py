"""Fast pickling for the frozen, slotted records the site keeps by the ten thousand.

A restart reads every validated event back from the cache (`files.loadcache`). The methods that
`dataclass(slots=True)` gives a class for pickling look up the class's fields on every call and
set each value through `object.__setattr__`; for the events and the values they hold (several
objects an event) that was most of a restart's unpickling. `quick_pickle` gives a class methods
with the same state (the fields' values, in order) that read it in one call and set it through
the slots' own descriptors.
"""

from __future__ import annotations

from dataclasses import fields
from operator import attrgetter
from typing import Any, TypeVar, cast

T = TypeVar("T")


def quick_pickle(cls: type[T]) -> type[T]:
    """Give the slotted dataclass `cls` a faster `__getstate__` and `__setstate__` (same state)."""
    names = tuple(f.name for f in fields(cast(Any, cls)))
    read = attrgetter(*names)
    setters = tuple(cls.__dict__[name].__set__ for name in names)  # the slots' member descriptors
    one = len(names) == 1  # attrgetter of one name gives the value, not a tuple

    def __getstate__(self: object) -> tuple[Any, ...]:
        found: tuple[Any, ...] = (read(self),) if one else read(self)
        return found

    def __setstate__(self: object, state: tuple[Any, ...] | list[Any]) -> None:
        for set_slot, value in zip(setters, state, strict=True):
            set_slot(self, value)

    setattr(cls, "__getstate__", __getstate__)  # noqa: B010 - set on the class made by `dataclass`
    setattr(cls, "__setstate__", __setstate__)  # noqa: B010
    return cls
