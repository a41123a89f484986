"""What `error.html` shows: a heading, what went wrong, and ways on.

The server's error pages (a filter that cannot be applied, an address with no page, any other
error) and the static build's 404 page all fill it through `error_context`.
"""

from __future__ import annotations

from typing import Any

NOT_FOUND = "Page not found"
NO_PAGE = "There is no page at this address."


def error_context(
    status: int,
    heading: str,
    message: str,
    *,
    parameter: str | None = None,
    choices: list[tuple[str, str]] | None = None,
    names: list[str] | None = None,
    without_url: str | None = None,
    clear_url: str = "/",
    suggestions: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """The page for `status`: `heading` (also its title) and `message`; for a filter, the
    `parameter` at fault with the valid `choices` as (value, link) or bare `names`, and the
    links without it (`without_url`) or without any (`clear_url`); pages a reader may have
    meant as (title, link) `suggestions`."""
    return {
        "title": heading,
        "heading": heading,
        "status": status,
        "parameter": parameter,
        "message": message,
        "choices": choices or [],
        "names": names or [],
        "without_url": without_url,
        "clear_url": clear_url,
        "suggestions": suggestions or [],
    }


def not_found_context(
    message: str = NO_PAGE, suggestions: list[tuple[str, str]] | None = None, *, clear_url: str = "/"
) -> dict[str, Any]:
    """The 404 page: `message`, the pages a reader may have meant, and a way home (`clear_url`)."""
    return error_context(404, NOT_FOUND, message, suggestions=suggestions, clear_url=clear_url)
