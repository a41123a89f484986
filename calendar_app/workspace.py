"""Where a site keeps its private state: accounts, the pending queue, the trash, the change log,
the counts of failed attempts.

All of it sits beside the site configuration (relative paths in the settings are taken from
the configuration file's folder, or the working folder when there is none), outside the
events folder, so none of it is ever published.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from .config import SiteConfig
from .writer import atomic_write

SECRET_ENV = "CALENDAR_SECRET_KEY"
SECRET_FILE = ".session-key"


@dataclass(frozen=True)
class Workspace:
    base: Path
    config: SiteConfig

    @classmethod
    def beside(cls, config_path: Path | None, config: SiteConfig) -> "Workspace":
        return cls((config_path.parent if config_path else Path.cwd()).absolute(), config)

    def _at(self, setting: str) -> Path:
        path = Path(setting).expanduser()
        return path if path.is_absolute() else self.base / path

    @property
    def coordinators_file(self) -> Path:
        return self._at(self.config.coordinators_file)

    @property
    def pending_dir(self) -> Path:
        return self._at(self.config.pending_dir)

    @property
    def trash_dir(self) -> Path:
        return self._at(self.config.trash_dir)

    @property
    def change_log(self) -> Path:
        return self._at(self.config.change_log)

    @property
    def attempts_file(self) -> Path:
        """Failed logins, wrong tokens and suggestions counted per address (see `throttle`)."""
        return self.base / ".attempts.sqlite"

    @property
    def pending_lock_file(self) -> Path:
        return self.base / ".calendar-pending.lock"

    @property
    def lock_file(self) -> Path:
        return self.base / ".calendar-edit.lock"

    def session_secret(self) -> str:
        """The key that signs session cookies: $CALENDAR_SECRET_KEY, else a file made once, private."""
        from_env = os.environ.get(SECRET_ENV, "").strip()
        if from_env:
            return from_env
        path = self.base / SECRET_FILE
        try:
            return path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            pass
        try:
            atomic_write(path, secrets.token_urlsafe(48) + "\n", overwrite=False)  # mode 0600, never replaced
        except FileExistsError:
            pass  # another process made it first; use theirs
        return path.read_text(encoding="utf-8").strip()
