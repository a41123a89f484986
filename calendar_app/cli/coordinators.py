"""Commands for coordinators' accounts and for importing: `coordinator ...` and `import`.

Registered by `cli.build_parser`; each command is a short function, as in `cli`.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from ..core.zones import zone_named
from ..desk.accounts import AccountError, Accounts, password_problem
from ..desk.fetch import FetchPolicy
from ..desk.importer import ImportFailed, ImportOptions, import_calendar, is_address, read_source
from ..files.workspace import Workspace
from .options import config_path, read_config


def _accounts(args: argparse.Namespace) -> Accounts:
    config = read_config(args)
    return Accounts(Workspace.beside(config_path(args), config).coordinators_file)


# A person at a terminal mistypes; a few tries, then a clean stop rather than asking forever.
PASSWORD_TRIES = 3


def _password(args: argparse.Namespace) -> str:
    """From standard input (one line, for scripts) or asked twice without echo.

    At a terminal a password that cannot be used, or a second typing that differs, is said and
    asked for again, up to `PASSWORD_TRIES` times. From standard input there is no one to ask: the
    account's own check refuses it, and the command fails.
    """
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise AccountError("no terminal to ask for the password; use --password-stdin")
    problem = ""
    for tries_left in range(PASSWORD_TRIES - 1, -1, -1):
        first = getpass.getpass("Password: ")
        unusable = password_problem(first)
        if unusable is None and getpass.getpass("Same password again: ") == first:
            return first
        problem = unusable or "the two passwords differ"
        if tries_left:
            print(f"{problem}; try again ({tries_left} {'tries' if tries_left > 1 else 'try'} left)",
                  file=sys.stderr)
    raise AccountError(f"{problem}; nothing was changed after {PASSWORD_TRIES} tries")


def cmd_coordinator_add(args: argparse.Namespace) -> int:
    accounts = _accounts(args)
    coordinator = accounts.add(args.name, args.email, _password(args))
    print(f"added {coordinator.name} <{coordinator.email}> to {accounts.path}")
    return 0


def cmd_coordinator_password(args: argparse.Namespace) -> int:
    accounts = _accounts(args)
    accounts.set_password(args.name, _password(args))
    print(f"changed the password of {args.name}; their open sessions have ended")
    return 0


def cmd_coordinator_remove(args: argparse.Namespace) -> int:
    accounts = _accounts(args)
    accounts.remove(args.name)
    print(f"removed {args.name}; their sessions and API tokens no longer work")
    return 0


def cmd_coordinator_list(args: argparse.Namespace) -> int:
    accounts = _accounts(args)
    coordinators = accounts.all()
    if not coordinators:
        print(f"no coordinators yet in {accounts.path}; add one with `calendar-app coordinator add NAME EMAIL`")
    for c in coordinators:
        active = [t.id for t in c.tokens if t.active]
        tokens = f"tokens: {', '.join(active)}" if active else "no active token"
        print(f"{c.name} <{c.email}>  ({tokens})")
    return 0


def cmd_coordinator_token(args: argparse.Namespace) -> int:
    token_id, token = _accounts(args).issue_token(args.name)
    print(token)
    print(f"token {token_id} for {args.name}: shown only now; revoke it with "
          f"`calendar-app coordinator revoke {args.name!r} {token_id}`", file=sys.stderr)
    return 0


def cmd_coordinator_revoke(args: argparse.Namespace) -> int:
    revoked = _accounts(args).revoke(args.name, args.token_id)
    print(f"revoked {', '.join(revoked)}" if revoked else f"{args.name} had no active token")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    config = read_config(args)
    if args.type is not None and args.type not in config.types:
        print(f"calendar-app import: --type must be one of {', '.join(config.types)}", file=sys.stderr)
        return 2
    if args.zone is not None and zone_named(args.zone) is None:
        print(f"calendar-app import: --zone {args.zone!r} is not a time zone; use an IANA name such as America/Chicago",
              file=sys.stderr)
        return 2
    options = ImportOptions(type=args.type, assume_online=args.assume_online, dry_run=args.dry_run, zone=args.zone,
                            from_address=is_address(args.source))
    if args.deadline <= 0:
        print("calendar-app import: --deadline must be a number of seconds above 0", file=sys.stderr)
        return 2
    policy = FetchPolicy(allow_private=args.allow_private, allowed_hosts=frozenset(args.allow_host),
                         deadline_seconds=args.deadline)
    fetched: list[str] = []
    data = read_source(args.source, policy, fetched)
    for note in fetched:
        print(f"calendar-app import: note: {note}", file=sys.stderr)
    try:
        outcomes = import_calendar(data, Path(args.events), config, options)
    except ImportFailed as exc:
        raise ImportFailed(f"{args.source}: {exc}") from None
    written = refused = present = 0
    for outcome in outcomes:
        if outcome.path is not None:
            written += 1
            print(f"{'would write' if args.dry_run else 'wrote'} {outcome.path}  ({outcome.title})")
        elif outcome.present:
            present += 1
            print(f"skipped {outcome.title!r}: {outcome.skipped}")
        else:
            refused += 1
            print(f"refused {outcome.title!r}: {outcome.skipped}")
        for note in outcome.notes:
            print(f"    note: {note}")
    counts = [f"{written} event(s) {'to write' if args.dry_run else 'written'}"]
    counts += [] if outcomes else ["(the calendar holds no events)"]
    counts += [f"{refused} refused"] if refused else []
    counts += [f"{present} already on the site"] if present else []
    print(", ".join(counts).replace(", (", " ("), file=sys.stderr)
    # Events the site has already are no failure: a feed imported again, with nothing new, exits 0.
    return 1 if refused and not written else 0


def register_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add `coordinator` (with its own subcommands) and `import` to the parser."""
    coordinator = sub.add_parser("coordinator", help="manage coordinator accounts and API tokens")
    actions = coordinator.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, func, helptext in (
        ("add", cmd_coordinator_add, "add a coordinator (asks for the password twice)"),
        ("password", cmd_coordinator_password, "set a new password (ends their sessions)"),
    ):
        p = actions.add_parser(name, parents=[common], help=helptext)
        p.add_argument("name", metavar="NAME")
        if name == "add":
            p.add_argument("email", metavar="EMAIL")
        p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
        p.set_defaults(func=func)
    p = actions.add_parser("remove", parents=[common], help="remove a coordinator")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(func=cmd_coordinator_remove)
    p = actions.add_parser("list", parents=[common], help="list coordinators and their active token ids")
    p.set_defaults(func=cmd_coordinator_list)
    p = actions.add_parser("token", parents=[common], help="issue an API token (printed once)")
    p.add_argument("name", metavar="NAME")
    p.set_defaults(func=cmd_coordinator_token)
    p = actions.add_parser("revoke", parents=[common], help="revoke one API token, or all of a coordinator's")
    p.add_argument("name", metavar="NAME")
    p.add_argument("token_id", nargs="?", metavar="TOKEN_ID", help="the token's id (default: all)")
    p.set_defaults(func=cmd_coordinator_revoke)

    p = sub.add_parser("import", parents=[common], help="write event files from an iCalendar file or feed")
    p.add_argument("source", metavar="FILE-OR-URL", help="an .ics file, or an http(s):// or webcal:// address")
    p.add_argument("--type", default=None, help="type for events whose categories and title name none")
    p.add_argument("--assume-online", action="store_true", help="treat events without a location as online")
    p.add_argument("--zone", default=None, metavar="ZONE",
                   help="IANA zone for times whose zone the calendar does not give or cannot be recognised,"
                        " and for series in UTC (default: such events are refused)")
    p.add_argument("--dry-run", action="store_true", help="report what would be written; write nothing")
    p.add_argument("--allow-host", action="append", default=[], metavar="HOST",
                   help="let this host (as written in addresses) be on a private or loopback address; repeatable")
    p.add_argument("--allow-private", action="store_true",
                   help="let every host be on a private, loopback or link-local address")
    p.add_argument("--deadline", type=float, default=30.0, metavar="SECONDS",
                   help="give up fetching after this long in all, redirects included (default: 30)")
    p.set_defaults(func=cmd_import)
