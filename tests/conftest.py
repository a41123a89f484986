"""Shared fixtures: the repository's paths, the sample site's configuration and catalog, and a
site with a coordinators' desk."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

from calendar_app.core.catalog import Catalog
from calendar_app.core.config import SiteConfig, load_config
from calendar_app.core.loader import load_events

if TYPE_CHECKING:
    from .coordinator_site import DeskSite

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
# The private state (session key, accounts, queue) of servers the tests run over the sample
# events: a temporary folder, removed at the end of the run, never the checkout beside
# calendar.toml, where a server keeps it by default.
_SAMPLE_STATE = tempfile.TemporaryDirectory(prefix="calendar-sample-state-")
SAMPLE_STATE = Path(_SAMPLE_STATE.name)


# What a site keeps beside its configuration: a test that builds the app over the sample events
# without a state folder of its own would leave these in the checkout.
PRIVATE_STATE = (".session-key", "coordinators.toml", "pending", "trash", "changes.log",
                 ".attempts.sqlite", ".sessions.sqlite", "sources", ".sync-runs.json", ".calendar-sync.lock",
                 ".calendar-sync-schedule.lock", ".alerts.sqlite", ".calendar-alerts.lock",
                 ".calendar-alerts-schedule.lock")


@pytest.fixture(scope="session", autouse=True)
def nothing_written_into_the_checkout() -> Iterator[None]:
    before = {name for name in PRIVATE_STATE if (ROOT / name).exists()}
    yield
    added = sorted({name for name in PRIVATE_STATE if (ROOT / name).exists()} - before)
    assert not added, f"the test run wrote {added} into the checkout; give the app a state_dir in tmp_path"


@pytest.fixture(scope="session", autouse=True)
def events_cache_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Servers the tests start (`calendar-app serve`) keep their events cache here, not in ~/.cache."""
    os.environ["CALENDAR_CACHE_DIR"] = str(tmp_path_factory.mktemp("events-cache"))


@pytest.fixture(scope="session")
def sample_config() -> SiteConfig:
    """The configuration the project ships (calendar.toml)."""
    return load_config(ROOT / "calendar.toml")


@pytest.fixture(scope="session")
def sample_catalog(sample_config: SiteConfig) -> Catalog:
    """The catalog of the sample events the project ships (events/)."""
    return Catalog(sample_config, load_events(SAMPLE_EVENTS, sample_config).events)


@pytest.fixture
def site(request: pytest.FixtureRequest, tmp_path: Path) -> DeskSite:
    """A site with a coordinators' desk in `tmp_path` (see `coordinator_site.make_site`), its client
    logged in as a coordinator unless the test module says `LOGGED_IN = False`."""
    from .coordinator_site import make_site  # the web app, imported only by the tests that use it

    return make_site(tmp_path, login=getattr(request.module, "LOGGED_IN", True))
