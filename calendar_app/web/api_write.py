"""Routes: the write API for coordinators' scripts, authenticated with `Authorization: Bearer`.

`POST /api/events` creates, `PUT /api/events/{slug}` replaces, `POST /api/events/{slug}/cancel`
cancels; `GET /api/events/{slug}/source` gives the file's fields as written and its version.
Tokens come from `calendar-app coordinator token NAME`. A replacement must say which version it
started from (`If-Match` with the version or ETag): a file changed since is a 412, never
overwritten. Problems come back as 422 with the validator's own messages, field by field.
Session cookies are not accepted here, so no page elsewhere can make a browser call these.
Saves run off the event loop: they write under a lock another worker may hold.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from ..core.errors import EventFileError, Problem
from ..core.fields import EventFields
from ..core.frontmatter import split_front_matter
from ..core.loader import load_event_file
from ..desk.accounts import Coordinator
from ..desk.editing import EditConflict, EditRefused, EventNotFound, Saved
from ..desk.eventform import data_from_values
from ..render.urls import SiteUrls
from .desk import author_of, client_address, desk_of, pause, read_body

router = APIRouter(prefix="/api/events", tags=["coordinators"], responses={
    401: {"description": "No token, or one that is wrong, revoked or its coordinator's no more."},
    429: {"description": "Too many wrong tokens from this address; `Retry-After` says for how long."},
})
bearer = HTTPBearer(auto_error=False, description="An API token from `calendar-app coordinator token NAME`.")
MAX_JSON_BYTES = 512 * 1024


class EventInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slug: str | None = Field(default=None, description="File name without .md; made from the title when absent.")
    fields: dict[str, Any] = Field(
        description="The front matter, as in an event file (see `calendar-app schema`).",
        examples=[
            {"title": "Forced Labor in Restaurant Kitchens", "type": "webinar", "start": "2027-04-13 14:00",
             "online": True}
        ],
    )
    description: str = Field(default="", description="The description, in Markdown.")


class CancelInput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(description="Why the event is cancelled; shown on its page.")


class EventWritten(BaseModel):
    slug: str
    url: str
    version: str = Field(description="The file's content hash; send it back in If-Match to change the event.")
    sequence: int
    sequence_bumped: bool
    changed: list[str]
    warning: str | None = None


class EventSource(BaseModel):
    slug: str
    version: str
    fields: dict[str, Any]
    description: str


def token_holder(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Coordinator:
    desk = desk_of(request)
    coordinator = desk.accounts.check_token(credentials.credentials) if credentials else None
    if coordinator is not None:
        # Never paused: wrong tokens sent by others from a shared address must not lock it out.
        return coordinator
    if credentials:
        # Wrong tokens count against the address like failed logins: a token cannot be guessed,
        # but a flood of guesses (or a script with a revoked token) is told to stop.
        wait = desk.failed_by_address.take("token:" + client_address(request))
        if wait > 0:
            words, headers = pause(wait)
            raise HTTPException(
                429,
                f"Too many requests with a wrong API token from your address. Try again in {words}.",
                headers=headers,
            )
    raise HTTPException(401, "A valid API token is required (Authorization: Bearer ...).",
                        headers={"WWW-Authenticate": 'Bearer realm="calendar"'})


Token = Depends(token_holder)
_PROBLEMS: dict[int | str, dict[str, Any]] = {
    413: {"description": "The request is larger than the limit."},
    422: {"description": "The event would not validate; `problems` says where and why."},
    503: {"description": "The disk refused the write (full or read-only); nothing was changed."},
}
_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "There is no event by that name."}}
_CHANGED: dict[int | str, dict[str, Any]] = {
    412: {"description": "The file changed since that version; `ETag` is the current one."},
}


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}}}


async def _parse(request: Request, model: type[BaseModel]) -> Any:
    raw = await read_body(request, MAX_JSON_BYTES)
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        problems = [{"field": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()]
        raise HTTPException(422, problems) from None


def _refused(problems: list[Problem], status: int = 422) -> JSONResponse:
    items = [{"field": p.field, "message": p.message, "hint": p.hint, "line": p.line} for p in problems]
    return JSONResponse({"detail": "The event was not saved.", "problems": items}, status_code=status)


def _written(request: Request, saved: Saved, status: int) -> JSONResponse:
    urls = SiteUrls(desk_of(request).site.config.base_url)
    body = EventWritten(
        slug=saved.slug, url=urls.full.event(saved.slug), version=saved.event.content_hash,
        sequence=saved.event.sequence, sequence_bumped=saved.sequence_bumped, changed=list(saved.changed),
        warning=saved.warning,
    )
    headers = {"ETag": f'"{saved.event.content_hash}"', "Location": urls.event(saved.slug)}
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


async def _save(request: Request, status: int, save: Callable[[], Saved]) -> JSONResponse:
    """Run `save` off the event loop (it waits for a lock another worker may hold) and answer with
    the event written, or with why not: where the desk's refusals become HTTP answers."""
    try:
        saved = await run_in_threadpool(save)
    except EventNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except EditConflict as exc:
        raise HTTPException(412, str(exc), headers={"ETag": f'"{exc.current}"'}) from None
    except EditRefused as exc:
        return _refused(exc.problems, exc.status)
    return _written(request, saved, status)


def _if_match(request: Request) -> str | None:
    value = request.headers.get("if-match")
    return value.strip().removeprefix("W/").strip('"') if value else None


@router.post("", status_code=201, response_model=EventWritten, responses=_PROBLEMS, openapi_extra=_schema(EventInput))
async def create_event(request: Request, coordinator: Coordinator = Token) -> JSONResponse:
    """Create an event file; it is published at once."""
    data: EventInput = await _parse(request, EventInput)
    editor = desk_of(request).editor

    def save() -> Saved:
        values = editor.values_from_input(data.fields, data.description)
        return editor.create(values, author_of(coordinator), data.slug)

    return await _save(request, 201, save)


@router.get("/{slug}/source", response_model=EventSource, responses={
    **_FOUND, 409: {"description": "The file on disk does not validate; `problems` says where and why."}})
def event_source(request: Request, slug: str, coordinator: Coordinator = Token) -> JSONResponse:
    """The event file's fields as written, its description, and its version for If-Match.

    The fields are the file's keys only (no defaults filled in), each value of the JSON type the
    field has: `online: true` is `true`, `sequence: 2` is `2`, as a PUT takes them back.
    """
    desk = desk_of(request)
    try:
        source = desk.editor.source(slug)
        front = split_front_matter(source.text, str(source.path))
        # The front matter keeps every value as the text typed; the model gives each its type, and
        # the loader says what is wrong with a file the model refuses.
        load_event_file(source.path, desk.site.events_dir, desk.site.config, data=source.text.encode())
    except EventNotFound:
        raise HTTPException(404, f"no event {slug!r}") from None
    except EventFileError as exc:
        return _refused(exc.problems, 409)
    fields = EventFields.model_validate(front.data).model_dump(mode="json", by_alias=True, exclude_unset=True)
    body = EventSource(slug=slug, version=source.version, fields=fields, description=front.body.strip("\n"))
    return JSONResponse(body.model_dump(), headers={"ETag": f'"{source.version}"'})


@router.put("/{slug}", response_model=EventWritten, responses={**_PROBLEMS, **_FOUND, **_CHANGED,
            428: {"description": "If-Match is missing."}}, openapi_extra=_schema(EventInput))
async def replace_event(request: Request, slug: str, coordinator: Coordinator = Token) -> JSONResponse:
    """Replace an event's fields and description. Send `If-Match` with the version you started from.

    Fields left out are removed, except `uid`, `sequence` and `source`, which keep their values
    (and `sequence` rises by itself when the time, place or status change).
    """
    version = _if_match(request)
    if not version:
        raise HTTPException(428, "Send If-Match with the version you started from (GET /api/events/{slug}/source).")
    data: EventInput = await _parse(request, EventInput)
    editor = desk_of(request).editor

    def save() -> Saved:
        current = editor.source(slug)
        fields = dict(data.fields)
        if current.values is not None:
            for key in ("uid", "sequence"):
                if key not in fields and current.values.get(key):
                    fields[key] = current.values[key]
            if "source" not in fields and current.values.get("source"):  # where a sync brought it from
                fields["source"] = data_from_values(current.values)["source"]
        values = editor.values_from_input(fields, data.description)
        return editor.update(slug, values, version, author_of(coordinator))

    return await _save(request, 200, save)


@router.post("/{slug}/cancel", response_model=EventWritten, responses={**_PROBLEMS, **_FOUND, **_CHANGED},
             openapi_extra=_schema(CancelInput))
async def cancel_event(request: Request, slug: str, coordinator: Coordinator = Token) -> JSONResponse:
    """Cancel an event: it stays listed, marked cancelled with the reason, and its sequence rises.

    `If-Match` is optional here: without it the cancellation applies to the current version.
    """
    data: CancelInput = await _parse(request, CancelInput)
    editor = desk_of(request).editor
    asked = _if_match(request)

    def save() -> Saved:
        version = asked or editor.source(slug).version
        return editor.cancel(slug, data.reason, version, author_of(coordinator))

    return await _save(request, 200, save)
