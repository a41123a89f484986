"""Routes: the read-only JSON API, `/api/events` (the listing's filters and paging) and `/api/events/{slug}`.

The response shapes are declared as pydantic models (in `apidata`, which the static build
shares), so they appear in the OpenAPI document at `/openapi.json`. Errors are JSON too: a
filter that cannot be applied is a 400 naming the parameter and the valid choices, an
unknown event a 404.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..core.errors import FilterError
from ..core.filters import Filters
from ..render.apidata import ErrorBody, ErrorDetail, EventDetail, EventList, event_detail, event_list
from ..render.listing import PAGE_PARAMS, parse_page

router = APIRouter(prefix="/api", tags=["events"])


def _site(request: Request) -> Any:
    return request.app.state.site


def _error(status: int, parameter: str | None, message: str, choices: list[str] | None = None) -> JSONResponse:
    body = ErrorBody(error=ErrorDetail(parameter=parameter, message=message, choices=choices or []))
    return JSONResponse(body.model_dump(), status_code=status)


def _flag(items: list[tuple[str, str]], name: str) -> bool:
    values = [v.strip().lower() for k, v in items if k == name]
    if not values or values[-1] in ("", "0", "false", "no", "off"):
        return False
    if values[-1] in ("1", "true", "yes", "on"):
        return True
    raise FilterError(name, f"{values[-1]!r} is not true or false", ["true", "false"])


@router.get(
    "/events",
    response_model=EventList,
    responses={400: {"model": ErrorBody, "description": "A filter that cannot be applied."}},
    summary="Upcoming (or past) events, filtered and paged like the listing",
)
def list_events(request: Request) -> Any:
    """Takes the listing's filters (`type`, `topic`, `audience`, `sponsor`, `region`, `language`,
    `accessibility`, `online`, `free`, `q`, `from`, `to`, `observance`; repeat a parameter for
    alternatives), `page`, and `past=true` for events already over, newest first."""
    site = _site(request)
    items = list(request.query_params.multi_items())
    try:
        past = _flag(items, "past")
        f = Filters.from_query(items, site.config, known=site.catalog.known, allowed_extra=PAGE_PARAMS + ("past",))
        return event_list(site.catalog, site.config, f, today=site.clock.today(), past=past, page=parse_page(items))
    except FilterError as exc:
        return _error(400, exc.parameter, exc.message, exc.choices)


@router.get(
    "/events/{slug}",
    response_model=EventDetail,
    responses={404: {"model": ErrorBody, "description": "No event has this slug."}},
    summary="One event, with its description and every session",
)
def get_event(request: Request, slug: str) -> Any:
    site = _site(request)
    event = site.catalog.by_slug.get(slug)
    if event is None:
        return _error(404, None, f"no event called {slug!r}")
    return event_detail(site.catalog, site.config, event, site.clock.today())
