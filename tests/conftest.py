"""Shared fixtures: the repository's paths and a site configuration for tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from calendar_app.config import SiteConfig, load_config

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SAMPLE_EVENTS = ROOT / "events"


@pytest.fixture(scope="session")
def sample_config() -> SiteConfig:
    """The configuration the project ships (calendar.toml)."""
    return load_config(ROOT / "calendar.toml")
