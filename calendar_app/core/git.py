"""What git knows of a folder: the repository it is in, and when each file was last committed."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path


def git_toplevel(folder: Path) -> Path | None:
    """The top folder (resolved) of the git work tree `folder` is in; None when it is in none, or
    git cannot be run."""
    try:
        result = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--show-toplevel"],
            capture_output=True, text=True, check=True, timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(result.stdout.strip()).resolve()


def git_last_modified(root: Path, files: list[Path] | None = None) -> dict[str, datetime]:
    """The last commit time of every file under `root` that git tracks and that has no local edits,
    keyed by the file's path relative to `root` (POSIX form); of `files` only, when given (a few
    files that changed, in a folder of many).

    One `git log` for the whole folder: a fresh clone gets the same times (and so the same
    LAST-MODIFIED and ETags) as the working copy it came from, which file times would not give.
    """
    found = git_toplevel(root)
    if found is None:
        return {}
    top, here = str(found), str(root.resolve())
    where = [here] if files is None else [os.path.join(here, path.relative_to(root)) for path in files]
    if not where:
        return {}
    try:
        log = subprocess.run(
            ["git", "-C", top, "log", "--format=%x00%ct", "--name-only", "--no-renames", "--", *where],
            capture_output=True, text=True, check=True, timeout=60,
        ).stdout
        dirty = subprocess.run(
            ["git", "-C", top, "status", "--porcelain", "-z", "--untracked-files=all", "--", *where],
            capture_output=True, text=True, check=True, timeout=30,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    prefix = os.path.relpath(here, top)
    prefix = "" if prefix == "." else prefix.replace(os.sep, "/") + "/"
    changed = {entry[3:] for entry in dirty.split("\0") if len(entry) > 3}
    times: dict[str, datetime] = {}
    stamp: datetime | None = None
    for line in log.splitlines():
        if line.startswith("\0"):
            stamp = datetime.fromtimestamp(int(line[1:]), tz=UTC)
        elif line and stamp is not None and line.startswith(prefix) and line not in changed:
            times.setdefault(line[len(prefix):], stamp)
    return times


def relative_key(path: Path, root: Path) -> str:
    """How `git_last_modified` names `path`."""
    return path.relative_to(root).as_posix()
