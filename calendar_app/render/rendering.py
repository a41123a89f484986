"""One Jinja environment for every page and e-mail: autoescaped (but plain text), strict about undefined names.

One per language of the public pages (`language.LANGUAGES`): its `_()`, `ngettext()` and
`{% trans %}` read that language's catalog (Jinja's i18n extension, new-style: `_()` formats its
`%(name)s` placeholders itself and escapes what it puts in), `lang` names the language, and the
`type_label` filter writes an event type in it. English, the default, is the templates' own words.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .assets import TEMPLATES_DIR
from .language import DEFAULT_LANGUAGE, words
from .phrasing import type_label


@lru_cache(maxsize=8)
def environment(templates_dir: Path = TEMPLATES_DIR, lang: str = DEFAULT_LANGUAGE) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir)),
        # Escaped everywhere but in plain-text templates (`.txt`: the text part of e-mails), where an
        # entity would be shown as typed.
        autoescape=select_autoescape(["html", "xml"], disabled_extensions=("txt",), default_for_string=True,
                                     default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # A `{% trans %}` block's lines are joined with single spaces, as babel.cfg extracts them.
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(words(lang).catalog, newstyle=True)  # type: ignore[attr-defined]
    env.globals["lang"] = lang
    env.filters["type_label"] = lambda kind: type_label(kind, lang)
    return env
