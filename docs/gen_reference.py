"""Write the manual's reference pages from the code: the settings, the event schema, the command line.

    make docs-reference                      # or: python docs/gen_reference.py
    python docs/gen_reference.py --check     # exit 1, naming the pages, when one is out of date

Each page is made from the one declaration it documents (`SiteConfig`'s fields, `EventFields`'
JSON Schema, the argument parser), so nothing here is kept by hand. `tests/test_docs.py` builds
the pages in memory and fails when a committed one differs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
if str(ROOT) not in sys.path:  # run as a script from a checkout: the package is beside docs/
    sys.path.insert(0, str(ROOT))

from calendar_app.cli.main import build_parser  # noqa: E402
from calendar_app.core.config import settings_table  # noqa: E402
from calendar_app.core.fields import json_schema  # noqa: E402
from calendar_app.core.sources import sources_table  # noqa: E402

REFRESH = "make docs-reference"
HELP_WIDTH = 88  # fixed, so the pages do not depend on the width of the terminal that made them


def _generated_note(source: str) -> str:
    return f"<!-- Generated from {source} by `{REFRESH}` (docs/gen_reference.py): do not edit by hand. -->\n"


# --- settings ------------------------------------------------------------------------------------


def settings_page() -> str:
    return (
        _generated_note("the settings' declarations in calendar_app/core/config.py")
        + "\n# Settings\n\n"
        "Every setting of `[site]` in `calendar.toml`, its default and what it does, as\n"
        "`calendar-app config-doc` prints them. How the file is laid out, sponsors and observances:\n"
        "[Configuration](../configuration.md).\n\n"
        + settings_table()
        + "\n\n## Partner calendars: `[[sources]]`\n\n"
        "The keys of each `[[sources]]` table, the partner calendars `calendar-app sync` brings in\n"
        "(declared in `calendar_app/core/sources.py`). What a sync does with them:\n"
        "[Partner calendars](../sync.md).\n\n"
        + sources_table()
        + "\n"
    )


# --- event schema --------------------------------------------------------------------------------


def _type_of(schema: dict[str, Any]) -> str:
    """A short reading of one property's schema: `string`, `list of string`, `Location`, ..."""
    if "$ref" in schema:
        return "`" + str(schema["$ref"]).rsplit("/", 1)[-1] + "`"
    if "anyOf" in schema:
        kinds = [_type_of(s) for s in schema["anyOf"] if s.get("type") != "null"]
        return " or ".join(dict.fromkeys(kinds)) or "null"
    if "enum" in schema:
        return "one of " + ", ".join(f"`{v}`" for v in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return "list of " + _type_of(schema.get("items", {}))
    if isinstance(kind, list):
        return " or ".join(kind)
    return str(kind)


def _field_rows(schema: dict[str, Any], required: set[str]) -> list[str]:
    rows = ["| field | required | type | description |", "|---|---|---|---|"]
    for name, prop in schema.get("properties", {}).items():
        description = " ".join(str(prop.get("description", "")).split()).replace("|", "\\|")
        rows.append(f"| `{name}` | {'yes' if name in required else ''} | {_type_of(prop)} | {description} |")
    return rows


def schema_page() -> str:
    schema = json_schema()
    lines = [
        _generated_note("`calendar-app schema` (EventFields in calendar_app/core/fields.py)"),
        "# Event schema",
        "",
        "The JSON Schema of an event file's front matter, as `calendar-app schema` prints it. Editors",
        "and front-matter checkers use it to flag mistakes as you type:",
        "`calendar-app schema > event.schema.json`. Every value is read as the text you typed, so the",
        "schema speaks of strings; what each field means, with examples:",
        "[Event files](../event-files.md).",
        "",
        "## Fields",
        "",
        *_field_rows(schema, set(schema.get("required", []))),
    ]
    for name, definition in schema.get("$defs", {}).items():
        lines += ["", f"### `{name}`", ""]
        if "properties" in definition:
            lines += _field_rows(definition, set(definition.get("required", [])))
        else:
            lines.append(_type_of(definition)[0].upper() + _type_of(definition)[1:] + ".")
    lines += [
        "",
        "## The schema",
        "",
        "```json",
        json.dumps(schema, indent=2, ensure_ascii=False),
        "```",
        "",
    ]
    return "\n".join(lines)


# --- command line --------------------------------------------------------------------------------


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]  # noqa: SLF001
    return dict(actions[0].choices) if actions else {}


def _commands(parser: argparse.ArgumentParser, prefix: str = "") -> list[tuple[str, argparse.ArgumentParser]]:
    """Every parser in the tree, depth first: `calendar-app`, `validate`, ..., `coordinator add`."""
    found = [(prefix, parser)]
    for name, sub in _subcommands(parser).items():
        found += _commands(sub, f"{prefix} {name}".strip())
    return found


def _help(parser: argparse.ArgumentParser) -> str:
    parser.formatter_class = lambda prog: argparse.HelpFormatter(prog, width=HELP_WIDTH)
    if hasattr(parser, "color"):  # Python 3.14 colours help on a terminal
        parser.color = False
    return parser.format_help().rstrip()


def cli_page() -> str:
    lines = [
        _generated_note("the argument parser in calendar_app/cli/"),
        "# Command-line help",
        "",
        "What `calendar-app --help` and every command's `--help` print. What the commands are for,",
        "with examples: [Command line](../command-line.md).",
    ]
    for name, parser in _commands(build_parser()):
        lines += ["", f"## `calendar-app{' ' + name if name else ''}`", "", "```text", _help(parser), "```"]
    return "\n".join(lines) + "\n"


# --- writing -------------------------------------------------------------------------------------


def pages() -> dict[str, str]:
    """Every generated page, by its path under docs/."""
    return {
        "reference/settings.md": settings_page(),
        "reference/event-schema.md": schema_page(),
        "reference/cli.md": cli_page(),
    }


def stale_pages(docs: Path = DOCS) -> list[str]:
    """The generated pages whose committed text differs from what the code gives now."""
    stale = []
    for name, text in pages().items():
        path = docs / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python docs/gen_reference.py", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when a page is out of date")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_pages()
        for name in stale:
            print(f"docs/{name}: out of date. Hint: run `{REFRESH}`", file=sys.stderr)
        return 1 if stale else 0
    for name, text in pages().items():
        path = DOCS / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"docs/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
