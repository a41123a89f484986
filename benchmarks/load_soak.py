"""A bounded soak from loopback: many readers while a coordinator saves an event every second.

`python -m benchmarks.load_soak --duration 120 --clients 32` (or `make soak`) starts
`calendar-app serve` on 127.0.0.1 over a copy of the sample events, issues an API token with
`calendar-app coordinator token`, and for `--duration` seconds runs `--clients` readers of the
full and a filtered feed (half of the requests with If-None-Match), the listing, and event pages
while a writer replaces one event's title through the write API every second. It stops by itself
and fails (exit status 1) on any error response, a feed that does not parse, a title that was
never saved (a torn read), or a 200 where the ETag sent was still current. It prints the
request counts, the 304s, and p50/p99 latency per kind of request as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import icalendar

from benchmarks.load import LOOPBACK, free_port

ROOT = Path(__file__).resolve().parent.parent
SLUG = "screening-runaway-homeless-youth"  # the event the coordinator keeps changing
PASSWORD = "soak test password, long enough"
READS = {
    "feed": "/calendar.ics",
    "filtered feed": "/calendar.ics?type=webinar",
    "unchanged feed": "/calendar.ics?type=training",  # holds no webinar: nothing in it changes
    "listing": "/",
    "event page": f"/events/{SLUG}",
    "other event page": "/events/child-sex-trafficking-law-enforcement-response-columbia",
}


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    not_modified: int = 0
    conditional: int = 0
    errors: list[str] = field(default_factory=list)
    saves: int = 0
    titles: set[str] = field(default_factory=set)

    def fail(self, message: str) -> None:
        if len(self.errors) < 50:
            self.errors.append(message)


def _cli(*args: str, env: dict[str, str], stdin: str | None = None) -> str:
    command = [sys.executable, "-c", "import sys; from calendar_app.cli.main import main; sys.exit(main())", *args]
    return subprocess.run(command, env=env, input=stdin, capture_output=True, text=True, check=True, cwd=ROOT).stdout


def _prepare(folder: Path, port: int) -> tuple[Path, Path, dict[str, str]]:
    events = folder / "events"
    shutil.copytree(ROOT / "events", events)
    config = folder / "calendar.toml"
    text = (ROOT / "calendar.toml").read_text(encoding="utf-8")
    config.write_text(re.sub(r'(?m)^base_url\s*=.*$', f'base_url = "http://{LOOPBACK}:{port}"', text), encoding="utf-8")
    env = {**os.environ, "CALENDAR_CACHE_DIR": str(folder / "cache")}
    env.pop("CALENDAR_TODAY", None)
    common = ("--config", str(config), "--events", str(events))
    _cli("coordinator", "add", "Soak Tester", "soak@example.org", "--password-stdin", *common, env=env, stdin=PASSWORD + "\n")
    token = _cli("coordinator", "token", "Soak Tester", *common, env=env).strip()
    return events, config, {**env, "SOAK_TOKEN": token}


async def _writer(client: httpx.AsyncClient, token: str, tally: Tally, until: float) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    revision = 0
    while time.monotonic() < until:
        started = time.monotonic()
        source = (await client.get(f"/api/events/{SLUG}/source", headers=auth)).json()
        revision += 1
        title = f"Screening Youth for Trafficking (revision {revision})"
        tally.titles.add(title)  # known before it can be served
        response = await client.put(f"/api/events/{SLUG}", headers={**auth, "If-Match": f'"{source["version"]}"'},
                                    json={"fields": {**source["fields"], "title": title},
                                          "description": source["description"]})
        if response.status_code != 200:
            tally.fail(f"save {revision}: {response.status_code} {response.text[:200]}")
        tally.saves += 1
        await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - started)))


def _check_feed(body: bytes, tally: Tally, kind: str) -> None:
    try:
        calendar = icalendar.Calendar.from_ical(body)
    except ValueError as exc:
        tally.fail(f"{kind}: does not parse ({exc})")
        return
    for event in calendar.walk("VEVENT"):
        if SLUG in str(event.get("URL", "")) and str(event.get("SUMMARY")) not in tally.titles:
            tally.fail(f"{kind}: a title never saved: {event.get('SUMMARY')!r}")


def _check_page(text: str, tally: Tally, kind: str) -> None:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", text, re.S)
    title = html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else ""
    if kind == "event page" and title not in tally.titles:
        tally.fail(f"{kind}: a title never saved: {title!r}")


async def _reader(client: httpx.AsyncClient, tally: Tally, until: float, rng: random.Random) -> None:
    etags: dict[str, str] = {}
    while time.monotonic() < until:
        kind = rng.choice(list(READS))
        url = READS[kind]
        headers = {}
        conditional = url in etags and rng.random() < 0.5
        if conditional:
            headers["If-None-Match"] = etags[url]
            tally.conditional += 1
        started = time.perf_counter()
        try:
            response = await client.get(url, headers=headers)
        except httpx.HTTPError as exc:
            tally.fail(f"{kind}: {exc!r}")
            continue
        tally.latencies.setdefault(kind, []).append(time.perf_counter() - started)
        tally.statuses[str(response.status_code)] = tally.statuses.get(str(response.status_code), 0) + 1
        if response.status_code == 304:
            tally.not_modified += 1
            if not conditional:
                tally.fail(f"{kind}: 304 without If-None-Match")
            continue
        if response.status_code != 200:
            tally.fail(f"{kind}: {response.status_code}")
            continue
        etag = response.headers.get("etag")
        if conditional and etag == headers["If-None-Match"]:
            tally.fail(f"{kind}: 200 for an ETag that was still current")
        if etag:
            etags[url] = etag
        if url.startswith("/calendar.ics"):
            _check_feed(response.content, tally, kind)
        else:
            _check_page(response.text, tally, kind)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


async def _load(base: str, token: str, duration: float, clients: int, seed: int) -> Tally:
    tally = Tally(titles=set())
    limits = httpx.Limits(max_connections=clients + 2, max_keepalive_connections=clients + 2)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        first = (await client.get(f"/api/events/{SLUG}")).json()
        tally.titles.add(first["title"])
        until = time.monotonic() + duration
        rng = random.Random(seed)
        await asyncio.gather(
            _writer(client, token, tally, until),
            *(_reader(client, tally, until, random.Random(rng.random())) for _ in range(clients)),
        )
    return tally


def run(duration: float = 120.0, clients: int = 32, seed: int = 2027) -> dict[str, Any]:
    """One bounded soak; the figures as a dictionary (`errors` lists what went wrong)."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="calendar-soak-") as tmp:
        events, config, env = _prepare(Path(tmp), port)
        command = [sys.executable, "-c", "import sys; from calendar_app.cli.main import main; sys.exit(main())", "serve",
                   "--host", LOOPBACK, "--port", str(port), "--events", str(events), "--config", str(config),
                   "--today", "2026-11-23"]
        log = (Path(tmp) / "server.log").open("wb")
        server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
        base = f"http://{LOOPBACK}:{port}"
        try:
            _wait(base, server)
            started = time.monotonic()
            tally = asyncio.run(_load(base, env["SOAK_TOKEN"], duration, clients, seed))
            elapsed = time.monotonic() - started
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=30)
            log.close()
        server_log = (Path(tmp) / "server.log").read_text(encoding="utf-8", errors="replace")
    if "Traceback" in server_log:
        tally.fail("the server logged a traceback")
    every = [v for values in tally.latencies.values() for v in values]
    return {
        "duration_s": round(elapsed, 1), "clients": clients, "requests": len(every),
        "requests_per_s": round(len(every) / elapsed, 1), "saves": tally.saves,
        "statuses": tally.statuses, "conditional": tally.conditional, "not_modified": tally.not_modified,
        "p50_ms": round(_percentile(every, 0.50) * 1000, 1), "p99_ms": round(_percentile(every, 0.99) * 1000, 1),
        "by_kind": {kind: {"requests": len(values), "p50_ms": round(_percentile(values, 0.50) * 1000, 1),
                           "p99_ms": round(_percentile(values, 0.99) * 1000, 1)}
                    for kind, values in sorted(tally.latencies.items())},
        "errors": tally.errors,
    }


def _wait(base: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        try:
            if httpx.get(base + "/", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{base} did not answer within {timeout:.0f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load_soak", description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of load (default 120; at most 600)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent readers (default 32)")
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args(argv)
    result = run(min(args.duration, 600.0), args.clients, args.seed)
    print(json.dumps(result, indent=2))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
