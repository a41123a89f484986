"""Changing event files from the web and the API: create, edit, cancel; nothing is ever lost.

Every save is checked by the validator (`loader.load_event_file`, the code behind
`calendar-app validate`) on the exact text about to be written, and written atomically
(`atomic.atomic_write`). An edit carries the version (content hash) it started from; if the
file changed since, the save is refused as a conflict rather than overwriting the other
person's work. Saves are serialised by a lock that other server processes honour too. When
time, place or status change, `sequence` rises so calendar apps replace their copy. Each
change is recorded in `history` and the site is refreshed at once.
"""

from __future__ import annotations

import re
import secrets
import threading
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock
from markdown_it import MarkdownIt

from ..core.errors import CalendarError, EventFileError, Problem
from ..core.fields import Status
from ..core.frontmatter import split_front_matter
from ..core.loader import SLUG, display_path, event_files, load_event_file
from ..core.model import Event, file_hash
from ..core.readfile import NotRegularFile, read_regular_file
from ..files.atomic import atomic_write
from ..files.locks import SaveLock
from ..files.site import Site
from ..files.writer import render_event_file
from .eventform import (
    BODY,
    FormValues,
    changed_fields,
    data_from_values,
    values_from_data,
)
from .history import Change, History
from .roundtrip import CannotKeepLayout, rewrite_event_file

MAX_SLUG = 80


@dataclass(frozen=True)
class Author:
    name: str
    email: str


class EditRefused(CalendarError):
    """The save would write an invalid file; nothing was written. Carries every problem."""

    status = 422  # the HTTP status the web answers with

    def __init__(self, problems: list[Problem], body_line: int | None = None) -> None:
        self.problems = problems
        self.body_line = body_line
        super().__init__("\n".join(str(p) for p in problems))


class SaveFailed(EditRefused):
    """The file system refused the write (a full disk, a read-only folder...); nothing was changed.

    An `EditRefused`, so every route that shows a refused save shows this one too, beside the
    form as typed, with its own status rather than a server error.
    """

    status = 503

    def __init__(self, path: Path, error: OSError, *, what: str = "the event", step: str = "saved") -> None:
        reason = error.strerror or type(error).__name__
        self.reason = reason
        super().__init__([Problem(
            str(path), None, None,
            f"{what} could not be {step}: the server could not write {path.name} ({reason}); "
            "the file on disk is as it was before",
            "try again later, or tell whoever runs the site (the disk may be full or read-only)",
        )])


class EditConflict(CalendarError):
    """The file changed on disk since the edit began; nothing was written."""

    def __init__(self, slug: str, current: str) -> None:
        self.slug = slug
        self.current = current
        super().__init__(
            f"{slug} was changed by someone else after you opened it; your changes were not saved. "
            "Hint: open the event again to see the current version, then make your change there."
        )


class EventNotFound(CalendarError):
    def __init__(self, slug: str) -> None:
        self.slug = slug
        super().__init__(f"no event {slug!r}")


@dataclass(frozen=True)
class Source:
    """An event file as it is on disk, ready to be edited."""

    slug: str
    path: Path
    text: str
    version: str
    values: FormValues | None  # None when the front matter cannot be read at all


@dataclass(frozen=True)
class Saved:
    slug: str
    path: Path
    event: Event
    changed: tuple[str, ...]
    sequence_bumped: bool = False
    warning: str | None = None


# Latin letters that NFKD does not take apart into a letter and its marks.
_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})
SLUG_LENGTH = 60


def slugify(title: str) -> str:
    """A file name from a title: lowercase words without accents joined by hyphens, cut between words.

    'La trata laboral en el trabajo agrícola: identificación...' gives
    'la-trata-laboral-en-el-trabajo-agricola-identificacion-y'.
    """
    letters = unicodedata.normalize("NFKD", title.lower().translate(_LETTERS))
    plain = "".join(c for c in letters if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")
    if len(slug) > SLUG_LENGTH:
        cut = slug[: SLUG_LENGTH + 1].rpartition("-")[0]  # the last whole word that fits
        slug = cut or slug[:SLUG_LENGTH]  # one word longer than that: cut it
    return slug or "event"


class Editor:
    def __init__(self, site: Site, history: History, lock_path: Path) -> None:
        self.site = site
        self.history = history
        self._thread_lock = threading.Lock()
        self._file_lock = FileLock(str(lock_path), thread_local=False)

    @property
    def events_dir(self) -> Path:
        return self.site.events_dir

    # --- reading ---------------------------------------------------------------------------

    def path_of(self, slug: str) -> Path | None:
        if not SLUG.fullmatch(slug):
            return None
        found = next((p for p in event_files(self.events_dir) if p.name == f"{slug}.md"), None)
        # A link to a file elsewhere is never read or edited from the web (the site refuses it too),
        # and neither is a named pipe or device of that name, whose opening could wait for ever.
        return found if found is not None and self._inside(found) and found.is_file() else None

    def _inside(self, path: Path) -> bool:
        return path.resolve().is_relative_to(self.events_dir.resolve())

    def source(self, slug: str) -> Source:
        path = self.path_of(slug)
        if path is None:
            raise EventNotFound(slug)
        try:
            data = read_regular_file(path)
        except NotRegularFile:  # replaced by a pipe or a device since it was found
            raise EventNotFound(slug) from None
        text = data.decode("utf-8", errors="replace")
        try:
            front = split_front_matter(text, str(path))
            values: FormValues | None = values_from_data(front.data, front.body.strip("\n"))
        except EventFileError:
            values = None
        return Source(slug, path, text, file_hash(data), values)

    # --- checking without writing (the preview) --------------------------------------------

    def check_new(self, values: FormValues, slug: str | None) -> tuple[str, Path, Event]:
        """The text, path and event a new event would have; raise EditRefused with every problem."""
        slug = (slug or "").strip() or slugify(values.get("title", ""))
        slug_problems = self._slug_problems(slug)
        if slug_problems:
            raise EditRefused(slug_problems)
        values = dict(values)
        if not values.get("uid", "").strip():
            values["uid"] = f"{slug}-{secrets.token_hex(4)}@{self.site.config.uid_domain}"
        text = render_event_file(data_from_values(values), values.get(BODY, ""))
        start = values.get("start", "").strip()
        path = self.events_dir / (start[:4] if re.match(r"^\d{4}-", start) else "undated") / f"{slug}.md"
        if not self._inside(path):  # the year's folder is a link that leads out of the events folder
            raise EditRefused(
                [
                    Problem(
                        display_path(path, self.events_dir),
                        None,
                        "slug",
                        f"{path.parent.name}/ leads outside the events folder, so nothing is written there",
                        "replace the link with a real folder",
                    )
                ]
            )
        return text, path, self._validate(text, path, body_changed=True)

    def check_edit(self, source: Source, values: FormValues, *, allow_rewrite: bool = False) -> tuple[str, Event, bool]:
        """The new text and event for an edit of `source`, and whether sequence was raised."""
        text = self._compose(source, values, allow_rewrite)
        event = self._validate(text, source.path, body_changed=_body_changed(source, values))
        previous = self.site.catalog.by_slug.get(source.slug)
        bumped = False
        if previous is not None:
            if event.sequence < previous.sequence:
                raise EditRefused([Problem(
                    str(source.path), None, "sequence",
                    f"must not go down (it is {previous.sequence} on the site): calendar apps would ignore the change",
                )])
            if _schedule(event) != _schedule(previous) and event.sequence <= previous.sequence:
                values = {**values, "sequence": str(previous.sequence + 1)}
                text = self._compose(source, values, allow_rewrite)
                event = self._validate(text, source.path, body_changed=_body_changed(source, values))
                bumped = True
        return text, event, bumped

    def draft_text(self, values: FormValues) -> str:
        """A draft as an event file, as far as it is filled in (a draft need not be valid yet)."""
        text = render_event_file(data_from_values(values), values.get(BODY, ""))
        if len(text.encode()) > self.site.config.max_file_bytes:
            raise EditRefused([Problem("draft", None, BODY, "is too long for an event file "
                                       f"(the limit is {self.site.config.max_file_bytes:,} bytes)")])
        return text

    def check_suggestion(self, values: FormValues) -> str:
        """A suggestion from the public as an event file, checked like any other; raise EditRefused."""
        values = {**values, "uid": "", "sequence": ""}  # given when it is published
        text = self.draft_text(values)
        self._validate(text, self.events_dir / "suggestion.md", body_changed=True)
        return text

    def values_from_input(self, fields: dict[str, Any], description: str) -> FormValues:
        """Form values from front matter sent as JSON, refused with the validator's own messages
        (unknown fields, wrong shapes) before anything else looks at it."""
        text = render_event_file(fields, description)
        probe = self.events_dir / "input.md"
        try:
            load_event_file(probe, self.events_dir, self.site.config, last_modified=_now(), data=text.encode())
        except EventFileError as exc:
            raise EditRefused(exc.problems, _body_line(text)) from None
        front = split_front_matter(text, str(probe))
        return values_from_data(front.data, front.body.strip("\n"))

    # --- writing ---------------------------------------------------------------------------

    def create(self, values: FormValues, author: Author, slug: str | None = None, action: str = "created") -> Saved:
        with self._locked():
            text, path, event = self.check_new(values, slug)
            try:
                atomic_write(path, text, overwrite=False)
            except FileExistsError:
                raise EditRefused(
                    [Problem(str(path), None, "slug", "an event with this file name already exists")]
                ) from None
            except OSError as exc:
                raise SaveFailed(path, exc) from None
            warning = self.history.record(Change(action, event.slug, author.name, author.email, event.title, (path,)))
        self.site.refresh()
        return Saved(event.slug, path, self._published(event), ("all",), warning=warning)

    def update(
        self, slug: str, values: FormValues, version: str, author: Author, *,
        allow_rewrite: bool = False, action: str = "edited",
    ) -> Saved:
        with self._locked():
            source = self.source(slug)
            if source.version != version:
                raise EditConflict(slug, source.version)
            text, event, bumped = self.check_edit(source, values, allow_rewrite=allow_rewrite)
            changed = tuple(changed_fields(source.values or {}, values))
            if text == source.text:
                return Saved(slug, source.path, event, ())
            try:
                atomic_write(source.path, text, overwrite=True)
            except OSError as exc:
                raise SaveFailed(source.path, exc) from None
            summary = ", ".join(n if n != BODY else "description" for n in changed)
            if bumped:
                summary += f" (sequence {event.sequence})"
            warning = self.history.record(Change(action, slug, author.name, author.email, summary, (source.path,)))
        self.site.refresh()
        return Saved(slug, source.path, self._published(event), changed, bumped, warning)

    def cancel(self, slug: str, reason: str, version: str, author: Author) -> Saved:
        """Set `status: cancelled` with the reason; the event stays listed and in feeds, marked."""
        reason = reason.strip()
        if not reason:
            raise EditRefused([Problem(slug, None, "status_note", "give the reason; it is shown on the event's page")])
        source = self.source(slug)
        if source.values is None:
            raise EditRefused(
                [Problem(str(source.path), 1, None, "the file cannot be read; fix it in an editor first")]
            )
        values = {**source.values, "status": Status.CANCELLED.value, "status_note": reason}
        return self.update(slug, values, version, author, action="cancelled")

    # --- inside ----------------------------------------------------------------------------

    def _locked(self) -> SaveLock:
        return SaveLock(self._thread_lock, self._file_lock, refused=lambda path, exc: SaveFailed(path, exc))

    def _published(self, event: Event) -> Event:
        return self.site.catalog.by_slug.get(event.slug, event)

    def _slug_problems(self, slug: str) -> list[Problem]:
        if len(slug) > MAX_SLUG or not SLUG.fullmatch(slug):
            return [Problem(slug[:100], None, "slug", "must be lowercase letters, digits and single hyphens "
                            f"(at most {MAX_SLUG}), such as cst-law-enforcement-columbia")]
        if self.path_of(slug) is not None:
            return [Problem(slug, None, "slug", f"an event named {slug!r} already exists",
                            "choose another name, or edit that event")]
        return []

    def _compose(self, source: Source, values: FormValues, allow_rewrite: bool) -> str:
        if source.values is not None:
            try:
                return rewrite_event_file(source.text, source.values, values)
            except CannotKeepLayout as exc:
                if not allow_rewrite:
                    raise EditRefused([Problem(
                        str(source.path), None, None,
                        f"this file cannot be edited in place: {exc}. Saving would rewrite it in the standard "
                        "layout and drop its comments",
                        "tick 'Rewrite the file' to save anyway, or edit the file in an editor",
                    )]) from None
        elif not allow_rewrite:
            raise EditRefused([Problem(
                str(source.path), 1, None,
                "the front matter of this file cannot be read, so saving would replace it whole",
                "tick 'Rewrite the file' to save anyway, or fix the file in an editor",
            )])
        return render_event_file(data_from_values(values), values.get(BODY, ""))

    def _validate(self, text: str, path: Path, *, body_changed: bool) -> Event:
        """Exactly what `calendar-app validate` says of `text` at `path`, plus cross-file checks."""
        shown = display_path(path, self.events_dir)
        try:
            event = load_event_file(path, self.events_dir, self.site.config, last_modified=_now(), data=text.encode())
        except EventFileError as exc:
            extra = _html_problems(text, shown) if body_changed else []
            raise EditRefused(exc.problems + extra, _body_line(text)) from None
        problems = _html_problems(text, shown) if body_changed else []
        for other in self.site.catalog.events:
            if other.uid == event.uid and other.slug != event.slug:
                problems.append(Problem(shown, None, "uid", f"{other.slug} already has this uid",
                                        "leave uid empty to have a new one made"))
        if problems:
            raise EditRefused(problems, _body_line(text))
        return event


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _schedule(event: Event) -> tuple[object, ...]:
    """What calendar apps must hear about: time, place and status."""
    online = event.online
    return (
        event.start, event.end, event.all_day, event.zone.key, str(event.rule) if event.rule else None,
        event.exdates, event.extra, event.changes, event.location.one_line() if event.location else None,
        online is not None, online.url if online else None, event.status,
    )


def _body_changed(source: Source, values: FormValues) -> bool:
    return source.values is None or BODY in changed_fields(source.values, values)


def _body_line(text: str) -> int | None:
    lines = text.splitlines()
    closing = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    return None if closing is None else closing + 2


# Not the pages' parser (`render.markdown.PARSER`), which reads raw HTML as text: this one
# recognises it, so that it can be found and refused.
_MARKDOWN = MarkdownIt("commonmark")


def _html_problems(text: str, shown: str) -> list[Problem]:
    """Raw HTML in a description written through the web: refused, the description is Markdown.

    The pages sanitise what they show anyway; refusing it here tells the person at once, beside
    the field, instead of letting a `<script>` sit in the file for the next reader.
    """
    body_line = _body_line(text)
    if body_line is None:
        return []
    body = "\n".join(text.splitlines()[body_line - 1 :])
    for token in _walk(_MARKDOWN.parse(body)):
        if token.type in ("html_block", "html_inline"):
            line = body_line + (token.map[0] if token.map else 0)
            snippet = token.content.strip().splitlines()[0][:40] if token.content.strip() else "HTML"
            return [Problem(shown, line, BODY, f"contains HTML ({snippet}); write the description in Markdown",
                            "use **bold**, lists and [links](https://...) instead of tags")]
    return []


def _walk(tokens: list) -> list:  # type: ignore[type-arg]
    out = []
    for token in tokens:
        out.append(token)
        if token.children:
            out.extend(_walk(token.children))
    return out
