"""Shared fixtures: the repository's paths and a site configuration for tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from calendar_app.core.config import SiteConfig, load_config

# `HYPOTHESIS_PROFILE=thorough make test` runs the property tests twenty times longer.
# The default run is derandomized: the same examples on every machine, so CI's result does not
# hang on a draw no one has seen; the thorough profile explores new ones.
settings.register_profile("default", max_examples=250, deadline=None, derandomize=True)
# derandomize=False said outright: a profile inherits what it does not set from "default", whose
# derandomize=True would otherwise replay the same examples on every thorough run too.
settings.register_profile("thorough", max_examples=5000, deadline=None, derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SAMPLE_EVENTS = ROOT / "events"


@pytest.fixture(scope="session", autouse=True)
def events_cache_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Servers the tests start (`calendar-app serve`) keep their events cache here, not in ~/.cache."""
    os.environ["CALENDAR_CACHE_DIR"] = str(tmp_path_factory.mktemp("events-cache"))


@pytest.fixture(scope="session")
def sample_config() -> SiteConfig:
    """The configuration the project ships (calendar.toml)."""
    return load_config(ROOT / "calendar.toml")
