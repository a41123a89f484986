"""`calendar-app serve` as deployed: no server banner, and the security headers on what uvicorn sends.

The test client never sends a `server` header, so only a real server shows whether uvicorn's
banner is off (`server_header=False` in the serve command).
"""

from __future__ import annotations

from typing import Any

import httpx

ADDRESSES = [
    ("GET", "/"), ("GET", "/calendar.ics"), ("HEAD", "/calendar.ics"), ("GET", "/api/events"),
    ("GET", "/static/style.css"), ("GET", "/no-such-page"), ("GET", "/?type=bogus"), ("GET", "/?type="),
    ("GET", "/manage"), ("DELETE", "/calendar.ics"), ("GET", "/openapi.json"),
]


def test_no_server_banner_and_every_security_header(live_server: Any) -> None:
    server = live_server(today="2026-11-23")
    statuses = set()
    with httpx.Client(base_url=server.url, follow_redirects=False) as client:
        for method, path in ADDRESSES:
            response = client.request(method, path)
            statuses.add(response.status_code)
            what = f"{method} {path} -> {response.status_code}"
            assert "server" not in response.headers, (what, response.headers.get("server"))
            assert "frame-ancestors 'none'" in response.headers.get("content-security-policy", ""), what
            assert response.headers.get("x-content-type-options") == "nosniff", what
            assert response.headers.get("referrer-policy") == "same-origin", what
    assert {200, 303, 400, 404, 405} <= statuses
