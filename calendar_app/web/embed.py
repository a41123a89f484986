"""Routes: the embedded list (`/embed`) and the page that writes its frame (`/embed/new`).

`/embed` is the one address another site may show in a frame. Its headers (`framable_headers`,
which `create_app` gives the security middleware for that path alone) name the sites of the
`embed_ancestors` setting in `frame-ancestors`, with this site itself for the preview, and send no
`X-Frame-Options` (it cannot name several sites); every other address keeps `frame-ancestors
'none'` and `X-Frame-Options: DENY`. Its policy is stricter than the pages' in what it loads: no
script at all, and its inline style allowed by its hash alone. A filter it cannot apply is the
listing's 400 page, which may be framed too, so that a partner sees what to fix.

Both are also under `/es` (`/es/embed`, `/es/embed/new`), in Spanish, framable the same way.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from ..core.config import SiteConfig
from ..core.errors import FilterError
from ..core.filters import FILTER_PARAMS
from ..files.site import Site
from ..render.embed import EMBED_PARAMS, EmbedOptions, builder_context, render_embed, style_source
from ..render.language import language_of_path
from ..render.urls import SiteUrls
from .pages import Rendered, cached_page, every_language, filter_error_page, in_every_language, render_template

EMBED_PATH = "/embed"
BUILDER_PATH = "/embed/new"
EMBED_PATHS = tuple(every_language(EMBED_PATH))  # the addresses other sites may frame: `/embed`, `/es/embed`
HTML = "text/html; charset=utf-8"

router = APIRouter(include_in_schema=False)


def content_security_policy(config: SiteConfig) -> str:
    """`/embed`'s policy: its own style (by hash) and this site's stylesheet (the 400 page), no
    script, framed by this site and the `embed_ancestors`."""
    ancestors = " ".join(["'self'", *config.embed_ancestors])
    return (
        f"default-src 'none'; style-src 'self' {style_source()}; img-src 'self' data:; "
        f"base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
    )


def framable_headers(config: SiteConfig, headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """The site's security `headers` as `/embed` sends them: its own policy, no X-Frame-Options."""
    policy = content_security_policy(config)
    return tuple(
        (name, policy if name == "Content-Security-Policy" else value)
        for name, value in headers
        if name != "X-Frame-Options"
    )


def _options(request: Request, site: Site) -> EmbedOptions | Rendered:
    items = list(request.query_params.multi_items())
    try:
        return EmbedOptions.from_query(items, site.config, known=site.catalog.known)
    except FilterError as exc:
        lang = language_of_path(request.url.path)
        return filter_error_page(site, exc, items, request.url.path, FILTER_PARAMS + EMBED_PARAMS, lang=lang)


def _urls(request: Request, site: Site) -> SiteUrls:
    return SiteUrls(site.config.base_url, lang=language_of_path(request.url.path))


@in_every_language(router, EMBED_PATH, ["GET", "HEAD"], response_class=HTMLResponse)
def embed(request: Request) -> Response:
    """The next upcoming events with the listing's filters, at most `limit`, for a frame on another site."""

    def build(site: Site, today: date) -> Rendered:
        options = _options(request, site)
        if not isinstance(options, EmbedOptions):
            return options
        urls = _urls(request, site).full
        return 200, render_embed(site.catalog, site.config, options, today=today, urls=urls).encode("utf-8"), HTML

    return cached_page(request, build)


@in_every_language(router, BUILDER_PATH, ["GET", "HEAD"], response_class=HTMLResponse)
def embed_builder(request: Request) -> Response:
    """What the list with these filters shows, its preview, and the `<iframe>` to paste."""

    def build(site: Site, today: date) -> Rendered:
        options = _options(request, site)
        if not isinstance(options, EmbedOptions):
            return options
        urls = _urls(request, site)
        context = builder_context(site.catalog, site.config, options, today=today, urls=urls)
        return 200, render_template("embed_builder.html", site, {**context, "current": ""}, urls.lang), HTML

    return cached_page(request, build)

