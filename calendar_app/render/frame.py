"""The page frame every HTML page shares: the site's name, its hotline, its observances, its
addresses, and the same page in the site's other languages.

Public pages, the coordinators' pages and the static build put `site_context` around their
own context; the templates' header and footer (`templates/base.html`) read it. A public page's
context adds `language_links` of itself: the head's `hreflang` alternates and the switch.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..core.config import SiteConfig
from .language import DEFAULT_LANGUAGE, SELF_NAMES
from .urls import SiteUrls

_PHONE = re.compile(r"(?<![\d-])(1-\d{3}-\d{3}-\d{4})(?![\d-])")
# "or text 233733", in Spanish "envíe un mensaje de texto al 233733"
_TEXT_NUMBER = re.compile(r"(?:(?<=text )|(?<=texto al ))(\d{5,6})\b")


def hotline_parts(text: str) -> list[tuple[str, str | None]]:
    """The configured hotline sentence with its phone number as a tel: link and its text number as sms:."""
    parts: list[tuple[str, str | None]] = []
    position = 0
    found = sorted(
        [(m.start(), m.end(), "tel:+" + m.group(1).replace("-", "")) for m in _PHONE.finditer(text)]
        + [(m.start(), m.end(), "sms:" + m.group(1)) for m in _TEXT_NUMBER.finditer(text)]
    )
    for start, end, href in found:
        parts += [(text[position:start], None), (text[start:end], href)]
        position = end
    parts.append((text[position:], None))
    return [p for p in parts if p[0]]


def site_context(config: SiteConfig, urls: SiteUrls | None = None, lang: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """What every page's frame (header, footer) needs, in the language `lang`; coordinator pages pass it too.

    `urls` writes the frame's links: the server's addresses (in `lang`) unless a static build passes its own.
    """
    hotline = config.translated(config.hotline, lang)
    return {
        "lang": lang,
        "site_name": config.translated(config.name, lang),
        "site_description": config.translated(config.description, lang),
        "hotline": hotline,
        "hotline_parts": hotline_parts(hotline),
        "site_observances": config.observances,
        "base_url": config.base_url,
        "host": urlsplit(config.base_url).netloc,
        "urls": urls or SiteUrls(config.base_url, lang=lang),
        "allow_suggestions": config.allow_suggestions,
    }


@dataclass(frozen=True)
class LanguageLink:
    """The page in one language: `lang`, its full address (for `hreflang`), its link as the page
    writes it, and the language's name in itself ("Español")."""

    lang: str
    full: str
    link: str
    name: str


def language_links(urls: SiteUrls, address: Callable[[SiteUrls], str]) -> dict[str, Any] | None:
    """The page that `address(urls)` names, in every language `urls` has pages in: `alternates` for
    the head's `<link rel="alternate" hreflang>` (English also as `x-default`), and `switch`, the
    others, for the header's link to the same page in another language (filters kept). None when
    there is one language (a static build of the English pages alone)."""
    if len(urls.languages) < 2:
        return None
    found = [
        LanguageLink(lang, address(urls.in_language(lang).full), address(urls.in_language(lang)), SELF_NAMES[lang])
        for lang in urls.languages
    ]
    default = next(link for link in found if link.lang == DEFAULT_LANGUAGE)
    return {
        "alternates": [(link.lang, link.full) for link in found] + [("x-default", default.full)],
        "switch": [link for link in found if link.lang != urls.lang],
    }
