"""The `calendar-app` console script: a thin door onto the core.

Each command is a short function; core errors become messages and exit codes here and only
here (0 fine, 1 problems found, 2 bad usage or configuration).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import sys
from collections.abc import Sequence
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any

from ..core.config import DEFAULT_CONFIG_NAME, SiteConfig, base_url_warning, for_server, served_url, settings_table
from ..core.configtoml import config_toml
from ..core.errors import CalendarError, ConfigError, EventFileError, Problem, Severity, with_hint
from ..core.fields import json_schema
from ..core.loader import SLUG, event_files, load_event_file, load_events
from ..core.sources import sources_table
from ..desk.editing import slugify
from ..files.atomic import atomic_write
from ..files.writer import render_event_file
from ..render.ical.limits import feed_size_problems
from .alerts import register_alerts
from .coordinators import register_commands
from .options import config_path, read_config
from .sync import register_sync

# --- validate --------------------------------------------------------------------------------


def _format_problems(problems: list[Problem], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([p.as_dict() for p in problems], indent=2, ensure_ascii=False)
    if fmt == "github":
        lines = []
        for p in problems:
            level = "warning" if p.severity is Severity.WARNING else "error"
            where = f"file={_escape(p.path, True)}" + (f",line={p.line}" if p.line else "")
            where += f",col={p.column}" if p.column else ""
            text = with_hint((f"{p.field}: " if p.field else "") + p.message, p.hint)
            lines.append(f"::{level} {where},title={_escape(p.field or 'event file', True)}::{_escape(text)}")
        return "\n".join(lines)
    return "\n".join(str(p) for p in problems)


def _escape(text: str, is_property: bool = False) -> str:
    """Escape text for a GitHub Actions workflow command (its documented percent-encoding)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if is_property else text


def cmd_validate(args: argparse.Namespace) -> int:
    problems: list[Problem] = []
    try:
        config = read_config(args)
    except ConfigError as exc:
        # Checked against the defaults instead, correct files would fail on the site's own
        # vocabulary (its observances, types, sponsors): report the configuration alone.
        print(_format_problems(exc.problems, args.format))
        if args.format == "text":
            print(f"{len(exc.problems)} configuration error(s); event files not checked", file=sys.stderr)
        return 2
    targets = [Path(p) for p in args.paths] or [Path(args.events)]
    count = 0
    for target in targets:
        if target.is_dir():
            result = load_events(target, config)
            problems.extend(result.problems)
            count += len(result.events)
            problems.extend(feed_size_problems(result.events, config))  # warnings: the feed's size
        elif target.exists():
            try:
                load_event_file(target, target.parent, config)
                count += 1
            except EventFileError as exc:
                problems.extend(exc.problems)
        else:
            problems.append(Problem(str(target), None, None, "no such file or folder"))
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if args.strict:
        errors = problems
    if problems or args.format == "json":  # JSON readers expect a document, even an empty list
        print(_format_problems(problems, args.format))
    if args.format == "text":
        summary = f"{count} event(s) valid, {len(errors)} error(s), {len(problems) - len(errors)} warning(s)"
        print(summary, file=sys.stderr)
    return 1 if errors else 0


# --- new -------------------------------------------------------------------------------------

_NEW_FIELDS: list[tuple[str, str, bool]] = [
    ("title", "Title", True),
    ("type", "Type", True),
    ("start", "Start (YYYY-MM-DD or YYYY-MM-DD HH:MM)", True),
    ("end", "End (last day, date and time, or HH:MM; empty for none)", False),
    ("timezone", "Time zone (empty for the site's)", False),
    ("venue", "Venue", False),
    ("city", "City", False),
    ("region", "State or region", False),
    ("online_url", "Online join or registration URL (empty if in person only)", False),
    ("url", "Event web page", False),
    ("sponsors", "Sponsors (comma separated)", False),
    ("topics", "Topics (comma separated)", False),
    ("audience", "Audience (comma separated)", False),
]


def cmd_new(args: argparse.Namespace) -> int:
    config = read_config(args)
    answers: dict[str, str] = {}
    body = args.description or ""
    interactive = sys.stdin.isatty() and not args.no_input
    try:
        for name, _prompt, required in _NEW_FIELDS:
            value = getattr(args, name)
            if value is None and interactive:
                value = _ask(name, config)
            if value is None and required:
                print(f"calendar-app new: --{name.replace('_', '-')} is required", file=sys.stderr)
                return 2
            if value is not None:
                answers[name] = value
            if interactive:
                _ask_again(answers, body, config, after=name)
        if interactive and args.description is None:
            body = _ask_description()
        if interactive:
            _ask_again(answers, body, config)
    except EOFError:  # the input ended before every answer was valid
        print("\ncalendar-app new: nothing was written", file=sys.stderr)
        return 1
    data = _front_matter_from_answers(answers, config)
    slug = args.slug or slugify(answers["title"])
    if not SLUG.fullmatch(slug):  # match() would let a trailing line break through
        print(f"calendar-app new: slug {slug!r} is not lowercase letters, digits and hyphens", file=sys.stderr)
        return 2
    events_dir = Path(args.events)
    year = answers["start"][:4] if re.match(r"^\d{4}", answers["start"]) else "undated"
    target = events_dir / year / f"{slug}.md"
    if target.parent.exists() and not target.parent.resolve().is_relative_to(events_dir.resolve()):
        print(f"calendar-app new: {target.parent} leads outside {events_dir}; nothing was written", file=sys.stderr)
        return 1
    existing = [p for p in event_files(events_dir) if p.name == f"{slug}.md"] if events_dir.is_dir() else []
    if existing:
        print(f"calendar-app new: {existing[0]} already exists; choose another --slug", file=sys.stderr)
        return 1
    data["uid"] = f"{slug}-{secrets.token_hex(4)}@{config.uid_domain}"
    text = render_event_file(data, body)
    problems = _check_text(text, target, events_dir, config)
    if problems:
        print("\n".join(str(p) for p in problems), file=sys.stderr)
        print("calendar-app new: nothing was written", file=sys.stderr)
        return 1
    try:
        atomic_write(target, text, overwrite=False)
    except FileExistsError:
        print(f"calendar-app new: {target} already exists; nothing was written", file=sys.stderr)
        return 1
    print(target)
    return 0


# Which question a problem of the file is about, when its field is not the question's name.
_QUESTION_OF_FIELD = {
    "location.venue": "venue", "location.city": "city", "location.region": "region",
    "online": "online_url", "online.url": "online_url",
}
_PLACE_QUESTIONS = ("venue", "city", "region", "online_url")  # a missing place: any of them answers it
_NEW_QUESTIONS = {name: (prompt, required) for name, prompt, required in _NEW_FIELDS}


def _ask(name: str, config: SiteConfig, current: str | None = None) -> str | None:
    """One answer typed at the terminal (None for an empty optional one); a required one is asked until given."""
    prompt, required = _NEW_QUESTIONS[name]
    if name == "type":
        prompt += f", one of {', '.join(config.types)}"
    shown = f"{prompt}{' (required)' if required else ''}{f' [{current}]' if current else ''}: "
    while True:
        value = input(shown).strip()
        if value or not required:
            return value or None
        print(f"  {prompt.split(' (')[0]} is required.", file=sys.stderr)


DESCRIPTION_PROMPT = "Description, in Markdown (optional; end it with an empty line)"


def _ask_description() -> str:
    """The description typed line by line, up to the first empty line or the end of input.

    An empty line ends it, as in many a terminal prompt, so a description of several
    paragraphs is written in the file afterwards (or given whole with --description). The end
    of input ends it too: what was typed is kept, as nothing else is left to ask.
    """
    print(f"{DESCRIPTION_PROMPT}:")
    lines: list[str] = []
    while True:
        try:
            line = input("> ")
        except EOFError:
            break
        if not line.strip():
            break
        lines.append(line)
    return "\n".join(lines)


def _questions_for(problem: Problem) -> tuple[str, ...]:
    """The questions whose answers a problem of the file asks for again (none: reported at the end)."""
    field = re.sub(r"\[\d+\]", "", problem.field or "")
    if field == "location":
        return _PLACE_QUESTIONS
    name = _QUESTION_OF_FIELD.get(field, field)
    return (name,) if name in _NEW_QUESTIONS else ()


def _ask_again(answers: dict[str, str], body: str, config: SiteConfig, after: str | None = None) -> None:
    """Ask again, with the problem's message, each answer that makes the file invalid.

    With `after`, only the problems that this question (the last of its group) settles; without,
    every problem that some question can settle, once all have been asked.
    """
    while True:
        text = render_event_file(_front_matter_from_answers(answers, config), body)
        problems = [
            p for p in _check_text(text, Path("new.md"), Path("."), config)
            if (questions := _questions_for(p)) and (after is None or questions[-1] == after)
        ]
        if not problems:
            return
        for problem in problems:
            questions = _questions_for(problem)
            hint = "give a venue or a city, or an online URL" if questions == _PLACE_QUESTIONS else problem.hint
            print(f"  {with_hint(f'{problem.field}: {problem.message}', hint)}", file=sys.stderr)
        # A wrong answer is not offered again as the default (Enter would send it back); within a
        # group (the place's four questions) the other answers are, as they may be right.
        wrong = {qs[0] for p in problems if len(qs := _questions_for(p)) == 1}
        for name in dict.fromkeys(q for p in problems for q in _questions_for(p)):
            value = _ask(name, config, None if name in wrong else answers.get(name))
            if value is None:
                answers.pop(name, None)
            else:
                answers[name] = value


def _front_matter_from_answers(answers: dict[str, str], config: SiteConfig) -> dict[str, Any]:
    def tags(key: str) -> list[str]:
        return [t.strip() for t in answers.get(key, "").split(",") if t.strip()]

    location = {k: answers[k] for k in ("venue", "city", "region") if k in answers}
    data: dict[str, Any] = {  # while questions are asked, the ones to come are still missing
        "title": answers.get("title"),
        "type": answers.get("type"),
        "start": answers.get("start"),
        "end": answers.get("end"),
        "timezone": answers.get("timezone"),
        "location": location or None,
        "online": {"url": answers["online_url"]} if "online_url" in answers else None,
        "url": answers.get("url"),
        "sponsors": tags("sponsors"),
        "topics": tags("topics"),
        "audience": tags("audience"),
    }
    return data


def _check_text(text: str, target: Path, events_dir: Path, config: SiteConfig) -> list[Problem]:
    """Validate the text exactly as it would be read back, before anything is written."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / target.name
        probe.write_text(text, encoding="utf-8")
        try:
            load_event_file(probe, Path(tmp), config)
        except EventFileError as exc:
            return [Problem(str(target), p.line, p.field, p.message, p.hint) for p in exc.problems]
    return []


# --- schema and serve ------------------------------------------------------------------------


def cmd_schema(args: argparse.Namespace) -> int:
    print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    path = config_path(args)
    print(config_toml(read_config(args), str(path) if path else None), end="")
    return 0


def cmd_config_doc(args: argparse.Namespace) -> int:
    print(settings_table())
    print("\nThe keys of each [[sources]] table (partner calendars for `calendar-app sync`):\n")
    print(sources_table())
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from ..build.static import build_site, default_jobs, with_base_url
    from ..files.loadcache import default_cache_dir

    config = read_config(args)
    if args.base_url is not None:
        config = with_base_url(config, args.base_url)
    elif not config.base_url_set:
        # Feeds, subscribe links and the sitemap need full addresses: without a base_url they name
        # the address a local server would have, which is wrong on any host the build is put on.
        print(
            f"warning: no base_url is set, so feeds, subscribe links and the sitemap name {config.base_url}; "
            "set base_url in the configuration or pass --base-url with the address the site will have",
            file=sys.stderr,
        )
    cache_dir = None if args.no_cache else Path(args.cache_dir) if args.cache_dir else default_cache_dir()
    report = build_site(
        config, Path(args.events), Path(args.out), today=args.today, absolute=args.base_url is not None,
        full=args.full, strict=args.strict, cache_dir=cache_dir, jobs=args.jobs or default_jobs(),
    )
    if report.problems:
        print("\n".join(str(p) for p in report.problems), file=sys.stderr)
    for url in report.unmapped:
        print(f"warning: a page links to {url}, which the static site does not have", file=sys.stderr)
    if report.stopped:
        print("calendar-app build: nothing was written (--strict and problems were found)", file=sys.stderr)
        return 1
    print(
        f"Built {report.out}: {report.files:,} files ({len(report.written):,} written, {report.unchanged:,} unchanged, "
        f"{len(report.removed):,} removed); {report.events_rendered:,} events rendered, {report.events_kept:,} kept; "
        f"{report.bytes_written / 1e6:,.1f} MB written in {report.seconds:.1f} s "
        f"({report.jobs} {'job' if report.jobs == 1 else 'jobs'})"
    )
    return 1 if any(p.severity is Severity.ERROR for p in report.problems) else 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from ..files.loadcache import default_cache_dir
    from ..web.app import create_app

    config = read_config(args)
    warning = base_url_warning(config, args.host, args.port)
    if warning is not None:
        where = f"{config_path(args)}: " if config_path(args) else ""
        print(f"warning: {where}{warning}", file=sys.stderr)
    # Links follow the address served unless base_url is configured; never a request's Host
    # header, which anyone may set and which pages and feeds cached for everyone would keep.
    config = for_server(config, served_url(args.host, args.port))
    state_dir = (config_path(args) or Path(DEFAULT_CONFIG_NAME)).absolute().parent  # accounts, queue: beside it
    cache_dir = None if args.no_cache else Path(args.cache_dir) if args.cache_dir else default_cache_dir()
    if args.workers > 1:
        return _serve_workers(args, state_dir, cache_dir)
    app = create_app(
        config, Path(args.events), today=args.today, watch=not args.no_watch, state_dir=state_dir, cache_dir=cache_dir
    )
    # The application reads X-Forwarded-For itself, from the `trusted_proxies` only: uvicorn's own
    # handling would trust it from 127.0.0.1, whatever the proxy there passes through.
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", server_header=False, proxy_headers=False)
    return 0


def _serve_workers(args: argparse.Namespace, state_dir: Path, cache_dir: Path | None) -> int:
    """Several worker processes: each builds the application from the environment (`web.asgi`)."""
    import uvicorn

    from ..core.clock import ENV_VAR as TODAY_VAR
    from ..files.loadcache import ENV_VAR as CACHE_VAR
    from ..web import asgi

    settings = {
        asgi.ENV_EVENTS: str(Path(args.events).absolute()), asgi.ENV_STATE: str(state_dir),
        asgi.ENV_SERVED_URL: served_url(args.host, args.port),
    }
    if config_path(args) is not None:
        settings[asgi.ENV_CONFIG] = str(config_path(args).absolute())  # type: ignore[union-attr]
    if cache_dir is None:
        settings[asgi.ENV_NO_CACHE] = "1"
    else:
        settings[CACHE_VAR] = str(cache_dir.absolute())
    if args.no_watch:
        settings[asgi.ENV_NO_WATCH] = "1"
    if args.today is not None:
        settings[TODAY_VAR] = args.today.isoformat()
    os.environ.update(settings)
    uvicorn.run(
        "calendar_app.web.asgi:app", factory=True, workers=args.workers, host=args.host, port=args.port,
        log_level="info", server_header=False, proxy_headers=False,  # as above: `trusted_proxies` decides
    )
    return 0


# --- entry point -----------------------------------------------------------------------------


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return int(text)


def _version() -> str:
    try:
        return metadata.version("calendar-app")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed)"


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--events", default="events", metavar="DIR", help="folder of event files (default: events)")
    common.add_argument(
        "--config", default=None, metavar="FILE", help=f"site configuration (default: {DEFAULT_CONFIG_NAME} if present)"
    )
    parser = argparse.ArgumentParser(prog="calendar-app", description="Publish a training calendar from event files.")
    parser.add_argument("--version", action="version", version=f"calendar-app {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", parents=[common], help="check event files and the configuration")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: the events folder)")
    p.add_argument("--format", choices=["text", "json", "github"], default="text", help="output format")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("new", parents=[common], help="write a new event file (asks for what is missing)")
    for name, prompt, _required in _NEW_FIELDS:
        p.add_argument(f"--{name.replace('_', '-')}", dest=name, default=None, help=prompt)
    p.add_argument("--description", default=None,
                   help="the description, in Markdown (at a terminal it is asked for last, line by line, "
                        "ended by an empty line; left empty, the event has none)")
    p.add_argument("--slug", default=None, help="file name without .md (default: from the title)")
    p.add_argument("--no-input", action="store_true", help="never prompt; fail on missing required fields")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("schema", parents=[common], help="print the JSON Schema of the front matter")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("config", parents=[common], help="print the configuration in effect, defaults included, as TOML")
    p.set_defaults(func=cmd_config)

    p = sub.add_parser("config-doc", parents=[common], help="print the table of settings (as in the manual)")
    p.set_defaults(func=cmd_config_doc)

    p = sub.add_parser("build", parents=[common], help="write the site as static files for any static host")
    p.add_argument("out", metavar="OUT", help="folder to write (new, empty, or an earlier build)")
    p.add_argument(
        "--base-url",
        default=None,
        metavar="URL",
        help="write absolute links under this address (default: relative links; feeds use base_url)",
    )
    p.add_argument("--today", type=_date, default=None, help="treat this date as today (YYYY-MM-DD)")
    p.add_argument("--full", action="store_true", help="render every event again instead of keeping unchanged ones")
    p.add_argument("--strict", action="store_true", help="write nothing when any file has a problem")
    p.add_argument(
        "--cache-dir", default=None, metavar="DIR",
        help="keep validated events here across builds (default: $CALENDAR_CACHE_DIR or ~/.cache/calendar-app)",
    )
    p.add_argument("--no-cache", action="store_true", help="read every event file and keep no cache")
    p.add_argument(
        "--jobs", type=_positive, default=None, metavar="N",
        help="processes that render events when there are many (default: one per CPU)",
    )
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("serve", parents=[common], help="serve the listing and feeds")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--today", type=_date, default=None, help="treat this date as today (YYYY-MM-DD)")
    p.add_argument("--no-watch", action="store_true", help="do not reload event files when they change")
    p.add_argument(
        "--cache-dir", default=None, metavar="DIR",
        help="keep validated events here across restarts (default: $CALENDAR_CACHE_DIR or ~/.cache/calendar-app)",
    )
    p.add_argument("--no-cache", action="store_true", help="read every event file at start-up and keep no cache")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="worker processes, for several CPUs behind a reverse proxy (default 1)",
    )
    p.set_defaults(func=cmd_serve)

    register_commands(sub, common)
    register_sync(sub, common)
    register_alerts(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print("\n".join(str(p) for p in exc.problems), file=sys.stderr)
        return 2
    except CalendarError as exc:
        print(f"calendar-app: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader (`| head`) left: say nothing more, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
