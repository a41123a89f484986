"""The languages of the public pages: English, in which every word is written, and the
translations of `calendar_app/locale` (gettext catalogs kept with Babel: `make translations`).

A page's language is its address's: `/es/...` is Spanish, every other public address English.
Each language has its own Jinja environment (`rendering.environment(lang=...)`), whose `_()` and
`{% trans %}` read its catalog; the modules that write words in Python (`phrasing`, `listing`,
`entries`, `eventpage`, `errorpage`, `ical/ics`) take the language as `lang` and ask
`words(lang)` for them. English is the source: its words are the catalog's keys themselves, so
an English page reads exactly as the code and templates write it.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DEFAULT_LANGUAGE = "en"
LANGUAGES = ("en", "es")
# Each language named in itself, as the switch to it reads.
SELF_NAMES = {"en": "English", "es": "Español"}
# The Babel locale whose conventions a language's dates and times follow.
BABEL_LOCALES = {"es": "es"}
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"


def N_(text: str) -> str:
    """`text` as it is: marks a string of a table of labels for the catalogs; it is translated
    where it is shown (`words(lang).gettext(label)`)."""
    return text


@dataclass(frozen=True)
class Words:
    """The words of one language: its catalog's translations, English where it has none."""

    lang: str
    catalog: gettext.NullTranslations

    @property
    def english(self) -> bool:
        return self.lang == DEFAULT_LANGUAGE

    def gettext(self, message: str) -> str:
        return self.catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.catalog.ngettext(singular, plural, n)


@cache
def words(lang: str = DEFAULT_LANGUAGE) -> Words:
    """The words of `lang`, one of `LANGUAGES`; its compiled catalog must be there (it ships in the wheel)."""
    if lang not in LANGUAGES:
        raise ValueError(f"{lang!r} is not a language of the site; it has {', '.join(LANGUAGES)}")
    if lang == DEFAULT_LANGUAGE:
        return Words(lang, gettext.NullTranslations())
    return Words(lang, gettext.translation(DOMAIN, LOCALE_DIR, [lang]))


# --- addresses --------------------------------------------------------------------------------


def path_prefix(lang: str) -> str:
    """What a language's addresses start with: "" for English, "/es" for Spanish."""
    return "" if lang == DEFAULT_LANGUAGE else "/" + lang


def language_of_path(path: str) -> str:
    """The language of the page at `path`: "es" for `/es` and `/es/...`, else English."""
    for lang in LANGUAGES:
        prefix = path_prefix(lang)
        if prefix and (path == prefix or path.startswith(prefix + "/")):
            return lang
    return DEFAULT_LANGUAGE


def path_in(path: str, lang: str) -> str:
    """The same page's `path` in `lang`: `/es/events/x` <-> `/events/x`, `/es/` <-> `/`. Always a
    path on this site: `/es//elsewhere.example` gives `/elsewhere.example`, never a `//host` link."""
    prefix = path_prefix(language_of_path(path))
    bare = "/" + path[len(prefix):].lstrip("/")
    return path_prefix(lang) + bare


# --- the reader's preference ------------------------------------------------------------------


def preferred_language(accept_language: str) -> str | None:
    """The site's language an `Accept-Language` header ranks first among the site's languages,
    or None when it names none of them (`*` names none: it asks for nothing in particular)."""
    best: tuple[float, int, str] | None = None
    for position, item in enumerate(accept_language.split(",")[:20]):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked = (quality, -position, primary)
            if best is None or ranked[:2] > best[:2]:
                best = ranked
    return best[2] if best is not None else None
