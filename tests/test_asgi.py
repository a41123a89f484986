"""The application for several workers: built from the environment, as each worker builds it."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from calendar_app.cli.main import build_parser
from calendar_app.web import asgi

from .conftest import ROOT, SAMPLE_EVENTS


def test_the_environment_names_events_configuration_state_and_today(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(asgi.ENV_EVENTS, str(SAMPLE_EVENTS))
    monkeypatch.setenv(asgi.ENV_CONFIG, str(ROOT / "calendar.toml"))
    monkeypatch.setenv(asgi.ENV_STATE, str(tmp_path))
    monkeypatch.setenv(asgi.ENV_NO_CACHE, "1")
    monkeypatch.setenv(asgi.ENV_NO_WATCH, "1")
    monkeypatch.setenv("CALENDAR_TODAY", "2027-01-05")
    client = TestClient(asgi.app())
    home = client.get("/")
    assert home.status_code == 200
    assert "National Slavery and Human Trafficking Prevention Month" in home.text  # January, from CALENDAR_TODAY
    assert client.get("/events/screening-runaway-homeless-youth").status_code == 200
    assert client.get("/calendar.ics").headers["content-type"] == "text/calendar; charset=utf-8"


def test_serve_takes_a_number_of_workers() -> None:
    args = build_parser().parse_args(["serve", "--workers", "4"])
    assert args.workers == 4
    assert build_parser().parse_args(["serve"]).workers == 1
