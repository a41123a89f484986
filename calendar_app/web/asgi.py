"""The application for several uvicorn workers, which import it by name rather than take an object.

    calendar-app serve --workers 4            # sets the variables below from its options
    CALENDAR_EVENTS=events CALENDAR_CONFIG=calendar.toml \\
        uvicorn calendar_app.web.asgi:app --factory --workers 4 --host 127.0.0.1 --port 8000

Each worker process calls `app()`, which reads its settings from the environment and loads the
site itself (from the events cache when another worker or an earlier start has filled it):

| variable | what it sets | default |
|---|---|---|
| `CALENDAR_EVENTS` | the events folder | `events` |
| `CALENDAR_CONFIG` | the configuration file | `calendar.toml` when present |
| `CALENDAR_STATE_DIR` | accounts, pending queue, session key | the configuration's folder |
| `CALENDAR_CACHE_DIR` | the events cache (see `loadcache`); `CALENDAR_NO_CACHE=1` for none | `~/.cache/calendar-app` |
| `CALENDAR_NO_WATCH` | `1` to read the events only at start-up | watching |
| `CALENDAR_TODAY` | the date treated as today (see `clock`) | the real date |
| `CALENDAR_SERVED_URL` | the address links name when the configuration sets no `base_url` | `http://127.0.0.1:8000` |
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

from ..core.config import DEFAULT_CONFIG_NAME, for_server, load_config
from ..files.loadcache import default_cache_dir
from .app import create_app

ENV_EVENTS = "CALENDAR_EVENTS"
ENV_CONFIG = "CALENDAR_CONFIG"
ENV_STATE = "CALENDAR_STATE_DIR"
ENV_NO_CACHE = "CALENDAR_NO_CACHE"
ENV_NO_WATCH = "CALENDAR_NO_WATCH"
ENV_SERVED_URL = "CALENDAR_SERVED_URL"


def app() -> FastAPI:
    """The application as the environment describes it (see the module docstring)."""
    named = os.environ.get(ENV_CONFIG, "").strip()
    config_path = Path(named) if named else Path(DEFAULT_CONFIG_NAME) if Path(DEFAULT_CONFIG_NAME).exists() else None
    state = os.environ.get(ENV_STATE, "").strip()
    config = load_config(config_path)
    served = os.environ.get(ENV_SERVED_URL, "").strip()
    return create_app(
        for_server(config, served) if served else config,
        Path(os.environ.get(ENV_EVENTS, "").strip() or "events"),
        watch=os.environ.get(ENV_NO_WATCH) != "1",
        state_dir=Path(state) if state else (config_path or Path(DEFAULT_CONFIG_NAME)).absolute().parent,
        cache_dir=None if os.environ.get(ENV_NO_CACHE) == "1" else default_cache_dir(),
    )
