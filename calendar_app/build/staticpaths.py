"""Where every address of the server lives in the static build, and links rewritten to match.

The pages, feeds and JSON of a static build are rendered exactly as the server renders them,
with the server's addresses in them (`/events/<slug>`, `/?type=webinar`, `/calendar.ics?type=
webinar`). A static host cannot answer a query string, so the build gives every listing it
publishes a folder of its own, and `StaticPaths` maps each server address to the file that
holds it:

| server                               | static build                              |
|--------------------------------------|-------------------------------------------|
| `/`, `/?page=2`                      | `index.html`, `page/2/index.html`         |
| `/past`, `/past?page=2`              | `past/index.html`, `past/page/2/...`      |
| `/?type=webinar` (one type)          | `type/webinar/index.html` (`page/N/`)     |
| `/?sponsor=OJJDP` (one sponsor)      | `sponsor/ojjdp/index.html` (`page/N/`)    |
| `/calendar.ics?type=webinar`         | `type/webinar/calendar.ics`               |
| `/feed.atom?sponsor=OJJDP`           | `sponsor/ojjdp/feed.atom`                 |
| `/events/<slug>`                     | `events/<slug>/index.html`                |
| `/events/<slug>.ics`                 | `events/<slug>.ics`                       |
| `/observances/<id>?year=2027`        | `observances/<id>/2027/index.html`        |
| `/observances/<id>.ics?year=2027`    | `observances/<id>/2027.ics`               |
| `/api/events`                        | `api/events.json`                         |
| `/api/events?page=2` (`past=true`)   | `api/events/upcoming/2.json` (`past/`)    |
| `/api/events?type=webinar&page=2`    | `api/events/type/webinar/2.json`          |
| `/api/events/<slug>`                 | `api/events/<slug>.json`                  |

Any other listing address (`/?topic=youth`, `/past?type=webinar`) becomes the listing page
with its query kept, where the browser filters the built JSON (`static/static-filter.js`).
Links in a page become relative to it (`../../type/webinar/`) or, with an absolute base,
full addresses; addresses outside the site are left alone.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote

from ..core.catalog import Catalog, Filters
from ..core.config import SiteConfig
from ..core.model import normalize_tag

GOOGLE_SUBSCRIBE = "https://calendar.google.com/calendar/r?cid="
_TRUE = {"1", "true", "yes", "on"}
# Files only the build writes: every upcoming and past event for filtering in the browser, and
# what static hosts and search engines look for.
BUILD_ONLY = ("/api/upcoming.json", "/api/past.json", "/sitemap.xml", "/robots.txt", "/404.html")

# A start tag and its attributes, as the HTML standard spells them. Text and attribute values
# in our pages are escaped (Jinja's autoescape, nh3 for descriptions), so a "<" that starts a
# tag can only be a tag, and rewriting inside tags leaves every text alone.
_START_TAG = re.compile(
    r"<[a-zA-Z][^\s/>]*(?:\s+[^\s\"'>/=]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*\s*/?>"
)
_URL_ATTRIBUTE = re.compile(r"(\s)(href|src|action|value)=\"([^\"]*)\"")


@dataclass(frozen=True)
class Variant:
    """A listing the static build publishes as pages, a feed and JSON of its own."""

    kind: str  # "all", "type" or "sponsor"
    value: str
    folder: str  # "" for every event, "type/webinar/", "sponsor/ojjdp/"
    label: str

    @property
    def filters(self) -> Filters:
        if self.kind == "type":
            return Filters(types=(self.value,))
        if self.kind == "sponsor":
            return Filters(sponsors=(self.value,))
        return Filters()

    @property
    def api_folder(self) -> str:
        return self.folder.rstrip("/") or "upcoming"


def path_segment(value: str) -> str:
    """A folder name for a type or sponsor: lowercase ASCII letters, digits and hyphens."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _variants(config: SiteConfig, catalog: Catalog) -> list[Variant]:
    """Every event, each configured type, and each sponsor (configured or named by an event)."""
    found = [Variant("all", "", "", "Every event")]
    taken: set[tuple[str, str]] = set()

    def folder(kind: str, value: str) -> str:
        base = path_segment(value) or kind
        name, n = base, 1
        while (kind, name) in taken:  # two values that spell the same folder name
            n += 1
            name = f"{base}-{n}"
        taken.add((kind, name))
        return f"{kind}/{name}/"

    for kind in config.types:
        found.append(Variant("type", kind, folder("type", kind), kind.capitalize()))
    sponsors: dict[str, tuple[str, str]] = {}
    for sponsor in config.sponsors:
        sponsors.setdefault(normalize_tag(sponsor.id), (sponsor.id, f"{sponsor.name} ({sponsor.id})"))
    for event in catalog.events:
        for name in event.fields.sponsors:
            sponsors.setdefault(normalize_tag(name), (name, name))
    for _key, (value, label) in sorted(sponsors.items()):
        found.append(Variant("sponsor", value, folder("sponsor", value), label))
    return found


class StaticPaths:
    """The server's addresses mapped to the files of a static build (see the module docstring)."""

    def __init__(self, config: SiteConfig, catalog: Catalog, *, absolute: bool) -> None:
        self.base = config.base_url
        self.absolute = absolute
        self.slugs = set(catalog.by_slug)
        self.observances = {o.id for o in config.observances}
        self.variants = _variants(config, catalog)
        self._types = {v.value: v for v in self.variants if v.kind == "type"}
        self._sponsors = {normalize_tag(v.value): v for v in self.variants if v.kind == "sponsor"}
        self.unmapped: set[str] = set()
        self._links: dict[tuple[str, str | None], str] = {}  # every page repeats the same few dozen links

    # --- server address -> file ----------------------------------------------------------------

    def variant_of(self, items: list[tuple[str, str]]) -> Variant | None:
        """The published listing that holds exactly what the filters `items` select, if any."""
        if not items:
            return self.variants[0]
        if len(items) != 1 or "," in items[0][1]:
            return None
        name, value = items[0]
        if name == "type":
            return self._types.get(value.strip())
        if name == "sponsor":
            return self._sponsors.get(normalize_tag(value))
        return None

    def target(self, path: str, query: str = "") -> str | None:
        """The file (or folder) of the build that answers `path?query`, relative to its root.

        Folders end in "/" (their index.html answers). A listing the build has no folder for
        keeps its query on the listing page; an address the build cannot answer gives None.
        """
        items = parse_qsl(query, keep_blank_values=True)
        page_values = [v for k, v in items if k == "page"]
        page_text = page_values[-1].strip() if page_values else "1"
        page = int(page_text) if page_text.isdigit() and int(page_text) >= 1 else None
        rest = [(k, v) for k, v in items if k != "page"]
        if path in ("/", "/past"):
            past = path == "/past"
            variant = self.variant_of(rest)
            if page is not None and variant is not None and (not past or variant.kind == "all"):
                folder = "past/" if past else variant.folder
                return folder + (f"page/{page}/" if page > 1 else "")
            return ("past/" if past else "") + (("?" + query) if query else "")
        if path in ("/calendar.ics", "/feed.atom"):
            name = path[1:]
            variant = self.variant_of(items)
            if variant is not None:
                return variant.folder + name
            if name == "calendar.ics" and len(items) == 1 and items[0][0] == "observance":
                return self.target(f"/observances/{items[0][1]}.ics") if items[0][1] in self.observances else None
            return None
        if path == "/api/events":
            past = any(k == "past" and v.strip().lower() in _TRUE for k, v in rest)
            filters = [(k, v) for k, v in rest if k != "past"]
            variant = self.variant_of(filters)
            if page is None or variant is None or (past and variant.kind != "all"):
                return None
            if not past and variant.kind == "all" and page == 1:
                return "api/events.json"
            return f"api/events/{'past' if past else variant.api_folder}/{page}.json"
        return self._target_of_path(path, items)

    def _target_of_path(self, path: str, items: list[tuple[str, str]]) -> str | None:
        year = next((v for k, v in items if k == "year"), None)
        if year is not None and not (year.isdigit() and len(year) == 4):
            return None
        if path.startswith("/api/events/"):
            slug = path[len("/api/events/") :]
            return f"api/events/{slug}.json" if slug in self.slugs and not items else None
        if path.startswith("/events/"):
            name = path[len("/events/") :]
            if name.endswith(".ics") and name[:-4] in self.slugs:
                return f"events/{name}"
            return f"events/{name}/" if name in self.slugs else None
        if path == "/observances":
            return "observances/"
        if path.startswith("/observances/"):
            name = path[len("/observances/") :]
            if name.endswith(".ics") and name[:-4] in self.observances:
                return f"observances/{name[:-4]}/{year}.ics" if year else f"observances/{name}"
            if name in self.observances:
                return f"observances/{name}/" + (f"{year}/" if year else "")
            return None
        if path in ("/subscribe", "/help/subscribe"):
            return path[1:] + "/"
        if path.startswith("/static/") or path in BUILD_ONLY:
            return path[1:]
        return None

    # --- links in pages --------------------------------------------------------------------------

    def url(self, target: str, page_dir: str | None) -> str:
        """How a page in `page_dir` ("events/<slug>/") links to the build's `target`; with no
        `page_dir` (a page served at many addresses, such as 404.html) the link is absolute."""
        if self.absolute or page_dir is None:
            return f"{self.base}/{target}"
        if target.startswith("?"):
            target = "./" + target if not page_dir else target
        up = "../" * page_dir.count("/")
        return (up + target) or "./"

    def full_url(self, target: str) -> str:
        """The public address of `target`, for feeds, sitemaps and subscribe links."""
        return f"{self.base}/{target}"

    def link(self, url: str, page_dir: str | None) -> str:
        """`url` as written by the server's templates, made to point into the static build."""
        if url.startswith(GOOGLE_SUBSCRIBE):
            inner = unquote(url[len(GOOGLE_SUBSCRIBE) :])
            return GOOGLE_SUBSCRIBE + quote(self.link(inner, page_dir), safe="")
        if url.startswith("webcal://"):
            scheme = self.base.split("://", 1)[0]
            mapped = self.link(f"{scheme}://{url[len('webcal://'):]}", page_dir)
            return "webcal://" + mapped.split("://", 1)[1] if "://" in mapped else url
        if url == self.base or url.startswith((self.base + "/", self.base + "?")):
            target = self._target_of_url(url[len(self.base) :] or "/")
            return url if target is None else self.full_url(target)
        if url.startswith("/") and not url.startswith("//"):
            target = self._target_of_url(url)
            return url if target is None else self.url(target, page_dir)
        return url

    def _target_of_url(self, path_and_query: str) -> str | None:
        rest, _, fragment = path_and_query.partition("#")
        path, _, query = rest.partition("?")
        target = self.target(path, query)
        if target is None:
            self.unmapped.add(path_and_query)
            return None
        return target + ("#" + fragment if fragment else "")

    def rewrite_html(self, text: str, page_dir: str | None) -> str:
        """Every link of the page `text` (in `page_dir`) pointed into the static build."""

        def attribute(match: re.Match[str]) -> str:
            space, name, raw = match.groups()
            value = html.unescape(raw)
            if name == "value" and not value.startswith(("http://", "https://", "webcal://")):
                return match.group(0)  # form values are words ("webinar"), not links
            mapped = self._links.get((value, page_dir))
            if mapped is None:
                mapped = self._links[(value, page_dir)] = self.link(value, page_dir)
            if mapped == value:
                return match.group(0)
            return f'{space}{name}="{html.escape(mapped, quote=True)}"'

        def tag(match: re.Match[str]) -> str:
            return _URL_ATTRIBUTE.sub(attribute, match.group(0))

        return _START_TAG.sub(tag, text)
