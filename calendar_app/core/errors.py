"""Error classes of the core.

Every problem the core finds is a :class:`Problem` that names the file, the line and the
field it concerns, so that the command line, the web pages and CI annotations can all show
it the same way: ``events/2027/cst-ler.md:7: end: ends before start (2027-02-24 < 2027-02-26)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path


def _as_sentence(text: str) -> str:
    """`text` ending in one full stop, unless it ends a question or an exclamation already."""
    text = text.rstrip()
    if text.endswith(("?", "!", ".")):
        return text
    return text.rstrip(":;,") + "."


def with_hint(message: str, hint: str | None) -> str:
    """The message alone, or the message and its hint as two sentences: `…start. Hint: use ….`

    A message on its own reads as a label (`strat: unknown field`), as compilers print them; with
    a hint after it, both become sentences so that the two do not run together.
    """
    if not hint:
        return message
    return f"{_as_sentence(message)} Hint: {_as_sentence(hint)}"


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input file: where it is, what it is, how to fix it."""

    path: str
    line: int | None
    field: str | None
    message: str
    hint: str | None = None
    column: int | None = None
    severity: Severity = Severity.ERROR
    form_hint: str | None = None  # the hint in a form's words (its sections), where `hint` names YAML keys

    @property
    def explained(self) -> str:
        """The message and its hint, as a form shows the problem beside what it is about."""
        return with_hint(self.message, self.form_hint or self.hint)

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        text = f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        if self.severity is Severity.WARNING:
            text = f"{where}: warning: " + text[len(where) + 2 :]
        return with_hint(text, self.hint)

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "message": self.message,
            "hint": self.hint,
            "severity": self.severity.value,
        }


def dotted(path: tuple[str | int, ...]) -> str:
    """`location.venue`, `topics[0]`: how a problem names a place in a file (its `field`)."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class CalendarError(Exception):
    """Base class of every error the core raises on purpose."""


class EventFileError(CalendarError):
    """One or more problems in one event file; carries them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @classmethod
    def single(
        cls,
        path: str | Path,
        message: str,
        *,
        line: int | None = None,
        field: str | None = None,
        hint: str | None = None,
        column: int | None = None,
    ) -> EventFileError:
        return cls([Problem(str(path), line, field, message, hint, column)])


class ConfigError(CalendarError):
    """Problems in the site configuration, reported all at once."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class FilterError(CalendarError):
    """A filter (query parameter) that cannot be applied: unknown name, bad date, unknown type."""

    def __init__(self, parameter: str, message: str, choices: list[str] | None = None) -> None:
        self.parameter = parameter
        self.message = message
        self.choices = choices or []
        super().__init__(f"{parameter}: {message}")
