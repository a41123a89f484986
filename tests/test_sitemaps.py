"""sitemap.xml: one file up to the protocol's limit, an index of several beyond it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from calendar_app.build import sitemaps

NS = {"s": sitemaps.NAMESPACE}


def _full(target: str) -> str:
    return "https://trainings.example.org/" + target


def test_one_file_with_last_modified_days() -> None:
    files = sitemaps.sitemap_files([("", None), ("events/a/", "2027-01-05")], _full)
    assert list(files) == ["sitemap.xml"]
    root = ET.fromstring(files["sitemap.xml"].encode())
    assert [u.findtext("s:loc", namespaces=NS) for u in root.findall("s:url", NS)] == [
        "https://trainings.example.org/", "https://trainings.example.org/events/a/",
    ]
    assert root.findall("s:url", NS)[1].findtext("s:lastmod", namespaces=NS) == "2027-01-05"
    assert files["sitemap.xml"].startswith("<?xml version='1.0' encoding='utf-8'?>")


def test_more_addresses_than_one_file_holds_get_an_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sitemaps, "SITEMAP_LIMIT", 2)
    files = sitemaps.sitemap_files([(f"events/{n}/", None) for n in range(5)], _full)
    assert sorted(files) == ["sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml", "sitemap.xml"]
    index = ET.fromstring(files["sitemap.xml"].encode())
    assert index.tag == f"{{{sitemaps.NAMESPACE}}}sitemapindex"
    assert [s.findtext("s:loc", namespaces=NS) for s in index.findall("s:sitemap", NS)] == [
        _full("sitemap-1.xml"), _full("sitemap-2.xml"), _full("sitemap-3.xml"),
    ]
    assert len(ET.fromstring(files["sitemap-3.xml"].encode()).findall("s:url", NS)) == 1


def test_the_text_is_what_elementtree_writes() -> None:
    """Written directly for speed, byte for byte what the standard library's XML writes."""
    urls = [("", None), ("events/a&b/", "2027-01-05"), ("events/<odd>/", None)]
    root = ET.Element("urlset", xmlns=sitemaps.NAMESPACE)
    for target, lastmod in urls:
        item = ET.SubElement(root, "url")
        ET.SubElement(item, "loc").text = _full(target)
        if lastmod:
            ET.SubElement(item, "lastmod").text = lastmod
    ET.indent(root)
    expected = ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
    assert sitemaps.sitemap_files(urls, _full)["sitemap.xml"] == expected
