"""Coordinator accounts: who may change the calendar through the web and the write API.

Accounts live in a TOML file beside the site configuration (`coordinators.toml` by default),
kept by `calendar-app coordinator ...` and read by the server, which notices when it changes.
Nothing secret is ever stored in clear:

- passwords as argon2id hashes (argon2-cffi), verified in constant time; a login for an
  unknown name costs the same as one for a known name, so timing tells nothing;
- API tokens (``cal_<id>_<secret>``, 256 random bits) as SHA-256 digests. A token is random,
  not chosen by a person, so a fast digest cannot be brute-forced, and checking one costs
  microseconds rather than an argon2 run per API request. Tokens are shown once, when issued,
  and revoked by id.

An argon2 check takes 64 MiB and a CPU for a noticeable time, on purpose. So only as many
passwords are checked at once as the machine has CPUs (`CheckSlots`); a login past that is
refused at once (`ChecksBusy`) rather than queued, so a flood of logins cannot fill the memory
or hold up the pages the same process serves.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import tomlkit
from argon2 import Parameters, PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from filelock import FileLock

from ..core.errors import CalendarError
from ..files.atomic import atomic_write

MIN_PASSWORD_LENGTH = 12
TOKEN_PREFIX = "cal_"
_HEADER = (
    "Coordinators of this calendar, kept by `calendar-app coordinator ...`.\n"
    "Passwords are argon2 hashes and API tokens SHA-256 digests: nothing here is a secret in clear,\n"
    "but keep the file private all the same."
)


class AccountError(CalendarError):
    """A coordinator command that cannot be carried out (unknown name, weak password...)."""


class ChecksBusy(CalendarError):
    """As many passwords as the machine has CPUs are being checked already: try again shortly."""


class CheckSlots:
    """How many password checks may run at once in this process; the rest are refused, not queued."""

    def __init__(self, size: int | None = None) -> None:
        self.size = size if size is not None else machine_cpus()
        self._free = threading.BoundedSemaphore(self.size)

    def __enter__(self) -> None:
        if not self._free.acquire(blocking=False):
            raise ChecksBusy(f"all {self.size} password checks are in use")

    def __exit__(self, *_: object) -> None:
        self._free.release()


def machine_cpus() -> int:
    """The CPUs this process may run on (fewer than the machine's under a CPU affinity mask)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on every platform
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Token:
    id: str
    digest: str
    created: str
    revoked: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked is None


@dataclass(frozen=True)
class Coordinator:
    name: str
    email: str
    password_hash: str
    created: str = ""
    tokens: tuple[Token, ...] = field(default=())

    @property
    def session_stamp(self) -> str:
        """Changes when the password does, so a new password ends every open session."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise AccountError(f"{email!r} is not a well-formed e-mail address ({exc})") from None


class Accounts:
    """The coordinators file: read on demand (re-read when it changes), written atomically."""

    def __init__(self, path: Path, hasher: PasswordHasher | None = None, checks: CheckSlots | None = None) -> None:
        self.path = path
        self.hasher = hasher or PasswordHasher()
        self.checks = checks or CheckSlots()
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._cache: dict[str, Coordinator] = {}
        self._dummy_hash: tuple[Parameters | None, str] | None = None

    # --- reading ---------------------------------------------------------------------------

    def all(self) -> list[Coordinator]:
        """Every coordinator, in the order of the file."""
        with self._lock:
            return list(self._current().values())

    def get(self, name: str) -> Coordinator | None:
        with self._lock:
            return self._current().get(name.casefold())

    def find(self, identifier: str) -> Coordinator | None:
        """The coordinator with this name or e-mail address (either case)."""
        wanted = identifier.strip().casefold()
        return next((c for c in self.all() if wanted in (c.name.casefold(), c.email.casefold())), None)

    def _current(self) -> dict[str, Coordinator]:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            self._stamp, self._cache = None, {}
            return self._cache
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        if stamp != self._stamp:
            self._cache = {c.name.casefold(): c for c in _parse(self._read_document())}
            self._stamp = stamp
        return self._cache

    def _read_document(self) -> tomlkit.TOMLDocument:
        try:
            return tomlkit.parse(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            document = tomlkit.document()
            for line in _HEADER.splitlines():
                document.add(tomlkit.comment(line))
            return document
        except tomlkit.exceptions.ParseError as exc:
            raise AccountError(f"{self.path}: {exc}") from None

    # --- checking --------------------------------------------------------------------------

    def verify_login(self, identifier: str, password: str) -> Coordinator | None:
        """The coordinator if the password is theirs; None otherwise, in the same time either way.

        Raises `ChecksBusy` when the machine's CPUs are all checking passwords already.
        """
        coordinator = self.find(identifier) if identifier.strip() else None
        with self.checks:  # the dummy hash, made once, costs what a check does
            encoded = coordinator.password_hash if coordinator else self._dummy()
            try:
                self.hasher.verify(encoded, password)
            except (VerificationError, InvalidHashError):
                return None
        return coordinator

    def _dummy(self) -> str:
        # Made with the parameters of the stored hashes, so an unknown name costs what a known one does.
        known = self.all()
        try:
            params = extract_parameters(known[0].password_hash) if known else None
        except InvalidHashError:
            params = None
        if self._dummy_hash is None or self._dummy_hash[0] != params:
            hasher = PasswordHasher.from_parameters(params) if params else self.hasher
            self._dummy_hash = (params, hasher.hash(secrets.token_urlsafe(16)))
        return self._dummy_hash[1]

    def check_token(self, token: str) -> Coordinator | None:
        """The coordinator an active API token belongs to, or None."""
        parts = token.strip().split("_")
        if len(parts) != 3 or f"{parts[0]}_" != TOKEN_PREFIX:
            return None
        token_id, digest = parts[1], _digest(token.strip())
        found: Coordinator | None = None
        for coordinator in self.all():
            for item in coordinator.tokens:
                # Compare every candidate so the time taken does not depend on where a match is.
                if hmac.compare_digest(item.id, token_id) & hmac.compare_digest(item.digest, digest) and item.active:
                    found = coordinator
        return found

    # --- changing (the command line) -------------------------------------------------------

    def add(self, name: str, email: str, password: str) -> Coordinator:
        name = name.strip()
        if not name or any(ch in name for ch in "\r\n\t") or len(name) > 100:
            raise AccountError("the name must be one line of at most 100 characters")
        email = normalize_email(email)
        _check_password(password)
        with self._editing() as document:
            table = document.setdefault("coordinators", tomlkit.aot())
            for item in table:
                if str(item["name"]).casefold() == name.casefold():
                    raise AccountError(f"a coordinator named {name!r} already exists")
                if str(item["email"]).casefold() == email.casefold():
                    raise AccountError(f"{email} already belongs to coordinator {item['name']!r}")
            entry = tomlkit.table()
            entry.update({"name": name, "email": email, "password_hash": self.hasher.hash(password), "created": _now()})
            table.append(entry)
        found = self.get(name)
        assert found is not None
        return found

    def set_password(self, name: str, password: str) -> None:
        _check_password(password)
        with self._editing() as document:
            self._entry(document, name)["password_hash"] = self.hasher.hash(password)

    def remove(self, name: str) -> None:
        with self._editing() as document:
            table = document.get("coordinators", [])
            entry = self._entry(document, name)
            table.remove(entry)

    def issue_token(self, name: str) -> tuple[str, str]:
        """A new API token for `name`: (token id, the token itself, to be shown once)."""
        token_id = secrets.token_hex(4)
        token = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32).replace('_', '-')}"
        with self._editing() as document:
            entry = self._entry(document, name)
            tokens = entry.setdefault("tokens", tomlkit.aot())
            item = tomlkit.table()
            item.update({"id": token_id, "digest": _digest(token), "created": _now()})
            tokens.append(item)
        return token_id, token

    def revoke(self, name: str, token_id: str | None = None) -> list[str]:
        """Revoke one token of `name` (or all of them); return the ids revoked."""
        revoked: list[str] = []
        with self._editing() as document:
            entry = self._entry(document, name)
            for item in entry.get("tokens", []):
                if (token_id is None or item["id"] == token_id) and "revoked" not in item:
                    item["revoked"] = _now()
                    revoked.append(str(item["id"]))
        if token_id is not None and not revoked:
            raise AccountError(f"{name} has no active token {token_id!r}; see `calendar-app coordinator list`")
        return revoked

    def _entry(self, document: tomlkit.TOMLDocument, name: str) -> tomlkit.items.Table:
        for item in document.get("coordinators", []):
            if isinstance(item, tomlkit.items.Table) and str(item["name"]).casefold() == name.strip().casefold():
                return item
        raise AccountError(f"no coordinator named {name!r}; see `calendar-app coordinator list`")

    def _editing(self) -> _Edit:
        return _Edit(self)


class _Edit:
    """Read, change and atomically rewrite the file, one writer at a time (across processes too)."""

    def __init__(self, accounts: Accounts) -> None:
        self.accounts = accounts
        self.file_lock = FileLock(str(accounts.path) + ".lock")

    def __enter__(self) -> tomlkit.TOMLDocument:
        self.file_lock.acquire()
        self.document = self.accounts._read_document()
        return self.document

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        try:
            if kind is None:
                self.accounts.path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(self.accounts.path, tomlkit.dumps(self.document), overwrite=True)
        finally:
            self.file_lock.release()


def password_problem(password: str) -> str | None:
    """Why a password cannot be used, in words, or None when it can."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password is too short: use at least {MIN_PASSWORD_LENGTH} characters"
    if password != password.strip() or "\n" in password:
        return "the password must not begin or end with spaces or hold a line break"
    return None


def _check_password(password: str) -> None:
    if (problem := password_problem(password)) is not None:
        raise AccountError(problem)


def _parse(document: tomlkit.TOMLDocument) -> list[Coordinator]:
    result: list[Coordinator] = []
    for item in document.get("coordinators", []):
        try:
            tokens = tuple(
                Token(str(t["id"]), str(t["digest"]), str(t.get("created", "")), _opt(t.get("revoked")))
                for t in item.get("tokens", [])
            )
            result.append(
                Coordinator(
                    name=str(item["name"]),
                    email=str(item["email"]),
                    password_hash=str(item["password_hash"]),
                    created=str(item.get("created", "")),
                    tokens=tokens,
                )
            )
        except KeyError as exc:
            raise AccountError(f"a coordinator entry lacks {exc.args[0]!r}") from None
    return result


def _opt(value: object) -> str | None:
    return None if value is None else str(value)
