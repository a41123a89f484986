"""Browser tests: a real server in a subprocess, driven through Debian's Chromium by Playwright.

Fixtures for every browser test in the project:

- `live_server(today="2027-01-05", events=None, copy_events=False, config=None, env=None, watch=False,
  base_url=True)` starts `calendar-app serve` on a free port with "now" fixed and returns a
  `LiveServer` (`.url`, `.events_dir`, `.config_path`). Servers over the shipped sample events are
  shared by the whole session; `copy_events=True` serves a fresh copy of the events folder (for
  tests that change files) in a server of its own. Without `config`, a copy of the project's
  calendar.toml is used with `base_url` set to the server's address, or with no `base_url` at all
  when `base_url=False` (links then follow the address served, as out of the box).
- `browser`: headless Chromium (`chromium` on the PATH; Playwright's own download is not used).
  When it is missing the browser tests are skipped, or fail when REQUIRE_BROWSER=1 (CI).
- `page`: a fresh 1280x900 page in the America/New_York zone; `new_page(**context_options)`
  makes others (a phone, scripts off, another time zone).
- `screenshot(page, name)`: a full-page PNG in tests/artifacts/screenshots/.
- `axe_violations(page)`: the serious and critical axe-core findings on the page.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_EVENTS = ROOT / "events"
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
AXE_SCRIPT = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
DEFAULT_TODAY = "2026-11-23"
STARTUP_SECONDS = 30.0
PR_SET_PDEATHSIG = 1  # prctl(2)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


# --- the server -------------------------------------------------------------------------------


@dataclass
class LiveServer:
    """A running `calendar-app serve`."""

    url: str
    events_dir: Path
    config_path: Path
    today: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _die_with_parent() -> None:
    """In the server process (Linux): be sent SIGTERM when the test run dies without its teardown."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config_for(url: str, folder: Path, *, base_url: bool = True) -> Path:
    """The project's configuration with base_url pointing at this server, or with none."""
    text = (ROOT / "calendar.toml").read_text(encoding="utf-8")
    line = f'base_url = "{url}"' if base_url else ""
    text, found = re.subn(r"(?m)^base_url\s*=.*$", line, text)
    if not found and base_url:
        text = text.replace("[site]\n", f"[site]\n{line}\n", 1)
    path = folder / "calendar.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _start(
    folder: Path,
    *,
    today: str,
    events: Path,
    config: Path | None,
    env: dict[str, str] | None,
    watch: bool,
    base_url: bool = True,
) -> LiveServer:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    config_path = config or _config_for(url, folder, base_url=base_url)
    command = [
        sys.executable, "-c", "import sys; from calendar_app.cli.main import main; sys.exit(main())",
        "serve", "--host", "127.0.0.1", "--port", str(port), "--today", today,
        "--events", str(events), "--config", str(config_path),
    ]
    if not watch:
        command.append("--no-watch")
    environment = {k: v for k, v in os.environ.items() if k != "CALENDAR_TODAY"}
    environment.update(env or {})
    log_path = folder / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
    server = LiveServer(url, events, config_path, today, process, log_path)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{server.log()}")
        try:
            if httpx.get(url + "/", timeout=2.0).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"the server did not answer within {STARTUP_SECONDS:.0f} s:\n{server.log()}")


@dataclass
class _Servers:
    factory: pytest.TempPathFactory
    shared: dict[tuple[object, ...], LiveServer] = field(default_factory=dict)
    started: list[LiveServer] = field(default_factory=list)

    def __call__(
        self,
        today: str = DEFAULT_TODAY,
        events: Path | None = None,
        *,
        copy_events: bool = False,
        config: Path | None = None,
        env: dict[str, str] | None = None,
        watch: bool = False,
        base_url: bool = True,
    ) -> LiveServer:
        source = events or SAMPLE_EVENTS
        key = (str(today), str(source), str(config), tuple(sorted((env or {}).items())), watch, base_url)
        if not copy_events and key in self.shared and self.shared[key].process.poll() is None:
            return self.shared[key]
        folder = self.factory.mktemp("live-server")
        served = source
        if copy_events:
            served = folder / "events"
            shutil.copytree(source, served)
        server = _start(
            folder, today=str(today), events=served, config=config, env=env, watch=watch, base_url=base_url
        )
        self.started.append(server)
        if not copy_events:
            self.shared[key] = server
        return server


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Servers]:
    """Start (or reuse) a server: `live_server(today="2027-01-05")`; see the module docstring."""
    servers = _Servers(tmp_path_factory)
    yield servers
    for server in servers.started:
        server.stop()


# --- the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = "chromium is not installed (apt-get install chromium)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message + "; REQUIRE_BROWSER=1 makes this a failure")
        pytest.skip(message)
    return path


# Per module, not per session: Playwright's sync API keeps an asyncio loop running in this
# thread while it is open, and tests after the browser tests (anyio, TestClient) need it gone.
@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Any]]:
    """Make a page in a fresh browser context: `new_page(viewport=..., java_script_enabled=False)`."""
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        settings: dict[str, Any] = {
            "viewport": {"width": 1280, "height": 900},
            "locale": "en-US",
            "timezone_id": "America/New_York",
        }
        settings.update(options)
        context = browser.new_context(**settings)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    return new_page()


@pytest.fixture(scope="session")
def screenshot() -> Callable[[Any, str], Path]:
    def take(page: Any, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(scope="session")
def axe_violations() -> Callable[[Any], list[dict[str, Any]]]:
    """Run axe-core (WCAG 2.1 A and AA rules) on a page; return serious and critical violations."""
    source = AXE_SCRIPT.read_text(encoding="utf-8")

    def run(page: Any) -> list[dict[str, Any]]:
        # Evaluated through the DevTools protocol, which the page's CSP does not govern.
        page.evaluate(source)
        result = page.evaluate(
            "() => axe.run(document, {runOnly: {type: 'tag', values: "
            "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
        )
        return [
            {"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    return run
