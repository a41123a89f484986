"""Where a site keeps its private state, and its session key."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from calendar_app.config import SiteConfig
from calendar_app.workspace import SECRET_ENV, Workspace


def test_paths_are_beside_the_configuration(tmp_path: Path) -> None:
    workspace = Workspace.beside(tmp_path / "calendar.toml", SiteConfig(pending_dir="/srv/queue"))
    assert workspace.coordinators_file == tmp_path / "coordinators.toml"
    assert workspace.trash_dir == tmp_path / "trash" and workspace.pending_dir == Path("/srv/queue")


def test_the_session_key_is_made_once_and_kept_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    workspace = Workspace(tmp_path, SiteConfig())
    key = workspace.session_secret()
    assert len(key) >= 60 and workspace.session_secret() == key
    assert stat.S_IMODE((tmp_path / ".session-key").stat().st_mode) == 0o600
    monkeypatch.setenv(SECRET_ENV, "from-the-environment")
    assert workspace.session_secret() == "from-the-environment"
