"""Who changed what and when: git commits when the events folder is in a repository, else a log.

Every change made through the web is recorded. Inside a git work tree it becomes a commit
with the coordinator as author and a message that says what changed (only the changed paths
are committed, whatever else is staged). Outside git, one JSON line per change is appended
to a change log (opened in append mode, flushed and synced), which is never rewritten.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..core.git import git_toplevel
from ..core.readfile import NotRegularFile, read_regular_text

log = logging.getLogger("calendar_app")
_SEP = "\x1f"


@dataclass(frozen=True)
class Change:
    """One change made through the web or the API."""

    action: str  # created, edited, cancelled, published, deleted, suggested, rejected
    slug: str
    author_name: str
    author_email: str
    summary: str  # what changed, in words: "start, end, location.city"
    paths: tuple[Path, ...]  # every path touched (a move names both ends)
    # Files of the site's own committed with the events, when the repository holds them and does
    # not ignore them (what `calendar-app sync` remembers); never named in the change log.
    kept: tuple[Path, ...] = ()
    subject: str | None = None  # the whole message, when the action and a slug do not say it ("Sync: ...")

    @property
    def message(self) -> str:
        if self.subject:
            return self.subject
        return f"{self.action.capitalize()} {self.slug}: {self.summary}" if self.summary else (
            f"{self.action.capitalize()} {self.slug}"
        )


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    author: str
    email: str
    message: str
    revision: str | None = None


class History:
    def __init__(self, events_dir: Path, change_log: Path, committer: tuple[str, str]) -> None:
        self.events_dir = events_dir
        self.change_log = change_log
        self.committer = committer
        self.repo = git_toplevel(events_dir)

    @property
    def uses_git(self) -> bool:
        return self.repo is not None

    def record(self, change: Change) -> str | None:
        """Commit or log `change`; return a warning when the commit failed (then it is logged)."""
        if self.repo is not None:
            try:
                self._commit(self.repo, change)
                return None
            except (OSError, subprocess.SubprocessError) as exc:
                detail = getattr(exc, "stderr", "") or str(exc)
                log.error("could not commit %s: %s", change.message, detail)
                return self._append_or_warn(change) or (
                    f"Saved, but the git commit failed ({detail.strip()[:200]}); the change log has it."
                )
        return self._append_or_warn(change)

    def _append_or_warn(self, change: Change) -> str | None:
        """Append to the change log; the file is already saved, so a full disk here is a warning."""
        try:
            self._append(change)
        except OSError as exc:
            log.error("could not record %s in %s: %s", change.message, self.change_log, exc)
            return f"Saved, but the change could not be recorded in the change log ({exc.strerror or exc})."
        return None

    def entries(self, slug: str, path: Path | None) -> list[HistoryEntry]:
        """Newest first: the commits touching the event's file, or its change-log lines."""
        if self.repo is not None and path is not None:
            return self._git_entries(self.repo, path)
        return self._log_entries(slug)

    # --- git -------------------------------------------------------------------------------

    def _commit(self, repo: Path, change: Change) -> None:
        # Only event files are history; the trash and the pending queue are the site's own state.
        paths = [_real(p) for p in change.paths if _inside(p, self.events_dir)]
        paths += [_real(p) for p in change.kept if _inside(p, repo) and not _ignored(repo, p)]
        present = [str(p) for p in paths if p.exists()]
        gone = [str(p) for p in paths if not p.exists()]
        if present:
            _git(repo, "add", "--", *present)
        if gone:
            _git(repo, "rm", "--cached", "--quiet", "--ignore-unmatch", "--", *gone)
        staged = [
            p for p in _git(repo, "diff", "--cached", "--name-only", "-z", "--", *present, *gone).split("\0") if p
        ]
        if not staged:
            return
        env = dict(os.environ)
        env.update(GIT_AUTHOR_NAME=change.author_name, GIT_AUTHOR_EMAIL=change.author_email)
        if not _git(repo, "config", "--get", "user.email", check=False).strip():
            env.update(GIT_COMMITTER_NAME=self.committer[0], GIT_COMMITTER_EMAIL=self.committer[1])
        _git(repo, "commit", "--quiet", "-m", change.message, "--", *[str(repo / p) for p in staged], env=env)

    def _git_entries(self, repo: Path, path: Path) -> list[HistoryEntry]:
        fmt = _SEP.join(["%h", "%an", "%ae", "%aI", "%s"])
        try:
            out = _git(repo, "log", "--follow", f"--format={fmt}", "--", str(_real(path)))
        except (OSError, subprocess.SubprocessError):
            return []
        entries = []
        for line in out.splitlines():
            parts = line.split(_SEP)
            if len(parts) == 5:
                when = datetime.fromisoformat(parts[3]).astimezone(UTC)
                entries.append(HistoryEntry(when, parts[1], parts[2], parts[4], parts[0]))
        return entries

    # --- change log ------------------------------------------------------------------------

    def _append(self, change: Change) -> None:
        record = {
            "time": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "action": change.action,
            "slug": change.slug,
            "author": change.author_name,
            "email": change.author_email,
            "summary": change.summary,
            "paths": [str(p) for p in change.paths],
        }
        self.change_log.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(record, ensure_ascii=False) + "\n"
        # Private (0600): each line holds a coordinator's name and e-mail address. Non-blocking,
        # so a named pipe in its place refuses at once instead of waiting for a reader.
        fd = os.open(self.change_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK, 0o600)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise NotRegularFile(self.change_log, st.st_mode)
            if stat.S_IMODE(st.st_mode) & 0o077:  # made readable by others by an earlier version
                os.fchmod(fd, 0o600)
            os.write(fd, line.encode("utf-8"))  # one write of one line: appends never interleave
            os.fsync(fd)
        finally:
            os.close(fd)

    def _log_entries(self, slug: str) -> list[HistoryEntry]:
        try:
            lines = read_regular_text(self.change_log).splitlines()
        except FileNotFoundError:
            return []
        except NotRegularFile as exc:
            log.error("%s: %s; no history from it", self.change_log, exc)
            return []
        entries = []
        for line in lines:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut by a crash; the others still count
            if record.get("slug") == slug:
                change = Change(record["action"], slug, record["author"], record["email"], record["summary"], ())
                entries.append(
                    HistoryEntry(
                        datetime.fromisoformat(record["time"]), record["author"], record["email"], change.message
                    )
                )
        return entries[::-1]


def _git(repo: Path, *args: str, check: bool = True, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=check, timeout=60, env=env
    )
    return result.stdout


def _ignored(repo: Path, path: Path) -> bool:
    """Whether git ignores `path` (`git add` would refuse it)."""
    done = subprocess.run(["git", "-C", str(repo), "check-ignore", "-q", "--", str(_real(path))],
                          capture_output=True, timeout=60, check=False)
    return done.returncode == 0


def _real(path: Path) -> Path:
    """The path with symbolic links in its folders resolved (the file itself may be gone)."""
    return path.parent.resolve() / path.name


def _inside(path: Path, folder: Path) -> bool:
    return _real(path).is_relative_to(folder.resolve())
