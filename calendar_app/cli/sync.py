"""`calendar-app sync`: the partner calendars of `[[sources]]` brought in (see `desk.sync`).

Registered by `cli.build_parser`; it prints what each source gave and exits 1 when a source
could not be read (or came back empty while events from it are still to come), or when an event
on the site that its calendar changed could not be updated, so a cron job or a scheduled
workflow says so.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from ..core.config import DEFAULT_CONFIG_NAME
from ..desk.sync import SyncReport, sync_sources
from ..desk.syncapply import Line, SourceReport, grouped
from .options import config_path, read_config


def cmd_sync(args: argparse.Namespace) -> int:
    config = read_config(args)
    if not config.sources:
        where = config_path(args) or DEFAULT_CONFIG_NAME
        print(f"calendar-app sync: {where} names no partner calendars. Hint: add a [[sources]] table with an id, "
              "a name and a url (see docs/sync.md).", file=sys.stderr)
        return 2
    state_dir = (config_path(args) or Path(DEFAULT_CONFIG_NAME)).absolute().parent
    report = sync_sources(config, Path(args.events), state_dir, source_id=args.source, dry_run=args.dry_run,
                          today=args.today)
    print("\n".join(_report_lines(report)))
    if report.warning:
        print(f"calendar-app sync: {report.warning}", file=sys.stderr)
    failed = [r.source_id for r in report.sources if r.failure]
    if failed:
        whose = "theirs" if len(failed) > 1 else "it"
        print(f"calendar-app sync: {', '.join(failed)} could not be synced; nothing of {whose} was changed",
              file=sys.stderr)
    for behind in report.behind:
        n = len(behind.not_updated)
        print(f"calendar-app sync: {behind.source_id}: {n} event{'s' if n > 1 else ''} on this site could not be "
              f"updated from its calendar and still show{'' if n > 1 else 's'} the old version (see 'not updated')",
              file=sys.stderr)
    return 1 if failed or report.warning or report.behind else 0


def _report_lines(report: SyncReport) -> list[str]:
    lines = ["Dry run: nothing is written."] if report.dry_run else []
    for source in report.sources:
        lines += _source_lines(source, report.dry_run)
    if report.commit:
        lines.append(f"Committed: {report.commit}")
    return lines


def _source_lines(report: SourceReport, dry_run: bool) -> list[str]:
    head = f"{report.source_id} ({report.name}):"
    if report.failure and not report.written:
        return [f"{head} failed: {report.failure}"]
    if report.not_modified:
        return [f"{head} not changed since the last sync"]
    counts = report.counts()
    lines = [f"{head} {report.summary()}; {counts['unchanged']} unchanged, {counts['skipped']} skipped, "
             f"{counts['refused']} refused"]
    would = "would be " if dry_run else ""
    for label, entries in (("new", report.new), ("queued", report.queued), ("updated", report.updated),
                           ("cancelled", report.cancelled)):
        for line in entries:
            detail = f"  ({line.detail})" if line.detail else ""
            lines.append(f"  {would}{label}: {line.title}{detail}")
    lines += [f"  kept local: {line.title}: {line.detail}" for line in report.kept]
    lines += _reasons("skipped", report.skipped) + _reasons("refused", report.refused)
    lines += _reasons("not updated", report.not_updated)
    if report.memory:
        lines.append(f"  {'memory would be updated' if dry_run else 'memory updated'}: {report.memory}")
    lines += [f"  note: {note}" for note in report.notes]
    if report.failure:
        lines.append(f"  failed: {report.failure}")
    return lines


def _reasons(label: str, entries: list[Line]) -> list[str]:
    """One line an event, or one line for the many skipped for the same reason (words of `match`)."""
    return [f"  {label}: {line.title}: {line.detail}" for line in grouped(entries)]


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def register_sync(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add `sync` to the parser."""
    p = sub.add_parser("sync", parents=[common], help="bring in the partner calendars of [[sources]]")
    p.add_argument("--source", default=None, metavar="ID", help="sync only this source (default: every one)")
    p.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
    p.add_argument("--today", type=_date, default=None,
                   help="treat this date as today (YYYY-MM-DD): events before it are past")
    p.set_defaults(func=cmd_sync)
