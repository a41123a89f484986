"""`calendar-app import URL` against a real HTTP server on this machine that misbehaves.

The server listens on 127.0.0.1, a loopback address the import refuses by default; each test
that needs to reach it says so as a person would, with `--allow-host 127.0.0.1`. That lets
only the host named `127.0.0.1`: a redirect to `localhost` (the same machine under another
name) is a new host and is checked again, which is how the tests show that a hop is refused
while the first address was allowed.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from calendar_app.cli.main import main
from calendar_app.desk.fetch import FetchFailed, FetchPolicy
from calendar_app.desk.importer import read_source

from .coordinator_site import ROOT
from .noblock import within
from .test_importer import partner_feed

FEED = partner_feed()


class Server:
    """Answers by path (see `Handler`), and remembers every path asked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self  # type: ignore[attr-defined]
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # the library's name
        pass

    def do_GET(self) -> None:  # the library's name
        server: Server = self.server.owner  # type: ignore[attr-defined]
        server.asked.append(self.path)
        path, _, query = self.path.partition("?")
        if path == "/calendar.ics":
            self._answer(200, FEED, length=True)
        elif path == "/redirect":  # ?to=<address>
            self.send_response(302)
            self.send_header("Location", query.removeprefix("to="))
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path.startswith("/loop/"):
            self.send_response(301)
            self.send_header("Location", f"/loop/{int(path.rsplit('/', 1)[1]) + 1}")
            self.end_headers()
        elif path == "/secret-admin":
            self._answer(200, b"the admin page's secrets", length=True)
        elif path in ("/big-declared", "/big-undeclared"):
            self._answer(200, b"X" * 5000, length=path == "/big-declared")
        elif path == "/drip-body":  # headers at once, then a byte every tenth of a second
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.end_headers()
            self._drip(b"BEGIN:VCALENDAR\r\n" * 1000)
        elif path == "/drip-headers":  # never finishes its headers
            self.wfile.write(b"HTTP/1.0 200 OK\r\n")
            self._drip(b"X-Slow: " + b"a" * 10000)
        else:
            self._answer(404, b"not here", length=True)

    def _answer(self, status: int, body: bytes, *, length: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/calendar")
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drip(self, data: bytes) -> None:
        try:
            for i in range(len(data)):  # at most ~25 minutes; the client hangs up long before
                self.wfile.write(data[i : i + 1])
                self.wfile.flush()
                time.sleep(0.1)
        except OSError:
            return  # the client gave up: what the test wants


@pytest.fixture
def server() -> Iterator[Server]:
    server = Server()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


@pytest.fixture
def site(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "calendar.toml", tmp_path / "calendar.toml")
    return tmp_path


def run_import(site: Path, url: str, *options: str) -> int:
    argv = ["import", url, "--events", str(site / "events"), "--config", str(site / "calendar.toml"), *options]
    return within(60, lambda: main(argv))


def test_a_feed_behind_a_redirect_on_an_allowed_host_is_imported(
    server: Server, site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.url("/redirect?to=/calendar.ics")
    assert run_import(site, url, "--allow-host", "127.0.0.1") == 0
    assert "5 event(s) written\n" in capsys.readouterr().err
    assert server.asked == ["/redirect?to=/calendar.ics", "/calendar.ics"]


def test_a_loopback_address_is_refused_before_anything_is_sent(
    server: Server, site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.url("/calendar.ics")
    assert run_import(site, url) == 1
    assert capsys.readouterr().err == (
        f"calendar-app: {url}: refused: 127.0.0.1 is a loopback address. "
        "Hint: if this calendar is on your own network, add --allow-host 127.0.0.1.\n")
    assert server.asked == [] and not (site / "events").exists()


def test_a_redirect_to_another_loopback_host_is_refused(
    server: Server, site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = server.url("/secret-admin", host="localhost")
    url = server.url(f"/redirect?to={secret}")
    assert run_import(site, url, "--allow-host", "127.0.0.1") == 1
    err = capsys.readouterr().err
    assert err.startswith(f"calendar-app: {secret} (redirected from {url}): refused: localhost is at ")
    assert "a loopback address" in err and "secrets" not in err
    assert server.asked == [f"/redirect?to={secret}"]  # the admin page was never asked for


def test_a_redirect_to_ftp_is_refused(server: Server, site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = server.url("/redirect?to=ftp://127.0.0.1/calendar.ics")
    assert run_import(site, url, "--allow-private") == 1
    assert capsys.readouterr().err == (
        f"calendar-app: ftp://127.0.0.1/calendar.ics (redirected from {url}): "
        "refused: only http:// and https:// addresses are fetched, not ftp://\n")


def test_redirects_are_followed_five_times_at_most(
    server: Server, site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.url("/loop/0")
    assert run_import(site, url, "--allow-host", "127.0.0.1") == 1
    assert capsys.readouterr().err == (
        f"calendar-app: {url}: more than 5 redirects (the last to {server.url('/loop/6')})\n")
    assert server.asked == [f"/loop/{n}" for n in range(6)]


@pytest.mark.parametrize("path", ["/drip-body", "/drip-headers"])
def test_a_server_that_drips_is_stopped_by_the_deadline(
    server: Server, site: Path, capsys: pytest.CaptureFixture[str], path: str
) -> None:
    """Every read gets a byte within the per-read wait: only the one deadline for the whole fetch ends it."""
    url = server.url(path)
    assert run_import(site, url, "--allow-host", "127.0.0.1", "--deadline", "1") == 1
    assert capsys.readouterr().err == (
        f"calendar-app: {url}: no complete answer within the deadline of 1 s. "
        "Hint: --deadline SECONDS gives it longer.\n")


@pytest.mark.parametrize("path", ["/big-declared", "/big-undeclared"])
def test_an_answer_past_the_size_limit_is_refused(server: Server, path: str) -> None:
    policy = FetchPolicy(allowed_hosts=frozenset({"127.0.0.1"}), max_bytes=1000)
    with pytest.raises(FetchFailed) as refused:
        within(60, lambda: read_source(server.url(path), policy))
    expected = f"{server.url(path)}: refused: the answer is larger than the limit of 1,000 bytes"
    assert str(refused.value) == expected + (" (it says 5,000)" if path == "/big-declared" else "")
    assert read_source(server.url("/calendar.ics"), FetchPolicy(allowed_hosts=frozenset({"127.0.0.1"}))) == FEED


@pytest.mark.parametrize(("url", "kind"), [
    ("http://169.254.169.254/latest/meta-data/", "link-local"),  # a cloud's metadata service
    ("http://10.0.0.7/calendar.ics", "private"),
    ("https://[::1]/calendar.ics", "loopback"),
    ("http://[::ffff:127.0.0.1]/calendar.ics", "loopback"),
    ("webcal://0.0.0.0/calendar.ics", "unspecified"),
    ("http://100.64.0.1/calendar.ics", "non-global"),  # carrier-grade NAT, shared by many
])
def test_addresses_that_are_not_on_the_internet_are_refused(url: str, kind: str) -> None:
    with pytest.raises(FetchFailed) as refused:
        within(60, lambda: read_source(url))
    assert refused.value.reason.endswith(f" a {kind} address")


# --- webcal:// on a site that serves only http ------------------------------------------------------


def test_webcal_on_a_plain_http_site_falls_back_to_http_and_says_so(
    server: Server, site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.url("/calendar.ics").replace("http://", "webcal://")
    assert run_import(site, url, "--allow-host", "127.0.0.1") == 0
    err = capsys.readouterr().err
    assert "5 event(s) written\n" in err
    assert "note: fetched over http, which anyone on the way can read and change: " in err
    assert "the site did not answer over https (the server does not speak https there" in err
    assert server.asked == ["/calendar.ics"]  # the https attempt never got as far as a request


def test_webcal_where_nothing_answers_says_what_was_tried(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    url = f"webcal://127.0.0.1:{port}/calendar.ics"
    assert run_import(site, url, "--allow-host", "127.0.0.1") == 1
    err = capsys.readouterr().err
    assert err.startswith(f"calendar-app: {url}: the site did not answer over https (cannot connect to 127.0.0.1 "
                          f"on port {port} (")
    assert f"); tried http too: cannot connect to 127.0.0.1 on port {port} (" in err
    assert "[SSL" not in err and not (site / "events").exists()


def test_https_on_a_plain_http_site_is_told_in_words(server: Server) -> None:
    url = server.url("/calendar.ics").replace("http://", "https://")
    with pytest.raises(FetchFailed) as failed:
        within(30, lambda: read_source(url, FetchPolicy(allowed_hosts=frozenset({"127.0.0.1"}))))
    assert str(failed.value) == (
        f"{url}: the server does not speak https there (wrong version number). "
        "Hint: if the site serves only http, use its http:// address.")
    assert server.asked == []


def test_webcal_is_not_retried_over_http_when_the_site_refuses(
    server: Server, site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.url("/calendar.ics").replace("http://", "webcal://")
    assert run_import(site, url) == 1  # a loopback address, not allowed: refused once, not tried again
    assert "refused: 127.0.0.1 is a loopback address" in capsys.readouterr().err
    assert server.asked == []
