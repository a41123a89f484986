"""Security headers on every response: pages, feeds, the API, static files, errors and redirects.

The routes are read from the application's own route table, so a route added later is
checked without anyone remembering to list it here. One address is framed on purpose: `/embed`,
the list partner sites show in an `<iframe>` (`FRAMED`); its policy names the `embed_ancestors`
in `frame-ancestors` instead of 'none', loads still less (no script at all), and it sends no
X-Frame-Options. tests/test_embed.py checks it against the setting. The `server` banner is uvicorn's (the test
client sends none): `tests/e2e/test_served_headers.py` checks it on `calendar-app serve`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from httpx import Response
from starlette.routing import Mount, Route

from calendar_app.core.config import load_config
from calendar_app.web.app import create_app

from .conftest import ROOT, SAMPLE_EVENTS

# A value for every path parameter the routes use: real ones, so pages answer 200 where they can.
PATH_VALUES = {
    "slug": "child-sex-trafficking-law-enforcement-response-columbia",
    "observance_id": "prevention-month",
    "item_id": "0" * 20,
    "token": "0" * 32,
}
_PARAM = re.compile(r"{(\w+)(?::\w+)?}")
FRAMED = {"/embed", "/es/embed"}  # the addresses other sites may frame; every other one refuses every frame
_ALL_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")


def routes_of(routes: list[object]) -> Iterator[tuple[str, frozenset[str]]]:
    """(path, methods) of every route, however the routers were included; mounts as their root."""
    for route in routes:
        if isinstance(route, (APIRoute, Route)):
            yield route.path, frozenset(route.methods or ())
        elif isinstance(route, Mount):
            yield route.path + "/{path}", frozenset({"GET", "HEAD"})
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from routes_of(inner.routes)


def concrete(path: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in PATH_VALUES or name == "path", f"no test value for the path parameter {name!r}: add one"
        return PATH_VALUES.get(name, "style.css")

    return _PARAM.sub(value, path)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    app = create_app(load_config(ROOT / "calendar.toml"), SAMPLE_EVENTS, watch=False,
                     state_dir=tmp_path_factory.mktemp("state"))
    with TestClient(app) as test_client:
        yield test_client


def requests_to_make(client: TestClient) -> list[tuple[str, str]]:
    """Every route with each of its methods and with one it does not take (405), and the errors."""
    made: set[tuple[str, str]] = set()
    for path, methods in routes_of(client.app.routes):  # type: ignore[attr-defined]
        url = concrete(path)
        made.update((method, url) for method in methods)
        made.add((next(m for m in _ALL_METHODS if m not in methods), url))
    made.update({
        ("GET", "/no-such-page"), ("GET", "/events/no-such-event"), ("GET", "/api/events/no-such-event"),
        ("GET", "/static/no-such-file.css"), ("GET", "/?type=bogus"), ("GET", "/calendar.ics?type=bogus"),
        ("GET", "/api/events?from=yesterday"), ("GET", "/?type="), ("GET", "/static/../calendar.toml"),
        ("GET", "/embed?type=bogus"), ("GET", "/embed/new?limit=0"), ("GET", "/es/embed?type=bogus"),
        ("GET", "/es/alerts?type=bogus"), ("GET", "/es/alerts/manage/no-such-token"),
    })
    return sorted(made)


def assert_protected(response: Response, what: str) -> None:
    headers = response.headers
    policy = headers.get("content-security-policy", "")
    if urlsplit(str(response.url)).path in FRAMED:
        assert "default-src 'none'" in policy and "frame-ancestors 'self' *" in policy, (what, policy)
        assert "script-src" not in policy, (what, policy)  # default-src 'none': no script at all
        assert "x-frame-options" not in headers, what
    else:
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, (what, policy)
        assert headers.get("x-frame-options") == "DENY", what
    assert "'unsafe-inline'" not in policy, what
    assert headers.get("x-content-type-options") == "nosniff", what
    assert headers.get("referrer-policy") in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"), what
    assert "server" not in headers, (what, headers.get("server"))


def test_every_route_and_every_error_carries_the_security_headers(client: TestClient) -> None:
    made = requests_to_make(client)
    statuses: set[int] = set()
    for method, url in made:
        response = client.request(method, url, follow_redirects=False)
        assert response.status_code < 500, (method, url, response.status_code)
        assert_protected(response, f"{method} {url} -> {response.status_code}")
        statuses.add(response.status_code)
    # Pages, redirects, and each kind of error were among them.
    assert {200, 303, 400, 404, 405} <= statuses, statuses
    assert len(made) > 60


def test_conditional_and_static_answers_carry_them_too(client: TestClient) -> None:
    for url in ("/calendar.ics", "/", "/static/style.css", "/embed"):
        first = client.get(url)
        tag = first.headers.get("etag")
        assert tag, url
        again = client.get(url, headers={"If-None-Match": tag})
        assert again.status_code == 304, url
        assert_protected(again, f"304 {url}")


def test_the_route_walk_finds_every_router(client: TestClient) -> None:
    paths = {path for path, _ in routes_of(client.app.routes)}  # type: ignore[attr-defined]
    assert {"/", "/calendar.ics", "/api/events/{slug}", "/manage", "/static/{path}", "/openapi.json"} <= paths


def test_a_405_names_every_method_the_address_takes(client: TestClient) -> None:
    """Not only the first route's: /api/events is read with GET and written with POST."""
    response = client.delete("/api/events")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert client.delete("/calendar.ics").headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize(("base_url", "hsts", "sent"), [
    ("https://trainings.example.org", True, True),
    ("http://trainings.example.org", True, False),
    ("https://trainings.example.org", False, False),
], ids=["https", "http", "https with hsts off"])
def test_strict_transport_security_when_the_site_is_https(
    tmp_path: Path, base_url: str, hsts: bool, sent: bool
) -> None:
    config = load_config(ROOT / "calendar.toml").model_copy(update={"base_url": base_url, "hsts": hsts})
    client = TestClient(create_app(config, SAMPLE_EVENTS, watch=False, state_dir=tmp_path))
    answers = [client.get(path, follow_redirects=False) for path in (
        "/", "/calendar.ics", "/calendar.ics?type=webinar", f"/events/{PATH_VALUES['slug']}.ics", "/feed.atom",
        "/api/events", "/static/style.css", "/login", "/embed", "/no-such-page")]
    answers.append(client.get("/", headers={"If-None-Match": answers[0].headers["etag"]}))
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 200, 200, 200, 200, 200, 404, 304]
    for answer in answers:
        assert answer.headers.get("strict-transport-security") == ("max-age=31536000" if sent else None), answer.url
