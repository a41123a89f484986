"""Where a site keeps its private state, and its session key."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from calendar_app.cli.main import main
from calendar_app.core.config import SiteConfig, load_config
from calendar_app.files.workspace import SECRET_ENV, SessionKeyError, Workspace
from calendar_app.web.app import create_app

from .coordinator_site import ROOT, csrf_of, form_of, make_site
from .noblock import within


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
    monkeypatch.setenv(SECRET_ENV, "from-the-environment-" + "x" * 20)
    assert workspace.session_secret() == "from-the-environment-" + "x" * 20


def test_the_session_key_from_the_environment_must_be_long_enough(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = Workspace(tmp_path, SiteConfig())
    monkeypatch.setenv(SECRET_ENV, "k" * 40)
    assert workspace.session_secret() == "k" * 40
    monkeypatch.setenv(SECRET_ENV, "from-the-environment")
    with pytest.raises(SessionKeyError) as refused:
        workspace.session_secret()
    assert str(refused.value).startswith("CALENDAR_SECRET_KEY: holds 20 bytes; a session key needs at least 32.")


@pytest.mark.parametrize("content", ["", "\n", "short-key\n"], ids=["empty", "blank line", "short"])
def test_a_site_with_an_unusable_session_key_refuses_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    """A cookie signed with an empty (or guessable) key would open /manage: the server does not start."""
    monkeypatch.delenv(SECRET_ENV, raising=False)
    (tmp_path / "events").mkdir()
    shutil.copy(ROOT / "calendar.toml", tmp_path / "calendar.toml")
    key = tmp_path / ".session-key"
    key.write_text(content, encoding="utf-8")
    argv = ["serve", "--events", str(tmp_path / "events"), "--config", str(tmp_path / "calendar.toml"),
            "--no-watch", "--no-cache", "--port", "1"]  # never listened on: it stops before
    assert within(60, lambda: main(argv)) == 1
    err = capsys.readouterr().err
    what = "is empty" if not content.strip() else "holds 9 bytes"
    assert f"calendar-app: {key}: {what}; a session key needs at least 32." in err
    assert f"Hint: delete {key} to have a new key made" in err
    with pytest.raises(SessionKeyError):
        create_app(load_config(tmp_path / "calendar.toml"), tmp_path / "events", watch=False, state_dir=tmp_path)
    key.unlink()  # as the hint says: a new one is made, and the site starts
    client = TestClient(create_app(load_config(tmp_path / "calendar.toml"), tmp_path / "events", watch=False,
                                   state_dir=tmp_path))
    assert client.get("/manage", follow_redirects=False).status_code in (302, 303, 307)
    assert len(key.read_text(encoding="utf-8").strip()) >= 60


def test_a_session_key_that_is_a_named_pipe_is_refused_not_waited_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    os.mkfifo(tmp_path / ".session-key")
    with pytest.raises(SessionKeyError) as refused:
        within(10, Workspace(tmp_path, SiteConfig()).session_secret)
    assert "is a named pipe (FIFO), not a regular file" in str(refused.value)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_what_the_site_keeps_is_readable_by_the_server_only(tmp_path: Path) -> None:
    """Suggestions (names, e-mail addresses), deleted drafts and the change log: 0700 folders, 0600 files."""
    site = make_site(tmp_path)
    data = {"csrf_token": csrf_of(site.client, "/manage/new"), "title": "Labor Trafficking Indicators",
            "type": "webinar", "start": "2027-04-06 13:00", "online": "on", "description": "For inspectors.",
            "action": "draft"}
    draft = site.client.post("/manage/new", data=data, follow_redirects=False).headers["location"]
    token = csrf_of(site.client, draft)
    assert "moved to the trash folder" in site.client.post(draft + "/delete", data={"csrf_token": token}).text
    edit = "/manage/events/screening-youth-webinar/edit"
    form = form_of(site.client, edit)
    assert site.client.post(edit, data={**form, "title": "Screening Youth"}, follow_redirects=False).status_code == 303
    assert mode_of(tmp_path / "pending") == 0o700 and mode_of(tmp_path / "trash") == 0o700
    assert mode_of(tmp_path / "changes.log") == 0o600
    assert '"email": "ana@example.org"' in (tmp_path / "changes.log").read_text(encoding="utf-8")
    assert {mode_of(p) for p in [*(tmp_path / "pending").iterdir(), *(tmp_path / "trash").iterdir()]} == {0o600}


def test_a_site_made_by_an_earlier_version_is_made_private(tmp_path: Path) -> None:
    """pending/ and trash/ (and folders in them) were 0755, changes.log 0640: tightened, not left as they were."""
    for folder in ("pending", "trash", "trash/2026"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder).chmod(0o755)
    (tmp_path / "changes.log").write_text('{"slug": "x"}\n', encoding="utf-8")
    (tmp_path / "changes.log").chmod(0o640)
    site = make_site(tmp_path)
    assert [mode_of(tmp_path / f) for f in ("pending", "trash", "trash/2026")] == [0o700, 0o700, 0o700]
    edit = "/manage/events/screening-youth-webinar/edit"
    form = form_of(site.client, edit)
    assert site.client.post(edit, data={**form, "title": "Screening Youth"}, follow_redirects=False).status_code == 303
    assert mode_of(tmp_path / "changes.log") == 0o600
    assert len((tmp_path / "changes.log").read_text(encoding="utf-8").splitlines()) == 2
