"""The application as uvicorn's workers import it in the HTTP benchmarks.

    BENCH_EVENTS=DIR BENCH_TODAY=2026-11-23 BENCH_CACHE=DIR BENCH_STATE=DIR \\
        python -m uvicorn benchmarks.asgi:app --factory --workers 2

Several workers need an import string rather than an application object; each worker calls
`app()` and loads the site itself (from the cache, when the benchmark has filled it).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from fastapi import FastAPI

from calendar_app.core.config import SiteConfig, load_config
from calendar_app.web.app import create_app


def app() -> FastAPI:
    config = load_config(Path(os.environ["BENCH_CONFIG"])) if os.environ.get("BENCH_CONFIG") else SiteConfig()
    return create_app(
        config,
        Path(os.environ["BENCH_EVENTS"]),
        today=date.fromisoformat(os.environ["BENCH_TODAY"]),
        watch=False,
        state_dir=Path(os.environ["BENCH_STATE"]),
        cache_dir=Path(os.environ["BENCH_CACHE"]),
    )
