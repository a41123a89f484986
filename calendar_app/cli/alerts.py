"""`calendar-app alerts send`: the e-mail alerts that are due, sent (see `desk.alerts`).

Registered by `cli.build_parser`; meant for cron or a systemd timer (docs/alerts.md). It exits 1
when a digest was refused or the SMTP server could not be reached, so the job says so; what was
not sent is sent by the next run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..core.catalog import Catalog
from ..core.clock import Clock
from ..core.config import DEFAULT_CONFIG_NAME
from ..core.loader import load_events
from ..desk.alerts import AlertRun, send_alerts
from ..desk.alertstore import AlertStore
from ..files.workspace import Workspace
from .options import config_path, read_config


def cmd_alerts_send(args: argparse.Namespace) -> int:
    config = read_config(args)
    where = config_path(args) or DEFAULT_CONFIG_NAME
    if not config.smtp_host:
        print(f"calendar-app alerts send: {where} names no SMTP server, so no alert can be sent. "
              "Hint: set smtp_host (and smtp_port, smtp_from) under [site].", file=sys.stderr)
        return 2
    if not config.base_url_set:
        print(f"warning: no base_url is set, so the e-mails' links name {config.base_url}; set base_url in "
              "the configuration to the site's public address", file=sys.stderr)
    events = Path(args.events)
    if not events.is_dir():
        print(f"calendar-app alerts send: {events}: the events folder does not exist", file=sys.stderr)
        return 2
    loaded = load_events(events, config)
    if loaded.errors:
        files = len({p.path for p in loaded.errors})
        print(f"warning: {files} event file{'s' if files != 1 else ''} could not be read (`calendar-app validate` "
              "says why); their events are left as the alerts last told them", file=sys.stderr)
    workspace = Workspace.beside(config_path(args), config)
    run = send_alerts(config, Catalog(config, loaded.events), AlertStore(workspace.alerts_file),
                      workspace.alerts_lock_file, today=Clock.from_env(config.zone).today(), every=args.now,
                      dry_run=args.dry_run)
    print("\n".join(report_lines(run, config.alerts_max_per_run)))
    for problem in run.problems:
        print(f"calendar-app alerts send: {problem}", file=sys.stderr)
    if run.stopped:
        print(f"calendar-app alerts send: {run.stopped}; the rest wait for the next run", file=sys.stderr)
    return 1 if run.failed or run.stopped or run.problems else 0


def report_lines(run: AlertRun, cap: int) -> list[str]:
    if run.busy:
        return ["Another run of the alerts is under way; nothing was done."]
    lines = ["Dry run: nothing is sent or recorded."] if run.dry_run else []
    verb = "Would send" if run.dry_run else "Sent"
    lines.append(f"{verb} {len(run.sent)} digest{'s' if len(run.sent) != 1 else ''}"
                 f"{':' if run.sent else '.'}")
    lines += [f"  {line}" for line in run.sent]
    if run.quiet:
        lines.append(f"{run.quiet} due with nothing new: no e-mail.")
    if run.held_back:
        lines.append(f"{run.held_back} wait for the next run (alerts_max_per_run = {cap}).")
    if run.failed:
        lines.append("Refused by the SMTP server, tried again next run:")
        lines += [f"  {line}" for line in run.failed]
    for message_id in run.settled:
        lines.append(f"Counted as sent, never to be sent again (the SMTP server's answer was lost): {message_id}")
    return lines


def register_alerts(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add `alerts` (with its subcommand `send`) to the parser."""
    alerts = sub.add_parser("alerts", help="e-mail alerts of new and changed events")
    actions = alerts.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = actions.add_parser("send", parents=[common], help="send the digests that are due (for cron)")
    p.add_argument("--now", action="store_true", help="treat every confirmed subscription as due")
    p.add_argument("--dry-run", action="store_true", help="say what would be sent; send and record nothing")
    p.set_defaults(func=cmd_alerts_send)
