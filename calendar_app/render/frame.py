"""The page frame every HTML page shares: the site's name, its hotline, its observances and its addresses.

Public pages, the coordinators' pages and the static build put `site_context` around their
own context; the templates' header and footer (`templates/base.html`) read it.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from ..core.config import SiteConfig
from .urls import SiteUrls

_PHONE = re.compile(r"(?<![\d-])(1-\d{3}-\d{3}-\d{4})(?![\d-])")
_TEXT_NUMBER = re.compile(r"(?<=text )(\d{5,6})\b")


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


def site_context(config: SiteConfig, urls: SiteUrls | None = None) -> dict[str, Any]:
    """What every page's frame (header, footer) needs; coordinator pages pass it too.

    `urls` writes the frame's links: the server's addresses unless a static build passes its own.
    """
    return {
        "site_name": config.name,
        "site_description": config.description,
        "hotline": config.hotline,
        "hotline_parts": hotline_parts(config.hotline),
        "site_observances": config.observances,
        "base_url": config.base_url,
        "host": urlsplit(config.base_url).netloc,
        "urls": urls or SiteUrls(config.base_url),
        "allow_suggestions": config.allow_suggestions,
    }
