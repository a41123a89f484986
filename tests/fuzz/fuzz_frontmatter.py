"""Coverage-guided fuzzing (atheris) of the front-matter reader and event validation.

    make fuzz FUZZ_SECONDS=300

runs it for that long, seeded with every file in tests/data (valid, invalid and earlier
finds). Any bytes given as an event file must give an event, or an `EventFileError` whose
every problem has a line and a one-line message; an event must then make a VEVENT with no bare
line break. Anything else (another exception, a hang past `-timeout`) is a find: libFuzzer
writes it under .venv/fuzz/ as crash-* or timeout-*. Fix it, and keep the input in
tests/data/fuzz/ under a name that says what it is: tests/test_fuzz_inputs.py replays every one.

Not a pytest module (its name does not start with test_); run it as a script.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

if __name__ == "__main__":  # instrument the project's code (only) as it is first imported
    import atheris  # installed by `make fuzz` only: it is heavy, and the tests do not need it

    with atheris.instrument_imports(include=["calendar_app"]):
        pass

from calendar_app.core.config import SiteConfig
from calendar_app.core.errors import EventFileError
from calendar_app.core.loader import load_event_file
from calendar_app.render.ical.vevent import build_vevent

CONFIG = SiteConfig()
ROOT = Path("events")
PATH = ROOT / "fuzzed-event.md"  # never read: the bytes are handed over, so nothing touches the disk
STAMP = datetime(2027, 1, 1, tzinfo=UTC)


def check_one(data: bytes) -> None:
    """Load `data` as an event file; fail (raise AssertionError or anything else) on a finding."""
    try:
        event = load_event_file(PATH, ROOT, CONFIG, last_modified=STAMP, data=data)
    except EventFileError as exc:
        assert exc.problems, "an error without a problem"
        for problem in exc.problems:
            assert problem.line is not None and problem.line >= 1, f"no line: {problem}"
            assert problem.message and "\n" not in problem.message, f"a message over lines: {problem!r}"
        return
    vevent = build_vevent(event, CONFIG).to_ical()
    lines = vevent.split(b"\r\n")
    assert all(b"\r" not in line and b"\n" not in line for line in lines), "a bare line break in the VEVENT"
    assert sum(line.startswith(b"BEGIN:") for line in lines) == 1, "a value started a component"


def main(argv: list[str]) -> None:
    import atheris

    atheris.Setup(argv, check_one)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
