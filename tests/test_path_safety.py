"""Path safety on the read side: no address serves a file from outside the events and static folders.

Each read route that takes a name (`/events/{slug}`, `/events/{slug}.ics`, `/api/events/{slug}`,
`/observances/{id}`, `/observances/{id}.ics`, `/static/...`) gets parent-folder steps, plain
and percent-encoded, absolute paths, backslashes, NUL, Unicode look-alikes of '.' and '/', and
very long names, sent as raw bytes straight to the application (an HTTP client would tidy the
dots away first). Symbolic links planted in the events folder lead outside it. Every answer is
a 4xx, and nothing from outside the folders is ever in a response.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from urllib.parse import unquote

import anyio
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from calendar_app.core.config import SiteConfig
from calendar_app.web.app import create_app

TODAY = date(2026, 11, 23)
SECRET = "SECRET-OUTSIDE-7f3a"
PREFIXES = ["/events/", "/api/events/", "/observances/", "/static/"]
SUFFIXES = ["", ".ics"]
NAMES = [
    "..", "../", "../../outside/secret", "../outside/secret.md", "..%2f..%2foutside%2fsecret",
    "%2e%2e%2f%2e%2e%2foutside%2fsecret", "%2e%2e/%2e%2e/outside/secret.md", "..%5c..%5coutside%5csecret",
    "..\\..\\outside\\secret", "/etc/passwd", "%2fetc%2fpasswd", "//etc/passwd", "...", ".%2e/outside",
    "leak", "leak.md", "leakdir/secret", "leakdir%2fsecret", "2027/../leak",
    "\uff0e\uff0e\uff0foutside\uff0fsecret",  # fullwidth full stop and solidus
    "\u2024\u2024/outside/secret", "\u2025/outside",  # one-dot and two-dot leaders
    "..\u2215outside\u2215secret", "..\u2044outside",  # division slash, fraction slash
    "real-event%00", "real-event%00.md", "real-event/../../outside/secret",
    "a" * 5000, "%2e" * 2000, "../" * 500 + "etc/passwd",
]


def raw_get(app: FastAPI, raw_path: bytes) -> tuple[int, dict[str, str], bytes]:
    """GET `raw_path` exactly as written, the way a server hands a request line to the app."""
    path, _, query = raw_path.partition(b"?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": unquote(path.decode("utf-8", "surrogateescape"), errors="surrogateescape"), "raw_path": path,
        "query_string": query, "root_path": "", "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }
    status = 0
    headers: dict[str, str] = {}
    body = bytearray()

    sent = anyio.Event()
    asked = False

    async def receive() -> dict[str, object]:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await sent.wait()  # then the client goes, as a browser does once it has the answer
        return {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])  # type: ignore[call-overload]
            headers.update((k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", []))  # type: ignore[attr-defined]
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))  # type: ignore[arg-type]
            if not message.get("more_body"):
                sent.set()

    async def run() -> None:
        await app(scope, receive, send)

    # In a thread of its own: a browser test's event loop may still be running in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(anyio.run, run).result()
    return status, headers, bytes(body)


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """A site whose events folder holds one real event and symbolic links that lead outside it."""
    root = tmp_path_factory.mktemp("site")
    events, outside = root / "events", root / "outside"
    (events / "2027").mkdir(parents=True)
    outside.mkdir()
    event = "---\ntitle: {title}\ntype: webinar\nstart: 2027-03-02 14:00\nonline: true\n---\n{body}\n"
    (events / "2027" / "real-event.md").write_text(event.format(title="Real Event", body="Inside."), encoding="utf-8")
    (outside / "secret.md").write_text(event.format(title=SECRET, body=SECRET), encoding="utf-8")
    (outside / "secret").write_text(SECRET, encoding="utf-8")
    (events / "leak.md").symlink_to(outside / "secret.md")
    (events / "leakdir").symlink_to(outside, target_is_directory=True)
    (root / "calendar.toml").write_text(f'[site]\nname = "{SECRET}"\n', encoding="utf-8")
    app = create_app(SiteConfig(), events, today=TODAY, watch=False, state_dir=root / "state")
    yield app


def requests() -> list[str]:
    return [prefix + name + suffix for prefix in PREFIXES for name in NAMES for suffix in SUFFIXES]


def test_no_name_reaches_outside_the_folders(planted: FastAPI) -> None:
    answered: set[int] = set()
    for address in requests():
        status, headers, body = raw_get(planted, address.encode("utf-8"))
        if status in (307, 308):  # a trailing slash taken off: the new address must fail the same way
            location = headers["location"]
            assert location.startswith(("/", "http://testserver/")), location
            status, headers, body = raw_get(planted, location.removeprefix("http://testserver").encode("latin-1"))
        assert 400 <= status < 500, (address[:80], status)
        assert SECRET.encode() not in body, address[:80]
        assert b"root:x:0:0" not in body and b"[site]" not in body, address[:80]
        answered.add(status)
    assert answered <= {400, 404, 405, 414}, answered


def test_symbolic_links_out_of_the_events_folder_are_never_served(planted: FastAPI) -> None:
    with TestClient(planted) as client:
        assert client.get("/events/real-event").status_code == 200  # the site itself works
        for address in ("/", "/past", "/api/events", "/api/events?past=true", "/calendar.ics", "/feed.atom",
                        "/events/leak", "/events/leak.ics", "/api/events/leak", "/events/secret"):
            response = client.get(address)
            assert SECRET not in response.text, address
        assert client.get("/events/leak").status_code == 404
        assert client.get("/api/events/leak").status_code == 404
    problems = [str(p) for p in planted.state.site.problems]
    assert any("leak.md" in p and "leads outside the events folder" in p for p in problems), problems


def test_a_real_file_in_the_static_folder_is_still_served(planted: FastAPI) -> None:
    status, _, body = raw_get(planted, b"/static/style.css")
    assert status == 200 and body
