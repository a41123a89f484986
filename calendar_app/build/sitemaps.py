"""sitemap.xml for search engines (sitemaps.org protocol), written with the standard library's XML.

One file holds at most 50,000 addresses; a larger site gets `sitemap-1.xml`, `sitemap-2.xml`,
... and a `sitemap.xml` that indexes them.
"""

from __future__ import annotations

from collections.abc import Callable
from xml.etree import ElementTree

SITEMAP_LIMIT = 50_000
NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"


def sitemap_files(urls: list[tuple[str, str | None]], full_url: Callable[[str], str]) -> dict[str, str]:
    """The sitemap files for `urls` (target and last-modified day, or None), by file name."""
    chunks = [urls[i : i + SITEMAP_LIMIT] for i in range(0, len(urls), SITEMAP_LIMIT)] or [[]]
    if len(chunks) == 1:
        return {"sitemap.xml": _urlset(chunks[0], full_url)}
    files: dict[str, str] = {}
    index = ElementTree.Element("sitemapindex", xmlns=NAMESPACE)
    for n, chunk in enumerate(chunks, 1):
        files[f"sitemap-{n}.xml"] = _urlset(chunk, full_url)
        ElementTree.SubElement(ElementTree.SubElement(index, "sitemap"), "loc").text = full_url(f"sitemap-{n}.xml")
    files["sitemap.xml"] = _document(index)
    return files


def _urlset(urls: list[tuple[str, str | None]], full_url: Callable[[str], str]) -> str:
    root = ElementTree.Element("urlset", xmlns=NAMESPACE)
    for target, lastmod in urls:
        item = ElementTree.SubElement(root, "url")
        ElementTree.SubElement(item, "loc").text = full_url(target)
        if lastmod:
            ElementTree.SubElement(item, "lastmod").text = lastmod
    return _document(root)


def _document(root: ElementTree.Element) -> str:
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
