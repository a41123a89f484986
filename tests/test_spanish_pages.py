"""The public site in Spanish over HTTP, as a reader sees it: `/es/...` mirrors the listing, past
events, event pages, observances, the subscribe help and the error pages; every page names its
other language (`hreflang`) and links to it; a first visit to `/` from a browser that prefers
Spanish goes to `/es/`; the Spanish pages' feeds are named in Spanish."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date
from html import unescape

import pytest
from fastapi.testclient import TestClient

from .test_pages import JANUARY, sample_client, text

BASE = "http://127.0.0.1:8000"  # the sample configuration names no base_url


@pytest.fixture(scope="module")
def client() -> TestClient:
    return sample_client(JANUARY)


def seen(html: str) -> str:
    """The page's text with Unicode's narrow spaces as plain ones ("2 p.\u202fm." reads "2 p. m.")."""
    return unicodedata.normalize("NFKC", text(html))


def alternates(html: str) -> dict[str, str]:
    return {lang: unescape(href) for lang, href in re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html)}


def switch(html: str) -> list[tuple[str, str, str]]:
    found = re.search(r'<p class="language-switch">(.*?)</p>', html, re.S)
    assert found, "no language switch"
    links = re.findall(r'<a href="([^"]*)" hreflang="([^"]+)" lang="[^"]+" rel="alternate">([^<]+)</a>', found.group(1))
    return [(unescape(href), lang, name) for href, lang, name in links]


# --- the pages in Spanish ------------------------------------------------------------------------


def test_the_listing_in_spanish(client: TestClient) -> None:
    response = client.get("/es/")
    assert response.status_code == 200
    html = response.text
    page = seen(html)
    assert '<html lang="es">' in html
    assert "<h1>Próximas capacitaciones y eventos</h1>" in html
    assert re.search(r"\d+ próximos eventos\. Se muestran del 1 al 20\.", page)
    assert re.findall(r'<h2 id="month-[\d-]+">(.*?)</h2>', html)[:2] == ["Enero de 2027", "Febrero de 2027"]
    # Dates and times in Spanish conventions; the events' titles as written.
    assert "FY 2027 Enhanced Collaborative Model to Combat Human Trafficking: Pre-Application Webinar" in page
    assert "19 de enero de 2027 | 2 p. m. ET | En línea" in page
    assert "Serie de 3 sesiones, 6 - 27 de enero de 2027" in page
    assert "Seminario web · Patrocinado por OVC, BJA · Gratuito · Destacado" in page
    assert "Los eventos se imparten en inglés, salvo que se indique otro idioma." in page
    # The January observance and the hotline in Spanish, the hotline's numbers still links.
    assert "Mes Nacional de Prevención de la Esclavitud y la Trata de Personas" in page
    assert "11 de enero de 2027: Día Nacional de Concientización sobre la Trata de Personas" in page
    assert (
        "Línea Nacional contra la Trata de Personas: 1-888-373-7888 (se habla español), "
        "o envíe un mensaje de texto al 233733"
    ) in page
    assert 'href="tel:+18883737888"' in html and 'href="sms:233733"' in html
    assert "En caso de emergencia, llame al 911." in page
    # Its links stay in Spanish; the event .ics downloads, assets and API have one address.
    assert 'href="/es/events/fy-2027-ecm-pre-application-webinar"' in html
    assert 'href="/es/past"' in html and 'href="/es/subscribe"' in html
    assert 'value="http://127.0.0.1:8000/es/calendar.ics"' in html
    assert 'href="/static/style.css"' in html


def test_filters_read_in_spanish(client: TestClient) -> None:
    html = client.get("/es/?type=webinar&online=true&free=true&language=es&accessibility=captions").text
    page = seen(html)
    assert "seminarios web en línea sin costo en español con subtítulos" in page
    assert "Tipo: Seminario web" in page and "Solo en línea" in page and "Idioma: Español" in page
    empty = seen(client.get("/es/?q=zebra").text)
    assert 'No hay próximos eventos que coinciden con "zebra".' in empty
    assert "Ningún próximo evento coincide con estos filtros." in empty


def test_an_event_page_in_spanish(client: TestClient) -> None:
    html = client.get("/es/events/fy-2027-ecm-pre-application-webinar").text
    page = seen(html)
    assert '<html lang="es">' in html
    assert '<span lang="en">FY 2027 Enhanced Collaborative Model' in html  # its own words, in its language
    assert '<div class="description" lang="en">' in html
    assert "Cuándo martes, 19 de enero de 2027, 2 - 3:30 p. m. ET" in page
    assert "Los horarios se indican en hora del Este (America/New_York)." in page
    assert "Inscríbase hasta el " in page and "Agregar a su calendario" in page
    assert 'href="/events/fy-2027-ecm-pre-application-webinar.ics"' in html  # one download for every language
    series = seen(client.get("/es/events/prevention-month-wednesday-webinars").text)
    assert "miércoles, 13 de enero de 2027, 1 - 2 p. m. ET" in series
    assert "No hay sesión: miércoles, 20 de enero de 2027, 1 - 2 p. m. ET." in series


def test_an_event_in_spanish_is_marked_as_spanish_on_the_english_pages(client: TestClient) -> None:
    slug = "trata-laboral-trabajo-agricola-webinar"
    listing = client.get("/").text
    assert f'<a href="/events/{slug}"><span lang="es">La trata laboral' in listing
    assert 'lang="es">La trata laboral en el trabajo agrícola' in client.get(f"/events/{slug}").text
    spanish = client.get("/es/").text
    assert f'<a href="/es/events/{slug}">La trata laboral' in spanish  # the page's own language: no mark


def test_the_subscribe_help_and_observances_in_spanish(client: TestClient) -> None:
    html = client.get("/es/subscribe").text
    page = seen(html)
    assert "<h1>Cómo suscribirse</h1>" in html
    assert "¿Suscribirse o descargar?" in page and "Aplicación por aplicación" in page
    assert "este sitio sugiere hacerlo cada 6 horas" in page
    assert 'value="http://127.0.0.1:8000/es/calendar.ics"' in html
    assert 'value="http://127.0.0.1:8000/es/observances/prevention-month.ics"' in html
    assert client.get("/es/help/subscribe").text == html
    observances = seen(client.get("/es/observances").text)
    assert "Mes Nacional de Prevención de la Esclavitud y la Trata de Personas 1 - 31 de enero de 2027 · en curso" in observances
    assert "Día Mundial contra la Trata de Personas" in observances  # the sample's own [site.translations.es]
    month = seen(client.get("/es/observances/prevention-month").text)
    assert "Mes Nacional de Prevención de la Esclavitud y la Trata de Personas 2027" in month
    assert "Fechas clave 11 de enero de 2027: Día Nacional de Concientización sobre la Trata de Personas." in month
    assert "Suscríbase a los eventos del Mes Nacional" in month
    past = client.get("/es/past")
    assert past.status_code == 200 and "<h1>Eventos pasados</h1>" in past.text


def test_error_pages_in_spanish(client: TestClient) -> None:
    missing = client.get("/es/nowhere")
    assert missing.status_code == 404
    assert '<html lang="es">' in missing.text
    assert "Página no encontrada No hay ninguna página en esta dirección." in seen(missing.text)
    assert switch(missing.text) == [("/nowhere", "en", "English")]
    event = client.get("/es/events/prevention-month-wednesday")
    assert event.status_code == 404
    assert "No hay ningún evento llamado “prevention-month-wednesday”." in seen(event.text)
    assert 'href="/es/events/prevention-month-wednesday-webinars"' in event.text  # the one meant, in Spanish
    bad = client.get("/es/?type=nope")
    assert bad.status_code == 400
    page = seen(bad.text)
    assert "No se pudo aplicar ese filtro" in page and "No se pudo usar el filtro type de la dirección:" in page
    assert "<span lang=\"en\">unknown type 'nope'</span>" in bad.text.replace("&#39;", "'")  # the filter's words
    assert 'href="/es/?type=webinar"' in bad.text  # its choices stay in Spanish


def test_the_english_pages_stay_english(client: TestClient) -> None:
    html = client.get("/").text
    assert '<html lang="en">' in html and "<h1>Upcoming trainings and events</h1>" in html
    assert "January 19, 2027 | 2 p.m. ET | Online" in text(html)
    assert 'id="page-words"' not in html  # the script's words are English by default
    assert "se habla español" not in html


def test_the_scripts_words_come_with_the_spanish_page(client: TestClient) -> None:
    html = client.get("/es/").text
    found = re.search(r'<script type="application/json" id="page-words">(.*?)</script>', html, re.S)
    assert found
    said = json.loads(found.group(1))
    assert said["{time} your time"] == "{time} en su hora local"
    assert said["January"] == "enero" and said["noon"] == "12\u00a0del mediodía"
    assert said["Copy"] == "Copiar"


# --- the same page in the other language -------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "english", "spanish"),
    [
        ("/", "/", "/es/"),
        ("/es/", "/", "/es/"),
        ("/?type=webinar&online=true", "/?type=webinar&online=true", "/es/?type=webinar&online=true"),
        ("/es/?page=2", "/?page=2", "/es/?page=2"),
        ("/es/past", "/past", "/es/past"),
        ("/events/fy-2027-ecm-pre-application-webinar", "/events/fy-2027-ecm-pre-application-webinar",
         "/es/events/fy-2027-ecm-pre-application-webinar"),
        ("/es/observances", "/observances", "/es/observances"),
        ("/observances/prevention-month?year=2028", "/observances/prevention-month?year=2028",
         "/es/observances/prevention-month?year=2028"),
        ("/es/subscribe", "/subscribe", "/es/subscribe"),
        ("/es/nowhere", "/nowhere", "/es/nowhere"),
    ],
)
def test_every_page_names_itself_in_both_languages(client: TestClient, path: str, english: str, spanish: str) -> None:
    html = client.get(path).text
    assert alternates(html) == {"en": BASE + english, "es": BASE + spanish, "x-default": BASE + english}
    other, lang, name = ("/", "en", "English") if path.startswith("/es") else ("/es/", "es", "Español")
    assert switch(html) == [(english if lang == "en" else spanish, lang, name)]
    assert other  # (the switch names the other language in itself)


def test_a_switch_from_a_long_address_keeps_no_more_than_the_page(client: TestClient) -> None:
    """An error page's switch leads to the same page without the query, and never off the site."""
    bad = client.get("/es/?type=" + "x" * 500).text
    assert switch(bad) == [("/", "en", "English")]
    odd = client.get("/es//elsewhere.example/path").text
    assert switch(odd) == [("/elsewhere.example/path", "en", "English")]


# --- the first visit -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"accept-language": "es-MX,es;q=0.9,en;q=0.8"}, "/es/?type=webinar"),
        ({"accept-language": "es", "referer": "https://www.google.com/"}, "/es/?type=webinar"),
        ({"accept-language": "en-US,en;q=0.9,es;q=0.8"}, None),
        ({"accept-language": "fr-FR"}, None),
        ({}, None),  # most crawlers name no language
        ({"accept-language": "es", "referer": "http://testserver/es/events/x"}, None),  # the switch back to English
    ],
)
def test_a_first_visit_to_the_home_page_follows_the_browsers_language(
    client: TestClient, headers: dict[str, str], expected: str | None
) -> None:
    for method in ("GET", "HEAD"):
        response = client.request(method, "/?type=webinar", headers=headers, follow_redirects=False)
        assert response.headers["vary"] == "Accept-Language"
        if expected is None:
            assert response.status_code == 200
        else:
            assert (response.status_code, response.headers["location"]) == (302, expected)
            assert response.headers["cache-control"] == "no-store"


def test_only_the_home_page_moves_and_spanish_pages_never_send_back(client: TestClient) -> None:
    english_first = {"accept-language": "en"}
    spanish_first = {"accept-language": "es"}
    assert client.get("/past", headers=spanish_first, follow_redirects=False).status_code == 200
    assert client.get("/events/fy-2027-ecm-pre-application-webinar", headers=spanish_first).status_code == 200
    assert client.get("/es/", headers=english_first, follow_redirects=False).status_code == 200
    assert "vary" not in client.get("/es/").headers
    home = client.get("/es?type=webinar", follow_redirects=False)
    assert (home.status_code, home.headers["location"]) == (308, "/es/?type=webinar")


# --- feeds named in Spanish ------------------------------------------------------------------------


def unfolded(body: bytes) -> str:
    return body.decode("utf-8").replace("\r\n ", "")


def test_the_spanish_pages_feeds_are_named_in_spanish(client: TestClient) -> None:
    english = unfolded(client.get("/calendar.ics").content)
    spanish = unfolded(client.get("/es/calendar.ics").content)
    assert "X-WR-CALNAME:Capacitaciones sobre trata de personas\r\n" in spanish
    assert "X-WR-CALDESC:Seminarios web\\, seminarios\\, capacitaciones y conferencias sobre la trata" in spanish
    assert "SOURCE:http://127.0.0.1:8000/es/calendar.ics\r\n" in spanish
    assert "X-WR-CALNAME:Human Trafficking Trainings\r\n" in english
    # The same events, as written.
    assert spanish[spanish.index("BEGIN:VTIMEZONE"):] == english[english.index("BEGIN:VTIMEZONE"):]
    filtered = unfolded(client.get("/es/calendar.ics?type=webinar&audience=prosecutors").content)
    assert "X-WR-CALNAME:Capacitaciones sobre trata de personas: seminarios web para prosecutors\r\n" in filtered
    assert "Este calendario contiene solo seminarios web para prosecutors." in filtered
    month = unfolded(client.get("/es/observances/prevention-month.ics?year=2027").content)
    assert (
        "X-WR-CALNAME:Capacitaciones sobre trata de personas: "
        "Mes Nacional de Prevención de la Esclavitud y la Trata de Personas 2027\r\n"
    ) in month
    assert client.get("/es/observances/nope.ics").status_code == 404


def test_a_site_of_its_own_names_its_pages_in_spanish_with_its_translations(tmp_path: object) -> None:
    from calendar_app.core.config import SiteConfig
    from calendar_app.web.app import create_app

    from .test_pages import SAMPLE_EVENTS, SAMPLE_STATE

    config = SiteConfig(
        name="Tri-County Anti-Trafficking Trainings",
        hotline="Call the Tri-County line at 1-555-010-0100",
        translations={"es": {"Tri-County Anti-Trafficking Trainings": "Capacitaciones de los tres condados"}},
    )
    client = TestClient(create_app(config, SAMPLE_EVENTS, today=date(2027, 1, 5), watch=False, state_dir=SAMPLE_STATE))
    page = seen(client.get("/es/").text)
    assert "Capacitaciones de los tres condados" in page
    assert "Call the Tri-County line at 1-555-010-0100" in page  # untranslated words read as configured
