"""The application for several workers: built from the environment, as each worker builds it."""

from __future__ import annotations

import os
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


def test_workers_name_the_address_served_when_no_base_url_is_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unset = tmp_path / "calendar.toml"
    unset.write_text('[site]\nname = "Trainings"\n', encoding="utf-8")
    pinned = tmp_path / "pinned.toml"
    pinned.write_text('[site]\nbase_url = "https://trainings.example.org"\n', encoding="utf-8")
    monkeypatch.setenv(asgi.ENV_EVENTS, str(SAMPLE_EVENTS))
    monkeypatch.setenv(asgi.ENV_STATE, str(tmp_path))
    monkeypatch.setenv(asgi.ENV_NO_CACHE, "1")
    monkeypatch.setenv(asgi.ENV_NO_WATCH, "1")
    monkeypatch.setenv(asgi.ENV_SERVED_URL, "http://127.0.0.1:8101")  # as `serve --workers 2 --port 8101` sets it
    monkeypatch.setenv(asgi.ENV_CONFIG, str(unset))
    assert "webcal://127.0.0.1:8101/calendar.ics" in TestClient(asgi.app()).get("/subscribe").text
    monkeypatch.setenv(asgi.ENV_CONFIG, str(pinned))
    assert "webcal://trainings.example.org/calendar.ics" in TestClient(asgi.app()).get("/subscribe").text


def test_serve_with_workers_passes_the_address_served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from calendar_app.cli.main import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(os, "environ", dict(os.environ))  # what serve sets stays in this test
    started: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **options: started.append(options))
    assert main(["serve", "--workers", "2", "--port", "8101", "--no-cache", "--events", str(SAMPLE_EVENTS)]) == 0
    assert started[0]["port"] == 8101
    assert os.environ[asgi.ENV_SERVED_URL] == "http://127.0.0.1:8101"
