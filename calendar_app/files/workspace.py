"""Where a site keeps its private state: accounts, the pending queue, the trash, the change log,
the counts of failed attempts, the coordinators' sessions, the runs of `calendar-app sync`, the
e-mail alerts.

All of it sits beside the site configuration (relative paths in the settings are taken from
the configuration file's folder, or the working folder when there is none), outside the
events folder, so none of it is ever published.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from ..core.config import SiteConfig
from ..core.errors import CalendarError, with_hint
from ..core.readfile import FileTooLarge, NotRegularFile, read_regular_text
from .atomic import atomic_write

SECRET_ENV = "CALENDAR_SECRET_KEY"
SECRET_FILE = ".session-key"
SYNC_RUNS_FILE = ".sync-runs.json"


@dataclass(frozen=True)
class Workspace:
    base: Path
    config: SiteConfig

    @classmethod
    def beside(cls, config_path: Path | None, config: SiteConfig) -> Workspace:
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
    def sync_dir(self) -> Path:
        """What `calendar-app sync` remembers of each source; not private: it is kept in git with the events."""
        return self._at(self.config.sync_dir)

    @property
    def sync_runs_file(self) -> Path:
        """When each source was last synced and what it did (see `desk.syncstate.last_runs`)."""
        return self.base / SYNC_RUNS_FILE

    @property
    def sync_lock_file(self) -> Path:
        """Held by the sync under way: a second one (cron and the server's schedule) waits its turn."""
        return self.base / ".calendar-sync.lock"

    @property
    def attempts_file(self) -> Path:
        """Failed logins, wrong tokens and suggestions counted per address (see `throttle`)."""
        return self.base / ".attempts.sqlite"

    @property
    def sessions_file(self) -> Path:
        """The coordinators' open sessions, for the workers to share (see `web.sessions`)."""
        return self.base / ".sessions.sqlite"

    @property
    def alerts_file(self) -> Path:
        """The e-mail alerts: addresses, filters, what each was last told (see `desk.alertstore`)."""
        return self.base / ".alerts.sqlite"

    @property
    def alerts_lock_file(self) -> Path:
        """Held by the run of the e-mail alerts under way: another (cron and the server's schedule) does nothing."""
        return self.base / ".calendar-alerts.lock"

    @property
    def pending_lock_file(self) -> Path:
        return self.base / ".calendar-pending.lock"

    @property
    def lock_file(self) -> Path:
        return self.base / ".calendar-edit.lock"

    def session_secret(self) -> str:
        """The key that signs session cookies: $CALENDAR_SECRET_KEY, else a file made once, private.

        Raises SessionKeyError for a key too short to sign anything: an empty key would let
        anyone sign a cookie that opens /manage.
        """
        from_env = os.environ.get(SECRET_ENV, "").strip()
        if from_env:
            if len(from_env.encode()) < MIN_SECRET_BYTES:
                raise SessionKeyError(SECRET_ENV, f"holds {len(from_env.encode())} bytes; a session key needs at "
                                      f"least {MIN_SECRET_BYTES}", f"set it to {_MAKE_ONE}")
            return from_env
        path = self.base / SECRET_FILE
        try:
            return _checked_key(path)
        except FileNotFoundError:
            pass
        try:
            atomic_write(path, secrets.token_urlsafe(48) + "\n", overwrite=False)  # mode 0600, never replaced
        except FileExistsError:
            pass  # another process made it first; use theirs
        return _checked_key(path)


MIN_SECRET_BYTES = 32
_MAKE_ONE = (
    '32 or more random characters, such as the output of: python -c "import secrets; print(secrets.token_urlsafe(48))"'
)


class SessionKeyError(CalendarError):
    """The session key cannot be used; the server does not start without one."""

    def __init__(self, where: str, message: str, hint: str) -> None:
        self.where, self.message, self.hint = where, message, hint
        super().__init__(with_hint(f"{where}: {message}", hint))


def _checked_key(path: Path) -> str:
    """The key in `path`; FileNotFoundError when there is none yet."""
    fix = f"delete {path} to have a new key made (everyone logged in will have to log in again)"
    try:
        key = read_regular_text(path, limit=64 * 1024).strip()
    except (NotRegularFile, FileTooLarge, UnicodeDecodeError) as exc:
        raise SessionKeyError(str(path), f"cannot be used as the session key: {exc}", fix) from None
    if len(key.encode()) < MIN_SECRET_BYTES:
        what = "is empty" if not key else f"holds {len(key.encode())} bytes"
        raise SessionKeyError(str(path), f"{what}; a session key needs at least {MIN_SECRET_BYTES}", fix)
    return key
