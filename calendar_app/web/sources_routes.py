"""Routes: the partner calendars under /manage/sources (see `desk.sync`).

Included by `manage` behind the login. The page lists each `[[sources]]` table with its last run
(when, how many events of each kind, what went wrong); **Sync now** syncs one source, or every
one, and shows what the sync did, event by event. A sync fetches the calendars (each up to its
fetch deadline), so it runs in a thread of its own: one that ends within a few seconds answers
the button's request with its report; a longer one answers at once with the page at
`/manage/sources?sync=<run>`, which says the sync is under way and reloads itself (no script
needed) until the report is there. The site reloads what the sync changed. When another sync is
under way (the server's schedule, `calendar-app sync` from cron, another coordinator), nothing is
synced and the page says so.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..core.sources import SyncSource
from ..desk.accounts import Coordinator
from ..desk.sync import SyncError, SyncReport, sync_sources
from ..desk.syncapply import Line, SourceReport, grouped
from ..desk.syncstate import SourceRun, last_runs
from ..files.site import Site
from ..render.phrasing import moment_text
from .desk import coordinator_required, desk_of, posted_form, render

log = logging.getLogger("calendar_app")
router = APIRouter(include_in_schema=False)
Who = Depends(coordinator_required)

ANSWER_WITHIN_SECONDS = 5.0  # a sync done by then answers the button with its report; else the waiting page
RELOAD_SECONDS = 3  # how often the waiting page reloads itself
_KEPT_RUNS = 16  # the runs this process remembers for the waiting page

# The counts of a run, in the order and the words the page shows them.
COUNTED = (("new", "new"), ("queued", "queued for review"), ("updated", "updated"), ("cancelled", "cancelled"),
           ("unchanged", "unchanged"), ("skipped", "skipped"), ("refused", "refused"))
MODE_WORDS = {"review": "new events wait in Pending", "publish": "new events are published at once"}


@dataclass(frozen=True)
class SourceRow:
    """One partner calendar as the page lists it: its settings and its last run."""

    source: SyncSource
    run: SourceRun | None
    when: str  # the last run's time in words, in the site's zone

    @property
    def counts(self) -> str:
        return counts_text(self.run.counts) if self.run else ""

    @property
    def failure(self) -> str | None:
        """Why the calendar could not be synced last time (then nothing of it was changed)."""
        return self.run.errors[0] if self.run and self.run.failed and self.run.errors else None

    @property
    def refused(self) -> list[str]:
        """The events the last run could not bring in, each with the reason."""
        if self.run is None:
            return []
        return list(self.run.errors[1:] if self.run.failed else self.run.errors)


@dataclass
class SyncRun:
    """One Sync now, run in its own thread: what the page shows while it runs and once it is done."""

    id: str
    source: str | None
    done: threading.Event = field(default_factory=threading.Event)
    report: dict[str, Any] | None = None
    busy: str | None = None  # another sync was under way: nothing was synced


class _Runs:
    """The Sync now runs of this process, the last few, by their unguessable ids."""

    def __init__(self) -> None:
        self._runs: OrderedDict[str, SyncRun] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, site: Site, state_dir: Path, source: str | None) -> SyncRun:
        run = SyncRun(secrets.token_urlsafe(12), source)
        with self._lock:
            self._runs[run.id] = run
            while len(self._runs) > _KEPT_RUNS:
                self._runs.popitem(last=False)
        threading.Thread(target=_sync, args=(run, site, state_dir), name="calendar-sync-now", daemon=True).start()
        return run

    def get(self, run_id: str) -> SyncRun | None:
        with self._lock:
            return self._runs.get(run_id)


RUNS = _Runs()


def _sync(run: SyncRun, site: Site, state_dir: Path) -> None:
    try:
        report = sync_sources(site.config, site.events_dir, state_dir, source_id=run.source, today=site.clock.today())
        site.refresh()
        run.report = _report_view(report, site.events_dir)
    except SyncError as exc:
        run.busy = str(exc)
    except Exception:  # never raised to a thread nobody joins: logged, and said on the page
        log.exception("Sync now failed")
        run.busy = "the sync stopped on an error the server's log shows"
    finally:
        run.done.set()


@router.get("/manage/sources")
def sources_page(request: Request, sync: str = "", coordinator: Coordinator = Who) -> Response:
    run = RUNS.get(sync[:40]) if sync else None
    if run is None:
        return _page(request)
    return _page(request, running=run) if not run.done.is_set() else _result(request, run)


@router.post("/manage/sources/sync")
async def sync_now(request: Request, coordinator: Coordinator = Who) -> Response:
    return await run_in_threadpool(_sync_now, request, await posted_form(request))


def _sync_now(request: Request, form: Any) -> Response:
    """One source (`source`), or every one: its report, or the page that waits for it."""
    desk = desk_of(request)
    site = desk.site
    wanted = str(form.get("source", "")).strip()[:100] or None
    if wanted is not None and site.config.source(wanted) is None:
        raise HTTPException(404, f"There is no partner calendar {wanted!r} in the configuration.")
    if not site.config.sources:
        return _page(request)
    run = RUNS.start(site, desk.workspace.base, wanted)
    if run.done.wait(ANSWER_WITHIN_SECONDS):
        return _result(request, run)
    return RedirectResponse(f"/manage/sources?sync={run.id}", status_code=303)


def _result(request: Request, run: SyncRun) -> Response:
    if run.busy is not None:
        return _page(request, status=409, busy=run.busy)
    return _page(request, report=run.report)


def _page(request: Request, *, status: int = 200, busy: str | None = None,
          report: dict[str, Any] | None = None, running: SyncRun | None = None) -> Response:
    desk = desk_of(request)
    config = desk.site.config
    runs = {run.source_id: run for run in last_runs(desk.workspace.base)}
    rows = [SourceRow(s, runs.get(s.id), moment_text(runs[s.id].time, config.zone) if s.id in runs else "")
            for s in config.sources]
    return render(request, "manage/sources.html", status=status, rows=rows, busy=busy, report=report,
                  running=running, reload_seconds=RELOAD_SECONDS,
                  interval=_minutes(config.sync_interval_minutes), modes=MODE_WORDS)


def _minutes(value: float) -> str:
    """'30 minutes', '1 minute', '0.5 minutes'; empty when the schedule is off."""
    if value <= 0:
        return ""
    shown = f"{value:g}"
    return f"{shown} minute" + ("" if shown == "1" else "s")


def counts_text(counts: dict[str, int]) -> str:
    """'2 new, 0 queued for review, 1 updated, …': every count of a run, in words."""
    return ", ".join(f"{counts.get(key, 0)} {words}" for key, words in COUNTED)


def _report_view(report: SyncReport, events_dir: Path) -> dict[str, Any]:
    """What the page says a sync did: per source, its outcome and each event with the reason."""
    # Files named from the events folder's parent (events/2027/…), wherever the server was started.
    site_root = str(events_dir.absolute().parent) + os.sep
    return {
        "sources": [_source_view(source, site_root) for source in report.sources],
        "commit": report.commit,
        "warning": report.warning,
    }


def _source_view(report: SourceReport, site_root: str) -> dict[str, Any]:
    if report.failure and not report.written:
        outcome = f"Failed: {report.failure}. Nothing of it was changed."
    elif report.not_modified:
        outcome = "Not changed since the last sync."
    else:
        outcome = f"Synced: {counts_text(report.counts())}."
    lines: list[tuple[str, Line]] = []
    for label, entries in (("New", report.new), ("Queued for review", report.queued), ("Updated", report.updated),
                           ("Cancelled", report.cancelled), ("Kept as edited here", report.kept),
                           ("Skipped", grouped(report.skipped)), ("Refused", grouped(report.refused)),
                           ("Not updated", report.not_updated)):
        lines += [(label, Line(line.title, line.detail.replace(site_root, ""))) for line in entries]
    failed_later = report.failure if report.failure and report.written else None
    notes = report.notes + ([f"Memory updated: {report.memory}."] if report.memory else [])
    return {"name": report.name, "id": report.source_id, "outcome": outcome, "failed": report.failure is not None,
            "lines": lines, "notes": notes, "failed_later": failed_later}
