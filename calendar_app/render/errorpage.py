"""What `error.html` shows: a heading, what went wrong, and ways on.

The server's error pages (a filter that cannot be applied, an address with no page, any other
error) and the static build's 404 page all fill it through `error_context`.
"""

from __future__ import annotations

from typing import Any

from .language import DEFAULT_LANGUAGE, N_, words

NOT_FOUND = N_("Page not found")
NO_PAGE = N_("There is no page at this address.")
FILTER_NOT_APPLIED = N_("That filter could not be applied")


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
    message_lang: str | None = None,
) -> dict[str, Any]:
    """The page for `status`: `heading` (also its title) and `message` (written in `message_lang`
    when that is not the page's language: a filter's problem is told in English); for a filter, the
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
        "message_lang": message_lang,
    }


def not_found_context(
    message: str | None = None,
    suggestions: list[tuple[str, str]] | None = None,
    *,
    clear_url: str = "/",
    lang: str = DEFAULT_LANGUAGE,
) -> dict[str, Any]:
    """The 404 page in the language `lang`: `message` (by default `NO_PAGE`), the pages a reader
    may have meant, and a way home (`clear_url`)."""
    _ = words(lang).gettext
    return error_context(404, _(NOT_FOUND), _(NO_PAGE) if message is None else message, suggestions=suggestions,
                         clear_url=clear_url)
