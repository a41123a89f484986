"""Coordinator accounts: hashed passwords, tokens stored hashed and revocable, and the commands."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest

from calendar_app.cli.main import main
from calendar_app.desk.accounts import AccountError, Accounts

from .coordinator_site import CHEAP, PASSWORD, ROOT


@pytest.fixture
def accounts(tmp_path: Path) -> Accounts:
    store = Accounts(tmp_path / "coordinators.toml", hasher=CHEAP)
    store.add("Ana Ruiz", "Ana@Example.org", PASSWORD)
    return store


def test_passwords_are_stored_as_argon2_hashes_only(accounts: Accounts) -> None:
    text = accounts.path.read_text()
    assert PASSWORD not in text and "$argon2id$" in text
    assert stat.S_IMODE(accounts.path.stat().st_mode) == 0o600
    assert accounts.get("ana ruiz") is not None and accounts.all()[0].email == "Ana@example.org"


def test_login_by_name_or_email_with_the_right_password_only(accounts: Accounts) -> None:
    assert accounts.verify_login("Ana Ruiz", PASSWORD) is not None
    assert accounts.verify_login("ana@example.org", PASSWORD) is not None
    assert accounts.verify_login("Ana Ruiz", PASSWORD + "x") is None
    assert accounts.verify_login("nobody", PASSWORD) is None
    assert accounts.verify_login("", PASSWORD) is None


def test_a_new_password_changes_the_session_stamp(accounts: Accounts) -> None:
    before = accounts.get("Ana Ruiz")
    accounts.set_password("Ana Ruiz", "another long password")
    after = accounts.get("Ana Ruiz")
    assert before and after and before.session_stamp != after.session_stamp
    assert accounts.verify_login("Ana Ruiz", PASSWORD) is None


def test_weak_passwords_duplicates_and_bad_addresses_are_refused(accounts: Accounts) -> None:
    with pytest.raises(AccountError, match="too short"):
        accounts.add("Ben", "ben@example.org", "short")
    with pytest.raises(AccountError, match="already exists"):
        accounts.add("ana ruiz", "other@example.org", PASSWORD)
    with pytest.raises(AccountError, match="already belongs"):
        accounts.add("Ben", "ana@example.org", PASSWORD)
    with pytest.raises(AccountError, match="not a well-formed e-mail"):
        accounts.add("Ben", "ben at example", PASSWORD)
    with pytest.raises(AccountError, match="one line"):
        accounts.add("Ben\nInjected", "ben@example.org", PASSWORD)


def test_tokens_are_stored_hashed_and_can_be_revoked(accounts: Accounts) -> None:
    first_id, first = accounts.issue_token("Ana Ruiz")
    second_id, second = accounts.issue_token("Ana Ruiz")
    assert first.startswith(f"cal_{first_id}_") and first not in accounts.path.read_text()
    assert accounts.check_token(first) is not None and accounts.check_token(second) is not None
    assert accounts.check_token(first[:-1] + ("A" if first[-1] != "A" else "B")) is None
    assert accounts.check_token(f"cal_{first_id}_wrong") is None and accounts.check_token("") is None
    assert accounts.revoke("Ana Ruiz", first_id) == [first_id]
    assert accounts.check_token(first) is None and accounts.check_token(second) is not None
    assert accounts.revoke("Ana Ruiz") == [second_id]
    assert accounts.check_token(second) is None
    with pytest.raises(AccountError, match="no active token"):
        accounts.revoke("Ana Ruiz", first_id)


def test_removing_a_coordinator_ends_their_tokens(accounts: Accounts) -> None:
    token = accounts.issue_token("Ana Ruiz")[1]
    accounts.remove("Ana Ruiz")
    assert accounts.check_token(token) is None and accounts.all() == []
    with pytest.raises(AccountError, match="no coordinator named"):
        accounts.remove("Ana Ruiz")


def test_a_running_server_sees_changes_made_by_the_command(accounts: Accounts) -> None:
    server_view = Accounts(accounts.path)
    assert [c.name for c in server_view.all()] == ["Ana Ruiz"]
    accounts.add("Ben Okafor", "ben@example.org", PASSWORD)
    assert [c.name for c in server_view.all()] == ["Ana Ruiz", "Ben Okafor"]


def test_comments_in_the_file_are_kept(accounts: Accounts) -> None:
    accounts.path.write_text("# Kept by the site admin\n" + accounts.path.read_text())
    accounts.issue_token("Ana Ruiz")
    assert accounts.path.read_text().startswith("# Kept by the site admin\n")


# --- the commands -----------------------------------------------------------------------------------


def run(args: list[str], tmp_path: Path, stdin: str = "", monkeypatch: pytest.MonkeyPatch | None = None) -> int:
    assert monkeypatch is not None
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main([*args, "--config", str(tmp_path / "calendar.toml")])


def test_coordinator_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "calendar.toml").write_text((ROOT / "calendar.toml").read_text())
    assert run(["coordinator", "add", "Ana Ruiz", "ana@example.org", "--password-stdin"], tmp_path,
               PASSWORD + "\n", monkeypatch) == 0
    assert "added Ana Ruiz <ana@example.org>" in capsys.readouterr().out
    assert PASSWORD not in (tmp_path / "coordinators.toml").read_text()
    assert run(["coordinator", "add", "Ben", "ben@example.org", "--password-stdin"], tmp_path, "short\n",
               monkeypatch) == 1
    assert "too short" in capsys.readouterr().err
    assert run(["coordinator", "add", "Ben", "ben@example.org"], tmp_path, "", monkeypatch) == 1
    assert "use --password-stdin" in capsys.readouterr().err

    assert run(["coordinator", "token", "Ana Ruiz"], tmp_path, "", monkeypatch) == 0
    out = capsys.readouterr()
    token = out.out.strip()
    token_id = token.split("_")[1]
    assert token.startswith("cal_") and "shown only now" in out.err
    assert token not in (tmp_path / "coordinators.toml").read_text()
    assert run(["coordinator", "list"], tmp_path, "", monkeypatch) == 0
    assert f"Ana Ruiz <ana@example.org>  (tokens: {token_id})" in capsys.readouterr().out
    assert run(["coordinator", "revoke", "Ana Ruiz", token_id], tmp_path, "", monkeypatch) == 0
    assert f"revoked {token_id}" in capsys.readouterr().out
    assert Accounts(tmp_path / "coordinators.toml").check_token(token) is None
    assert run(["coordinator", "password", "Ana Ruiz", "--password-stdin"], tmp_path, "a new long password\n",
               monkeypatch) == 0
    assert run(["coordinator", "remove", "Ana Ruiz"], tmp_path, "", monkeypatch) == 0
    assert run(["coordinator", "remove", "Ana Ruiz"], tmp_path, "", monkeypatch) == 1
    assert "no coordinator named 'Ana Ruiz'" in capsys.readouterr().err


class Terminal(io.StringIO):
    """Standard input as a person at a terminal has it."""

    def isatty(self) -> bool:
        return True


def _typed(monkeypatch: pytest.MonkeyPatch, *answers: str) -> list[str]:
    """Answer the password prompts with `answers`, in turn; the prompts asked are returned."""
    asked: list[str] = []
    left = iter(answers)

    def getpass(prompt: str = "") -> str:
        asked.append(prompt)
        return next(left)

    monkeypatch.setattr("getpass.getpass", getpass)
    monkeypatch.setattr("sys.stdin", Terminal())
    return asked


def test_add_asks_twice_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "calendar.toml").write_text((ROOT / "calendar.toml").read_text())
    _typed(monkeypatch, *[PASSWORD, PASSWORD + " typo"] * 3)
    assert main(["coordinator", "add", "Ana", "ana@example.org", "--config", str(tmp_path / "calendar.toml")]) == 1
    err = capsys.readouterr().err
    assert "the two passwords differ; try again (2 tries left)" in err
    assert "the two passwords differ; nothing was changed after 3 tries" in err
    assert not (tmp_path / "coordinators.toml").exists()


def test_a_short_password_typed_is_explained_and_asked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "calendar.toml").write_text((ROOT / "calendar.toml").read_text())
    asked = _typed(monkeypatch, "short", PASSWORD, PASSWORD)
    assert main(["coordinator", "add", "Ana", "ana@example.org", "--config", str(tmp_path / "calendar.toml")]) == 0
    captured = capsys.readouterr()
    assert "the password is too short: use at least 12 characters; try again (2 tries left)" in captured.err
    assert asked == ["Password: ", "Password: ", "Same password again: "]
    assert "added Ana <ana@example.org>" in captured.out
    assert Accounts(tmp_path / "coordinators.toml").get("Ana") is not None


def test_three_short_passwords_typed_stop_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "calendar.toml").write_text((ROOT / "calendar.toml").read_text())
    _typed(monkeypatch, "short", "shorter", "tiny")
    assert main(["coordinator", "add", "Ana", "ana@example.org", "--config", str(tmp_path / "calendar.toml")]) == 1
    assert ("calendar-app: the password is too short: use at least 12 characters; nothing was changed after 3 tries"
            in capsys.readouterr().err)
    assert not (tmp_path / "coordinators.toml").exists()
