"""The coordinators' side under attack: cookies, CSRF on every writing route, logins, tokens, logs, paths.

The CSRF test walks the application's own route table, so a new route that changes anything
without a CSRF token or an API token fails here before it ships.
"""

from __future__ import annotations

import ast
import logging
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

import calendar_app
from calendar_app.desk.accounts import Accounts, CheckSlots, machine_cpus
from calendar_app.web.app import create_app
from tests.coordinator_site import CHEAP, PASSWORD, DeskSite, csrf_of, form_of, log_in, make_site

WRITING = {"POST", "PUT", "PATCH", "DELETE"}
# Writing routes that take no CSRF token, each for a stated reason (and tested on its own below).
CSRF_EXEMPT = {
    # RFC 8058 one-click unsubscribe: mail providers POST `List-Unsubscribe=One-Click` from their own
    # servers, with no cookie and no page to take a token from. The unguessable token in the address
    # authorizes it (a forged request would have to know it, and whoever knows it may follow the link
    # anyway), it needs that exact body, and it can only ever delete the subscription it names.
    ("POST", "/alerts/unsubscribe/{token}"),
    ("POST", "/es/alerts/unsubscribe/{token}"),  # the same, for the Spanish e-mails' links
}
WEBINAR = "screening-youth-webinar"


def _token(site: DeskSite, name: str = "Ana Ruiz") -> tuple[str, str]:
    return Accounts(site.root / site.config.coordinators_file, hasher=CHEAP).issue_token(name)


def _state(site: DeskSite) -> dict[str, bytes]:
    """Every file of the site (events, queue, accounts), to show a refused request changed nothing.

    Not the sessions file: showing a page takes its one-time message out of the session.
    """
    skip = {".calendar-edit.lock"}
    return {str(p.relative_to(site.root)): p.read_bytes() for p in sorted(site.root.rglob("*"))
            if p.is_file() and p.name not in skip and not p.name.endswith(".lock")
            and not p.name.startswith(".sessions.sqlite")}


# --- cookies ------------------------------------------------------------------------------------


@pytest.mark.parametrize("base_url, secure", [("http://127.0.0.1:8000", False), ("https://trainings.example.org", True)])
def test_the_session_cookie_is_httponly_samesite_and_secure_over_https(tmp_path: Path, base_url: str, secure: bool) -> None:
    site = make_site(tmp_path, settings=f'base_url = "{base_url}"', login=False)
    client = TestClient(site.client.app, base_url=base_url.replace("127.0.0.1:8000", "testserver"))
    response = log_in(client)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("calendar_session=")
    flags = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")[1:]}
    assert "httponly" in flags and flags["samesite"].lower() == "samesite=lax"
    assert ("secure" in flags) is secure


# --- CSRF, route by route -----------------------------------------------------------------------


def _writing_routes(app: Any) -> list[tuple[str, str]]:
    """(method, path) of every route that may change something, included routers and all."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # FastAPI before included routers were kept whole: the table is flat
        routes: list[Any] = list(app.routes)
    else:
        routes = list(iter_route_contexts(app.routes))
    return sorted({(method, route.path) for route in routes for method in (getattr(route, "methods", None) or set())
                   & WRITING})


def _fill(path: str, item_id: str) -> str:
    return path.replace("{slug}", WEBINAR).replace("{item_id}", item_id).replace("{token}", "x" * 20)


def test_every_route_that_writes_refuses_a_request_without_a_csrf_or_api_token(site: DeskSite) -> None:
    draft = site.client.post("/manage/new", data={**form_of(site.client, "/manage/new"), "title": "A draft",
                                                   "action": "draft"}, follow_redirects=False)
    item_id = draft.headers["location"].rsplit("/", 1)[1]
    routes = _writing_routes(site.client.app)
    assert ("POST", "/manage/new") in routes and ("PUT", "/api/events/{slug}") in routes and len(routes) >= 10
    other = TestClient(site.client.app)
    foreign_token = csrf_of(other, "/login")  # a real token, of another session
    before = _state(site)
    assert CSRF_EXEMPT <= set(routes), "an exemption names a route that is gone"
    for method, path in routes:
        if (method, path) in CSRF_EXEMPT:
            continue
        url = _fill(path, item_id)
        values = {**form_of(site.client, "/manage/new"), "title": "Forged", "reason": "Forged.", "action": "save",
                  "identifier": "ana@example.org", "password": PASSWORD}
        for sent in ({k: v for k, v in values.items() if k != "csrf_token"}, {**values, "csrf_token": foreign_token}):
            response = site.client.request(method, url, data=sent, follow_redirects=False)
            assert response.status_code in (401, 403), (method, path, response.status_code, response.text[:200])
        json_body = {"fields": {"title": "Forged", "type": "webinar", "start": "2027-05-04"}, "reason": "Forged."}
        response = site.client.request(method, url, json=json_body, follow_redirects=False)
        assert response.status_code in (401, 403, 422), (method, path, response.status_code)
    assert _state(site) == before
    assert "Forged" not in site.client.get("/calendar.ics").text


def test_the_one_click_unsubscribe_without_a_csrf_token_needs_its_token_and_its_body(site: DeskSite) -> None:
    """The one exemption above: a wrong token or another body changes nothing."""
    before = _state(site)
    for path in ("/alerts/unsubscribe/{token}", "/es/alerts/unsubscribe/{token}"):
        url = _fill(path, "")
        one_click = {"Content-Type": "application/x-www-form-urlencoded"}
        assert site.client.post(url, content=b"List-Unsubscribe=One-Click", headers=one_click).status_code == 404
        assert site.client.post(url, data={"title": "Forged"}).status_code == 400
    assert _state(site) == before


# --- logging in ---------------------------------------------------------------------------------


class CountingHasher(PasswordHasher):
    """The cheap profile, counting how many passwords it checked."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1, hash_len=16, salt_len=16)
        self.verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # argon2's name
        self.verified += 1
        return super().verify(hash, password)


def _answer(site: DeskSite, identifier: str, password: str) -> tuple[int, str]:
    token = csrf_of(site.client, "/login")
    response = site.client.post("/login", data={"csrf_token": token, "identifier": identifier, "password": password,
                                                 "next": "/manage"}, follow_redirects=False)
    text = response.text.replace(token, "TOKEN").replace(identifier, "WHO")
    return response.status_code, text


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer_by_the_same_path(tmp_path: Path) -> None:
    site = make_site(tmp_path, login=False)
    hasher = CountingHasher()
    site.client.app.state.desk.accounts.hasher = hasher
    wrong = _answer(site, "ana@example.org", "not the password at all")
    unknown = _answer(site, "nobody@example.org", "not the password at all")
    assert wrong == unknown and wrong[0] == 401
    assert "The name or password is not right." in wrong[1]
    assert hasher.verified == 2  # a password hash was checked for the unknown name too


def test_failed_logins_pause_the_account_and_then_the_address(tmp_path: Path) -> None:
    site = make_site(tmp_path, login=False, settings="login_max_failures = 3")
    for _ in range(3):
        assert _answer(site, "ana@example.org", "wrong password here")[0] == 401
    status, text = _answer(site, "ana@example.org", PASSWORD)  # the right password, too late
    assert status == 429 and "Too many failed attempts" in text
    paused = site.client.post("/login", data={"csrf_token": csrf_of(site.client, "/login"),
                                              "identifier": "ana@example.org", "password": PASSWORD})
    assert 14 * 60 < int(paused.headers["retry-after"]) <= 15 * 60
    assert _answer(site, "ben@example.org", PASSWORD)[0] == 303  # another account from the same address
    for n in range(9):  # unknown names count against the address: 3 x 4 failures in all
        _answer(site, f"nobody{n}@example.org", "wrong password here")
    assert _answer(site, "ben@example.org", PASSWORD)[0] == 429


def test_a_revoked_token_and_a_removed_coordinator_are_refused_at_once(site: DeskSite) -> None:
    token_id, token = _token(site)
    _, other = _token(site, "Ben Okafor")
    accounts = Accounts(site.root / site.config.coordinators_file, hasher=CHEAP)
    auth = {"Authorization": f"Bearer {token}"}
    assert site.client.get(f"/api/events/{WEBINAR}/source", headers=auth).status_code == 200
    accounts.revoke("Ana Ruiz", token_id)
    assert site.client.get(f"/api/events/{WEBINAR}/source", headers=auth).status_code == 401
    assert site.client.post(f"/api/events/{WEBINAR}/cancel", headers=auth, json={"reason": "x"}).status_code == 401
    for forged in (token[:-1] + ("A" if token[-1] != "A" else "B"), token.replace("cal_", "CAL_"), token + " ", "cal_"):
        assert site.client.get(f"/api/events/{WEBINAR}/source",
                               headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    accounts.remove("Ben Okafor")
    assert site.client.get(f"/api/events/{WEBINAR}/source", headers={"Authorization": f"Bearer {other}"}).status_code == 401


def test_the_account_is_paused_whichever_of_its_names_is_typed(tmp_path: Path) -> None:
    site = make_site(tmp_path, login=False, settings="login_max_failures = 3")
    for name in ("Ana Ruiz", "ana@example.org", "ANA RUIZ"):
        assert _answer(site, name, "wrong password here")[0] == 401
    for name in ("ana@example.org", "Ana Ruiz"):
        assert _answer(site, name, PASSWORD)[0] == 429, name
    assert _answer(site, "ben@example.org", PASSWORD)[0] == 303


def test_guesses_sent_at_once_get_no_more_tries_than_the_limit(tmp_path: Path) -> None:
    """Twelve wrong passwords at the same moment: three are checked, nine are told to wait."""
    site = make_site(tmp_path, login=False, settings="login_max_failures = 3")
    # This test is about the count; on a machine with fewer than three CPUs, a check past the
    # machine's slots would be refused (503) instead (see the next test).
    site.client.app.state.desk.accounts.checks = CheckSlots(12)
    clients = [TestClient(site.client.app) for _ in range(12)]
    forms = [{"csrf_token": csrf_of(c, "/login"), "identifier": "ana@example.org", "password": f"guess {n}",
              "next": "/manage"} for n, c in enumerate(clients)]
    start = threading.Barrier(len(clients))
    statuses: list[int] = []

    def guess(client: TestClient, form: dict[str, str]) -> None:
        start.wait()
        statuses.append(client.post("/login", data=form, follow_redirects=False).status_code)

    threads = [threading.Thread(target=guess, args=pair) for pair in zip(clients, forms, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [401] * 3 + [429] * 9


class HeldHasher(PasswordHasher):
    """The cheap profile; every check waits until the test lets it go, and the most checks running
    at once are recorded."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1, hash_len=16, salt_len=16)
        self.running = 0
        self.most = 0
        self.changed = threading.Condition()
        self.go = threading.Event()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # argon2's name
        with self.changed:
            self.running += 1
            self.most = max(self.most, self.running)
            self.changed.notify_all()
        try:
            self.go.wait(timeout=60)
            return super().verify(hash, password)
        finally:
            with self.changed:
                self.running -= 1


def test_password_checks_beyond_the_machines_cpus_are_refused_not_queued(tmp_path: Path) -> None:
    """As many logins as the machine has CPUs are checked at once; the next ones, sent while those
    are still being checked, are answered at once (503, Retry-After), not kept waiting for a slot."""
    site = make_site(tmp_path, login=False, settings="login_max_failures = 100")
    app = site.client.app
    slots = app.state.desk.accounts.checks.size
    assert slots == machine_cpus()
    hasher = HeldHasher()
    app.state.desk.accounts.hasher = hasher
    answers: dict[str, Any] = {}

    def attempt(who: str, identifier: str, password: str) -> threading.Thread:
        client = TestClient(app)
        form = {"csrf_token": csrf_of(client, "/login"), "identifier": identifier, "password": password,
                "next": "/manage"}
        thread = threading.Thread(target=lambda: answers.__setitem__(
            who, client.post("/login", data=form, follow_redirects=False)))
        thread.start()
        return thread

    held = [attempt(f"held {n}", f"guesser{n}@example.org", "wrong password here") for n in range(slots)]
    with hasher.changed:
        assert hasher.changed.wait_for(lambda: hasher.running == slots, timeout=60)
    extra = [attempt("ana", "ana@example.org", PASSWORD)]
    extra += [attempt(f"extra {n}", f"other{n}@example.org", "wrong password here") for n in range(3)]
    for thread in extra:
        thread.join(timeout=60)
    # Answered while every slot is still held: refused, not queued behind the checks.
    assert not any(thread.is_alive() for thread in extra) and hasher.running == slots
    for who in ("ana", "extra 0", "extra 1", "extra 2"):
        refused = answers[who]
        assert refused.status_code == 503, who
        assert "try again in a few seconds" in refused.text and refused.headers["retry-after"] == "2"
    hasher.go.set()
    for thread in held:
        thread.join(timeout=60)
    assert [answers[f"held {n}"].status_code for n in range(slots)] == [401] * slots
    assert hasher.most == slots
    # A refused login was not counted as a failure: trying again shortly gets in.
    assert log_in(site.client).status_code == 303


def test_strangers_failing_from_several_addresses_do_not_lock_the_coordinator_out(tmp_path: Path) -> None:
    """Five wrong passwords under variants of her name and e-mail, from five addresses: those
    addresses wait, while the coordinator, from her own address, logs in."""
    site = make_site(tmp_path, login=False)  # login_max_failures = 5, the default
    app = site.client.app
    variants = ["Ana Ruiz", "ana@example.org", "ANA RUIZ", "  ana ruiz ", "Ana@Example.org"]
    strangers = [TestClient(app, client=(f"203.0.113.{n}", 40000 + n)) for n in range(1, 6)]
    for stranger, name in zip(strangers, variants, strict=True):
        assert log_in(stranger, name, "Summer2027!Summer").status_code == 401
    # Throttling holds: an address that failed on the account waits, even with the right password,
    refused = log_in(strangers[0], "ana@example.org", PASSWORD)
    assert refused.status_code == 429 and "Too many failed attempts" in refused.text
    # and a newcomer gets one guess at a watched account.
    newcomer = TestClient(app, client=("203.0.113.99", 40099))
    assert log_in(newcomer, "Ana Ruiz", "Winter2027!Winter").status_code == 401
    assert log_in(newcomer, "Ana Ruiz", "Autumn2027!Autumn").status_code == 429
    ana = TestClient(app, client=("198.51.100.20", 50000))
    assert log_in(ana, "Ana Ruiz").status_code == 303
    assert "Logged in as Ana Ruiz" in ana.get("/manage").text


def test_one_address_guessing_pauses_that_address_for_the_account_only(tmp_path: Path) -> None:
    site = make_site(tmp_path, login=False, settings="login_max_failures = 3")
    stranger = TestClient(site.client.app, client=("203.0.113.7", 40000))
    for _ in range(3):
        assert log_in(stranger, "ana@example.org", "Summer2027!Summer").status_code == 401
    paused = log_in(stranger, "ana@example.org", PASSWORD)
    assert paused.status_code == 429 and 14 * 60 < int(paused.headers["retry-after"]) <= 15 * 60
    assert log_in(stranger, "ben@example.org", PASSWORD).status_code == 303  # another account from there
    ana = TestClient(site.client.app, client=("198.51.100.20", 50000))
    assert log_in(ana).status_code == 303


def _fail_login(app: Any, peer: str, forwarded: str, name: str) -> int:
    """A wrong password for an unknown name, sent from `peer` with that X-Forwarded-For."""
    client = TestClient(app, client=(peer, 50000))
    form = {"csrf_token": csrf_of(client, "/login"), "identifier": name, "password": "wrong password here",
            "next": "/manage"}
    return client.post("/login", data=form, headers={"X-Forwarded-For": forwarded},
                       follow_redirects=False).status_code


def test_x_forwarded_for_counts_only_from_a_trusted_proxy(tmp_path: Path) -> None:
    # By default no proxy is trusted: from 127.0.0.1, whatever the header says, every failure is
    # counted under 127.0.0.1 (an address may fail 4 x login_max_failures times).
    site = make_site(tmp_path / "default", login=False, settings="login_max_failures = 1")
    app = site.client.app
    statuses = [_fail_login(app, "127.0.0.1", f"203.0.113.{n}", f"nobody{n}") for n in range(5)]
    assert statuses == [401] * 4 + [429]

    site = make_site(tmp_path / "proxied", login=False,
                     settings='login_max_failures = 1\ntrusted_proxies = ["127.0.0.1", "10.0.0.0/8"]')
    app = site.client.app
    # Behind the proxy, each reader is counted under the address the proxy forwards.
    assert [_fail_login(app, "127.0.0.1", f"203.0.113.{n}", f"nobody{n}") for n in range(5)] == [401] * 5
    assert [_fail_login(app, "127.0.0.1", "203.0.113.0", f"someone{n}") for n in range(3)] == [401] * 3
    assert _fail_login(app, "127.0.0.1", "203.0.113.0", "someone else") == 429
    # A client that writes the header itself is still counted under the address the proxy appended,
    assert _fail_login(app, "127.0.0.1", "198.51.100.1, 203.0.113.0", "a new name") == 429
    # through a chain of trusted proxies too,
    assert _fail_login(app, "127.0.0.1", "198.51.100.1, 203.0.113.0, 10.1.2.3", "another name") == 429
    # and a peer that is not a trusted proxy cannot name a paused address, nor escape its own.
    assert _fail_login(app, "198.51.100.9", "203.0.113.0", "yet another name") == 401
    statuses = [_fail_login(app, "198.51.100.9", f"203.0.113.{50 + n}", f"guess{n}") for n in range(4)]
    assert statuses == [401] * 3 + [429]


def test_workers_of_one_site_share_the_count_of_failed_logins(tmp_path: Path) -> None:
    """Two applications over one site, as two worker processes are: a pause in one holds in the other."""
    site = make_site(tmp_path, login=False, settings="login_max_failures = 3")
    other = DeskSite(site.root, site.events, site.config,
                     TestClient(create_app(site.config, site.events, watch=False, state_dir=site.root)))
    for worker in (site, other, site):
        assert _answer(worker, "ana@example.org", "wrong password here")[0] == 401
    for worker in (site, other):
        status, text = _answer(worker, "ana@example.org", PASSWORD)
        assert status == 429 and "Too many failed attempts" in text


def test_wrong_api_tokens_pause_the_address(tmp_path: Path) -> None:
    site = make_site(tmp_path, login=False, settings="login_max_failures = 2")
    _, token = _token(site)
    source = f"/api/events/{WEBINAR}/source"
    assert site.client.get(source).status_code == 401  # no token at all is not a guess: not counted
    for n in range(8):  # 2 x 4 wrong tokens, as for unknown names at the login
        wrong = site.client.get(source, headers={"Authorization": f"Bearer cal_guess{n}_{'x' * 43}"})
        assert wrong.status_code == 401, n
    paused = site.client.get(source, headers={"Authorization": f"Bearer cal_guess9_{'x' * 43}"})
    assert paused.status_code == 429 and "Too many requests with a wrong API token" in paused.json()["detail"]
    assert 0 < int(paused.headers["retry-after"]) <= 15 * 60
    # A valid token from the same address still works: a colleague's script behind the same
    # office address, or a flood of guesses, must not lock out the scripts that hold one.
    assert site.client.get(source, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    # The web form's login from the same address is counted apart.
    assert _answer(site, "ana@example.org", PASSWORD)[0] == 303


# --- secrets ------------------------------------------------------------------------------------

SECRET_NAMES = re.compile(r"token|digest|csrf|password|secret|stamp", re.I)
# Comparisons whose names sound secret, reviewed one by one: none compares a guess with a secret.
REVIEWED = {
    "desk/accounts.py: stamp != self._stamp": "the coordinators file's size and time",
    "desk/accounts.py: password != password.strip()": "a new password checked for spaces, against nothing stored",
    "desk/accounts.py: f'{parts[0]}_' != TOKEN_PREFIX": "the public prefix every token starts with",
    "desk/accounts.py: item['id'] == token_id": "a token's public id, named at the command line to revoke it",
    "cli/coordinators.py: getpass.getpass('Same password again: ') == first": "the two passwords typed at a terminal",
    "web/feedcache.py: previous[0] == digest": "the digest of a public feed's bytes",
    "build/outputtree.py: self.previous.outputs.get(path) == digest": "the digest of a public page",
    "files/site.py: found[0] != stamp": "a file's size and time",
    "files/site.py: event.last_modified == (committed or _file_time(stamp))": "a file's time",
    "files/site.py: self._entries[p].stamp != s": "a file's size and time",
    "files/site.py: entries[p].stamp != s": "a file's size and time",
    "build/outputtree.py: previous == digest": "the digest of a public page",
    "build/static.py: previous.stamps.get('today') == self.today.isoformat()": "the day a build was made for",
}


def test_secrets_are_compared_in_constant_time() -> None:
    """No `==` or `!=` between a guess and a secret: hmac.compare_digest or argon2's verify instead.

    Passwords go through argon2's verify (accounts.verify_login), tokens, CSRF tokens, session
    stamps and tracking tokens through hmac.compare_digest; a new comparison of anything named
    like a secret fails here until it is reviewed.
    """
    package = Path(calendar_app.__file__).parent
    found = []
    for module in sorted(package.rglob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare) and any(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops):
                if any(isinstance(o, ast.Constant) for o in [node.left, *node.comparators]):
                    continue  # against a literal: nothing secret is guessed
                key = f"{module.relative_to(package)}: {ast.unparse(node)}"
                if SECRET_NAMES.search(key.split(": ", 1)[1]) and key not in REVIEWED:
                    found.append(f"{key} (line {node.lineno})")
    assert not found, found
    source = (package / "desk" / "accounts.py").read_text() + (package / "web" / "desk.py").read_text()
    assert source.count("hmac.compare_digest") >= 3 and "self.hasher.verify(" in source


def test_passwords_and_tokens_never_reach_the_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    site = make_site(tmp_path, login=False)
    _, token = _token(site)
    wrong = "Wrong-Password-1234"
    _answer(site, "ana@example.org", wrong)
    _answer(site, "nobody@example.org", wrong)
    assert log_in(site.client).status_code == 303
    auth = {"Authorization": f"Bearer {token}"}
    assert site.client.get(f"/api/events/{WEBINAR}/source", headers=auth).status_code == 200
    site.client.post(f"/api/events/{WEBINAR}/cancel", headers=auth, json={"reason": "The presenter is ill."})
    site.client.get("/api/events/no-such-event/source", headers={"Authorization": f"Bearer {token}x"})
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    for secret in (PASSWORD, wrong, token, token.split("_")[2]):
        assert secret not in logged


# --- paths on the write side --------------------------------------------------------------------

BAD_SLUGS = [
    "../escape", "../../etc/cron.d/x", "/tmp/absolute", "2027/../../x", "a/b", "a\\b", "..", ".hidden",
    "x\ny", "x\x00y", "événement", "еvent",  # Cyrillic е, a look-alike
    "ｅｖｅｎｔ",  # fullwidth
    "e\u0301vent", "a" * 81, "a" * 5000, "UPPER", "dash--double", "-lead", "trail-",
]


@pytest.mark.parametrize("slug", BAD_SLUGS, ids=lambda s: repr(s[:20]))
def test_no_slug_writes_outside_the_events_folder(site: DeskSite, slug: str) -> None:
    _, token = _token(site)
    before = _state(site)
    values = {**form_of(site.client, "/manage/new"), "slug": slug, "title": "Escape", "type": "webinar",
              "start": "2027-03-09 14:00", "online": "on", "action": "save"}
    assert site.client.post("/manage/new", data=values, follow_redirects=False).status_code == 422
    fields = {"title": "Escape", "type": "webinar", "start": "2027-03-09 14:00", "online": True}
    response = site.client.post("/api/events", headers={"Authorization": f"Bearer {token}"},
                                json={"slug": slug, "fields": fields, "description": ""})
    assert response.status_code == 422 and "slug" in response.text
    assert _state(site) == before


@pytest.mark.parametrize("slug", ["..%2F..%2Fcalendar", "%2e%2e", "..", "a%00b", "%2Fetc%2Fpasswd"])
def test_no_address_edits_or_reads_a_file_outside_the_events_folder(site: DeskSite, slug: str) -> None:
    _, token = _token(site)
    auth = {"Authorization": f"Bearer {token}"}
    before = _state(site)
    assert site.client.get(f"/api/events/{slug}/source", headers=auth).status_code == 404
    assert site.client.put(f"/api/events/{slug}", headers={**auth, "If-Match": '"x"'},
                           json={"fields": {"title": "x"}}).status_code in (404, 422)
    assert site.client.get(f"/manage/events/{slug}/edit").status_code == 404
    assert _state(site) == before


def test_links_never_carry_a_write_or_a_read_out_of_the_events_folder(site: DeskSite, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret-file.md"
    secret.write_text("---\ntitle: Secret\ntype: webinar\nstart: 2027-05-01\nonline: true\n---\nprivate\n")
    (site.events / "2028").symlink_to(outside, target_is_directory=True)
    (site.events / "2027" / "secret-file.md").symlink_to(secret)
    _, token = _token(site)
    auth = {"Authorization": f"Bearer {token}"}

    # The linked file is neither shown nor edited, through the form or the API.
    assert site.client.get("/api/events/secret-file/source", headers=auth).status_code == 404
    assert site.client.get("/manage/events/secret-file/edit").status_code == 404
    assert "private" not in site.client.get("/api/events/secret-file/source", headers=auth).text
    # A new event in 2028 would go through the link: refused, nothing written outside.
    fields = {"title": "Through the link", "type": "webinar", "start": "2028-03-09 14:00", "online": True}
    response = site.client.post("/api/events", headers=auth, json={"slug": "through-the-link", "fields": fields})
    assert response.status_code == 422 and "leads outside the events folder" in response.text
    values = {**form_of(site.client, "/manage/new"), "slug": "through-the-form", "title": "Through the form",
              "type": "webinar", "start": "2028-03-09 14:00", "online": "on", "action": "save"}
    assert site.client.post("/manage/new", data=values, follow_redirects=False).status_code == 422
    assert sorted(p.name for p in outside.iterdir()) == ["secret-file.md"]
    assert "private" in secret.read_text()


def test_drafts_and_suggestions_stay_in_the_pending_folder(site: DeskSite) -> None:
    values = {**form_of(site.client, "/manage/new"), "slug": "../../escape", "title": "../../escape",
              "action": "draft"}
    response = site.client.post("/manage/new", data=values, follow_redirects=False)
    assert response.status_code == 303
    pending = site.root / site.config.pending_dir
    written = {p.relative_to(site.root) for p in site.root.rglob("*") if p.is_file()} - {
        Path(k) for k in _state(site)} | {p.relative_to(site.root) for p in pending.iterdir()}
    assert all(p.parts[0] == site.config.pending_dir for p in written if p.suffix in (".md", ".json"))
    assert re.fullmatch(r"/manage/pending/[a-f0-9]{20}", response.headers["location"])
    for item in ("../../calendar", "..%2F..%2Fcalendar", "x" * 20, "A" * 20):
        assert site.client.get(f"/manage/pending/{item}").status_code == 404


def test_new_refuses_a_slug_with_a_trailing_line_break(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from calendar_app.cli.main import main

    events = tmp_path / "events"
    events.mkdir()
    status = main(["new", "--events", str(events), "--no-input", "--title", "Labor Trafficking 101", "--type", "webinar",
                   "--start", "2027-03-02 14:00", "--online-url", "https://www.example.org/j", "--slug", "labor\n"])
    assert status == 2 and "is not lowercase letters" in capsys.readouterr().err
    assert not list(events.rglob("*.md"))


def test_an_app_over_a_fresh_folder_has_the_same_writing_routes(tmp_path: Path, site: DeskSite) -> None:
    """The route table the CSRF test walks is the one every server builds."""
    fresh = create_app(site.config, site.events, watch=False, state_dir=site.root)
    assert _writing_routes(fresh) == _writing_routes(site.client.app)
