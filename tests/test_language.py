"""The languages of the public pages: every word of them in the Spanish catalog, no word of a
public template left out of the catalogs, the catalogs compiled, the addresses of each language,
and the language a reader's browser asks for."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog as MessageCatalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from jinja2 import nodes

from calendar_app.core.config import PREVENTION_MONTH, SiteConfig
from calendar_app.render.language import (
    LANGUAGES,
    LOCALE_DIR,
    language_of_path,
    path_in,
    preferred_language,
    words,
)
from calendar_app.render.rendering import environment

from .conftest import ROOT

TEMPLATES = ROOT / "templates"
# Not public pages: the coordinators' login (its pages under templates/manage/ stay English too).
ENGLISH_ONLY = {"login.html"}
PUBLIC_TEMPLATES = sorted(p.name for p in TEMPLATES.glob("*.html") if p.name not in ENGLISH_ONLY)
OTHER_LANGUAGES = [lang for lang in LANGUAGES if lang != "en"]
# Attributes a person reads or hears.
READ_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "label"}


Message = str | tuple[str, ...]  # an id, or a singular and its plural


def extracted() -> dict[str | tuple[str, str], Message]:
    """Every message babel.cfg names, extracted afresh from the templates and the code, by its id
    (with its context, when it has one)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str | tuple[str, str], Message] = {}
    for _file, _line, message, _comments, context in extract_from_dir(ROOT, method_map, options_map):
        key = message[0] if isinstance(message, tuple) else message
        found[(context, key) if context else key] = message
    return found


def catalog_of(lang: str) -> MessageCatalog:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=lang)


def test_extraction_finds_the_words_of_the_pages_and_the_code() -> None:
    found = extracted()
    assert "Upcoming trainings and events" in found  # a template's
    assert "Report human trafficking" in found  # the frame's
    assert "online %(kinds)s" in found  # the filters in words (feed names, headings)
    assert "This calendar holds only %(title)s." in found  # a feed's description
    assert "Eastern Time" in found and "webinars" in found  # tables of labels, marked with N_
    assert found["%(num)d upcoming event"] == ("%(num)d upcoming event", "%(num)d upcoming events")
    assert not any("Coordinators" in str(key) for key in found)  # the coordinators' pages stay out


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_every_word_of_the_public_site_is_translated(lang: str) -> None:
    catalog = catalog_of(lang)
    missing, fuzzy, empty = [], [], []
    for key, message in extracted().items():
        context, msgid = key if isinstance(key, tuple) else (None, key)
        entry = catalog.get(msgid, context=context)
        if entry is None:
            missing.append(message)
        elif entry.fuzzy:
            fuzzy.append(msgid)
        elif not all(entry.string) if isinstance(entry.string, tuple) else not entry.string:
            empty.append(msgid)
    assert not missing, f"not in the {lang} catalog: {missing} Hint: run `make translations`, then translate them"
    assert not fuzzy, f"fuzzy in the {lang} catalog (check, then remove the flag): {fuzzy}"
    assert not empty, f"untranslated in the {lang} catalog: {empty}"


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_translations_keep_their_placeholders(lang: str) -> None:
    """A translation that names a placeholder its English does not have would fail on the page."""
    catalog = catalog_of(lang)
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalog.check() if errors]
    assert problems == []
    for message in catalog:
        if not message.id:
            continue
        english = " ".join(message.id) if isinstance(message.id, tuple) else message.id
        translated = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in translated:
            assert set(re.findall(r"%\((\w+)\)", text)) <= set(re.findall(r"%\((\w+)\)", english)), message.id
            assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", english)), message.id
            # Its links and tags kept (a translation may drop a tag that only styles, never add one).
            assert _tags(text) <= _tags(english) and _tags(text, "a") == _tags(english, "a"), message.id


def _tags(text: str, name: str = "[a-z]+") -> set[str]:
    return set(re.findall(rf"</?(?:{name})\b[^>]*>", text))


def test_the_template_of_the_catalogs_is_what_the_code_says() -> None:
    with (LOCALE_DIR / "messages.pot").open("rb") as pot:
        template = read_po(pot)
    kept = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in template if m.id}
    found = {key if isinstance(key, tuple) else (None, key) for key in extracted()}
    assert found - kept == set(), "Hint: run `make translations`"
    assert kept - found == set(), "Hint: run `make translations`"


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_the_compiled_catalog_is_the_catalog(lang: str) -> None:
    """The .mo the site reads (and the wheel carries) is the .po as `make translations` compiles it."""
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    compiled = BytesIO()
    write_mo(compiled, catalog_of(lang))
    with (folder / "messages.mo").open("rb") as mo:
        committed = read_mo(mo)
    fresh = read_mo(BytesIO(compiled.getvalue()))
    assert _pairs(committed) == _pairs(fresh), "Hint: run `make translations`"


def _pairs(catalog: MessageCatalog) -> dict[tuple[str | None, str], Message]:
    return {(m.context, str(m.id)): m.string for m in catalog if m.id}


# --- no word of a public template outside the catalogs ------------------------------------------


class _Text(HTMLParser):
    """The words of a piece of HTML a person reads: its text and its read attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        self.found += [value for name, value in attrs if name in READ_ATTRIBUTES and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.found.append(data)


def _untranslated(tree: nodes.Template) -> list[str]:
    """Words a template writes itself rather than through `_()` or `{% trans %}`: its own text and
    read attributes (its HTML taken whole, whatever it fills in standing as a mark without words),
    and string constants it outputs."""
    parser = _Text()
    parser.feed("\ue000".join(node.data for node in tree.find_all(nodes.TemplateData)))
    parser.close()
    own = [" ".join(text.replace("\ue000", " ").split()) for text in parser.found if re.search(r"[A-Za-z]{2}", text)]
    return own + list(_constants(tree))


def _constants(node: nodes.Node, parent: nodes.Node | None = None) -> Iterator[str]:
    """String constants a template outputs (one compared with a value, or passed to a function or a
    filter, is a key, not words)."""
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        spoken = isinstance(parent, (nodes.Output, nodes.CondExpr, nodes.Concat, nodes.Add))
        if spoken and re.search(r"[A-Za-z]{2}", node.value) and (" " in node.value or node.value[:1].isupper()):
            yield node.value
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name in (
        "_", "gettext", "ngettext", "pgettext", "npgettext"
    ):
        return
    for child in node.iter_child_nodes():
        yield from _constants(child, node)


@pytest.mark.parametrize("name", PUBLIC_TEMPLATES)
def test_a_public_template_writes_every_word_through_the_catalogs(name: str) -> None:
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    tree = environment().parse(source)
    assert _untranslated(tree) == [], f"{name}: wrap these in {{% trans %}} or _(), then run `make translations`"


def test_the_check_finds_a_word_left_out() -> None:
    tree = environment().parse(
        '<p title="Read me">Hello {{ _("Kept") }} {{ "Said aloud" if x else "" }}</p>'
        '{% if y == "Tentative" %}{% trans %}Also kept{% endtrans %}{% endif %}'
    )
    assert sorted(_untranslated(tree)) == ["Hello", "Read me", "Said aloud"]


# --- the site's own words -----------------------------------------------------------------------


def test_the_defaults_words_are_built_in_in_spanish() -> None:
    config = SiteConfig()
    said = [config.name, config.description, config.hotline, PREVENTION_MONTH.name, PREVENTION_MONTH.description]
    said += [k.name for k in PREVENTION_MONTH.key_dates] + [k.description for k in PREVENTION_MONTH.key_dates]
    said += [link.title for link in PREVENTION_MONTH.links]
    assert [text for text in said if config.translated(text, "es") == text] == []
    assert config.translated(PREVENTION_MONTH.name, "es") == (
        "Mes Nacional de Prevención de la Esclavitud y la Trata de Personas"
    )
    assert config.translated(config.hotline, "es") == (
        "Línea Nacional contra la Trata de Personas: 1-888-373-7888 (se habla español), "
        "o envíe un mensaje de texto al 233733"
    )


def test_a_site_translates_its_own_words_and_keeps_the_rest() -> None:
    config = SiteConfig(name="Tri-County Trainings", translations={"es": {"Tri-County Trainings": "Capacitaciones"}})
    assert config.translated("Tri-County Trainings", "es") == "Capacitaciones"
    assert config.translated("Tri-County Trainings", "en") == "Tri-County Trainings"
    assert config.translated("A text nobody translated", "es") == "A text nobody translated"
    assert config.translated(SiteConfig().hotline, "es").startswith("Línea Nacional")  # the defaults' still apply


# --- addresses and the reader's language ---------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "lang", "english", "spanish"),
    [
        ("/", "en", "/", "/es/"),
        ("/es/", "es", "/", "/es/"),
        ("/es", "es", "/", "/es/"),
        ("/es/events/cst-ler", "es", "/events/cst-ler", "/es/events/cst-ler"),
        ("/past", "en", "/past", "/es/past"),
        ("/estonia", "en", "/estonia", "/es/estonia"),  # not a Spanish page: a page whose name starts with es
        ("/es//elsewhere.example", "es", "/elsewhere.example", "/es/elsewhere.example"),  # never a //host link
    ],
)
def test_a_page_in_each_language(path: str, lang: str, english: str, spanish: str) -> None:
    assert language_of_path(path) == lang
    assert (path_in(path, "en"), path_in(path, "es")) == (english, spanish)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("es-MX,es;q=0.9,en;q=0.8", "es"),
        ("es", "es"),
        ("ES-us", "es"),
        ("en-US,en;q=0.9,es;q=0.8", "en"),
        ("en;q=0.5, es;q=0.9", "es"),
        ("fr-FR,fr;q=0.9,es;q=0.5,en;q=0.4", "es"),  # the first of the site's languages it names
        ("fr-FR,fr;q=0.9", None),
        ("es;q=0", None),
        ("es;q=nonsense", None),
        ("*", None),
        ("", None),
    ],
)
def test_the_language_a_browser_ranks_first(header: str, expected: str | None) -> None:
    assert preferred_language(header) == expected


def test_english_words_are_the_catalogs_keys() -> None:
    assert words("en").gettext("Upcoming trainings and events") == "Upcoming trainings and events"
    assert words("es").gettext("Upcoming trainings and events") == "Próximas capacitaciones y eventos"
    assert words("es").ngettext("%(num)d upcoming event", "%(num)d upcoming events", 2) % {"num": 2} == (
        "2 próximos eventos"
    )
    with pytest.raises(ValueError, match="not a language of the site"):
        words("xx")


def test_the_wheel_carries_the_catalogs() -> None:
    """pyproject.toml lists each language's catalog folder (a new language adds its own)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for lang in OTHER_LANGUAGES:
        assert f'"calendar_app.locale.{lang}.LC_MESSAGES"' in text
        assert Path(LOCALE_DIR / lang / "LC_MESSAGES" / "messages.mo").is_file()
