"""The site configuration: defaults, the shipped file, errors by key and line, and its documentation."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from calendar_app.core.config import SiteConfig, load_config
from calendar_app.core.errors import ConfigError

from .conftest import ROOT


def problems_of(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "calendar.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return [str(p).removeprefix(f"{path}:") for p in caught.value.problems]


def test_defaults_without_a_file() -> None:
    config = load_config(None)
    assert config == SiteConfig()
    assert config.timezone == "America/New_York"
    assert config.default_duration_minutes == 60
    assert config.types == ["webinar", "seminar", "training", "conference", "workshop", "meeting", "observance"]
    assert {"OJP", "BJA", "BJS", "NIJ", "OVC", "OJJDP", "SMART"} <= set(config.sponsor_names)


def test_prevention_month_ships_with_the_defaults() -> None:
    month = SiteConfig().observance("prevention-month")
    assert month is not None
    assert month.name == "National Slavery and Human Trafficking Prevention Month"
    assert month.window(2027) == (date(2027, 1, 1), date(2027, 1, 31))
    (day,) = month.key_dates
    assert (day.month, day.day, day.name) == (1, 11, "National Human Trafficking Awareness Day")
    assert "1-888-373-7888" in SiteConfig().hotline and "233733" in SiteConfig().hotline


def test_the_shipped_file_loads(sample_config: SiteConfig) -> None:
    assert sample_config.timezone == "America/New_York"
    assert [o.id for o in sample_config.observances] == ["prevention-month", "world-day-against-trafficking"]
    month = sample_config.observance("prevention-month")
    assert month is not None and month.key_dates[0].day == 11
    assert any("1-888-373-7888" in link.title for link in month.links)


def test_settings_of_an_empty_site_table(tmp_path: Path) -> None:
    path = tmp_path / "calendar.toml"
    path.write_text('[site]\nname = "Midwest Trainings"\nbase_url = "https://trainings.example.org/"\n', "utf-8")
    config = load_config(path)
    assert config.name == "Midwest Trainings"
    assert config.base_url == "https://trainings.example.org"  # no trailing slash
    assert config.observances == SiteConfig().observances


def test_a_named_file_that_is_missing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nowhere.toml")
    assert str(caught.value) == f"{tmp_path / 'nowhere.toml'}: configuration file not found"


def test_toml_syntax_error_gives_its_line(tmp_path: Path) -> None:
    assert problems_of(tmp_path, '[site]\nname = "A"\ntimezone = America/Chicago\n') == [
        "3: Invalid value (at line 3, column 12)"
    ]


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "calendar.toml"
    path.write_bytes(b'[site]\nname = "Caf\xe9"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems[0].message.startswith("cannot read the configuration")


def test_every_problem_by_key_with_its_line_at_once(tmp_path: Path) -> None:
    text = """\
[site]
name = "Trainings"
timezone = "America/Chicgo"
default_duration_minutes = 0
base_url = "ftp://example.org"
colour = "red"

[theme]
dark = true
"""
    assert problems_of(tmp_path, text) == [
        "3: timezone: unknown time zone 'America/Chicgo'; use an IANA name such as America/New_York",
        "4: default_duration_minutes: must be greater than 0",
        "5: base_url: must start with http:// or https://",
        "6: colour: unknown setting",
        "8: theme: unknown table or key. Hint: settings go under [site].",
    ]


def test_trusted_proxies_are_addresses_or_networks(tmp_path: Path) -> None:
    path = tmp_path / "calendar.toml"
    path.write_text('[site]\ntrusted_proxies = ["127.0.0.1", " 10.0.0.0/8", "::1"]\n', encoding="utf-8")
    assert [str(n) for n in load_config(path).trusted_networks] == ["127.0.0.1/32", "10.0.0.0/8", "::1/128"]
    assert SiteConfig().trusted_proxies == []  # trusts no X-Forwarded-For unless told
    assert problems_of(tmp_path, '[site]\nname = "Trainings"\ntrusted_proxies = ["127.0.0.1", "localhost"]\n') == [
        "3: trusted_proxies: 'localhost' is not an IP address or network; write one such as 127.0.0.1, ::1 "
        "or 10.0.0.0/8",
    ]


def test_observance_problems_point_into_the_right_table(tmp_path: Path) -> None:
    text = """\
[[sponsors]]
id = "OJP"
name = "Office of Justice Programs"

[[observances]]
id = "prevention-month"
name = "Prevention Month"
start_month = 1
end_month = 1

[[observances]]
id = "Human Rights Day"
name = "Human Rights Day"
start_month = 12
start_day = 10
end_month = 12
end_day = 10

  [[observances.key_dates]]
  month = 12
  day = 10
  name = "Human Rights Day"

  [[observances.key_dates]]
  month = 12
  day = 32
  name = "Too late"
"""
    assert problems_of(tmp_path, text) == [
        "12: observances[1].id: must match pattern '^[a-z0-9]+(?:-[a-z0-9]+)*$'",
        "26: observances[1].key_dates[1].day: must be less than or equal to 31",
    ]


def test_unknown_key_in_an_observance(tmp_path: Path) -> None:
    text = '[[observances]]\nid = "a"\nname = "A"\nstart_month = 1\nend_month = 1\nmonths = 2\n'
    assert problems_of(tmp_path, text) == ["6: observances[0].months: unknown setting"]


def test_duplicate_observance_ids(tmp_path: Path) -> None:
    block = '[[observances]]\nid = "a"\nname = "A"\nstart_month = 1\nend_month = 1\n\n'
    assert problems_of(tmp_path, block * 2) == ["1: observances: observance ids must be unique; used more than once: a"]


def test_observance_window_across_the_new_year() -> None:
    config = SiteConfig.model_validate(
        {"observances": [{"id": "winter", "name": "Winter", "start_month": 12, "start_day": 15, "end_month": 1,
                          "end_day": 15, "highlight_from_days": 10}]}
    )
    winter = config.observances[0]
    assert winter.window(2026) == (date(2026, 12, 15), date(2027, 1, 15))
    assert winter.highlight_window(2026) == (date(2026, 12, 5), date(2027, 1, 15))
    assert winter.current_or_next(date(2027, 1, 10)) == (date(2026, 12, 15), date(2027, 1, 15))
    assert winter.current_or_next(date(2027, 1, 16)) == (date(2027, 12, 15), date(2028, 1, 15))


def test_end_day_is_clipped_to_the_month() -> None:
    config = SiteConfig.model_validate(
        {"observances": [{"id": "feb", "name": "February", "start_month": 2, "end_month": 2}]}
    )
    assert config.observances[0].window(2027) == (date(2027, 2, 1), date(2027, 2, 28))
    assert config.observances[0].window(2028) == (date(2028, 2, 1), date(2028, 2, 29))


# --- documentation ---------------------------------------------------------------------------


SETTINGS_PAGE = ROOT / "docs" / "reference" / "settings.md"  # generated by `make docs-reference`


def _settings_page() -> str:
    assert SETTINGS_PAGE.is_file(), f"{SETTINGS_PAGE.relative_to(ROOT)} is missing. Hint: run `make docs-reference`"
    return SETTINGS_PAGE.read_text(encoding="utf-8")


def test_every_setting_is_documented_in_the_manual() -> None:
    """Like datasette's documentation test: a new setting fails here until the settings page names it."""
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", _settings_page(), re.MULTILINE))
    hint = "Hint: run `make docs-reference`"
    assert set(SiteConfig.model_fields) - documented == set(), f"settings missing from the settings page. {hint}"
    assert documented - set(SiteConfig.model_fields) == set(), f"the settings page names unknown settings. {hint}"


def test_the_manual_shows_each_setting_with_its_default() -> None:
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| ([^|]*) \|", _settings_page(), re.MULTILINE))
    assert rows["timezone"] == "`America/New_York`"
    assert rows["default_duration_minutes"] == "`60`"


# --- partner calendars ([[sources]]) -----------------------------------------------------------


def test_sources_are_read_with_their_defaults(tmp_path: Path) -> None:
    path = tmp_path / "calendar.toml"
    path.write_text(
        '[[sources]]\nid = "ovc-ttac"\nname = "OVC TTAC"\nurl = "webcal://www.example.org/ovc.ics"\n'
        'match = ["trafficking"]\n\n  [sources.defaults]\n  type = "webinar"\n  sponsors = ["OVC"]\n'
        '  location = {region = "SC"}\n\n'
        '[[sources]]\nid = "task-force"\nname = "Task Force"\npath = "feeds/task-force.ics"\nmode = "publish"\n'
        'authority = "source"\n', encoding="utf-8")
    first, second = load_config(path).sources
    assert (first.mode, first.authority, first.format, first.allow_private) == ("review", "fields", "ics", False)
    assert first.defaults.front_matter() == {"type": "webinar", "sponsors": ["OVC"], "location": {"region": "SC"}}
    assert (second.where, second.mode, second.authority) == ("feeds/task-force.ics", "publish", "source")
    assert SiteConfig().sources == [] and SiteConfig().sync_dir == "sources"


def test_source_problems_by_key_with_their_lines(tmp_path: Path) -> None:
    text = """\
[site]
name = "Trainings"

[[sources]]
id = "ovc-ttac"
name = "OVC TTAC"
url = "https://www.example.org/ovc.ics"
mode = "automatic"

[[sources]]
id = "ovc-ttac"
name = "Task Force"
url = "https://www.example.org/tf.ics"
path = "feeds/tf.ics"
format = "csv"

  [sources.defaults]
  type = "webinars"
  colour = "red"
  accessibility = ["captions", "braille"]

[[sources]]
id = "nowhere"
name = "Nowhere"
url = "ftp://www.example.org/x.ics"
"""
    assert problems_of(tmp_path, text) == [
        "8: sources[0].mode: must be 'review' or 'publish'",
        "11: sources[1].id: 'ovc-ttac' is the id of sources[0] too; give each source its own",
        "14: sources[1].path: give url or path, not both",
        "15: sources[1].format: 'csv' is not a format sync reads; only 'ics' (iCalendar) is",
        "18: sources[1].defaults.type: unknown type 'webinars'; use one of webinar, seminar, training, conference, "
        "workshop, meeting, observance",
        "19: sources[1].defaults.colour: unknown setting",
        "20: sources[1].defaults.accessibility[1]: unknown feature 'braille'; use captions, asl, interpretation, "
        "transcript, wheelchair",
        "25: sources[2].url: must be an http://, https:// or webcal:// address, not 'ftp://www.example.org/x.ics'",
    ]


def test_a_source_names_a_calendar_once(tmp_path: Path) -> None:
    assert problems_of(tmp_path, '[[sources]]\nid = "a"\nname = "A"\n') == [
        "1: sources[0]: give the calendar's url, or the path of a file"
    ]
    inline = '[[sources]]\nid = "a"\nname = "A"\nurl = "https://a.example.org/a.ics"\n' \
             'defaults = {region = "SC", location = {region = "NC"}}\n'
    assert problems_of(tmp_path, inline) == ["5: sources[0].defaults.location: give the region once: `region` or "
                                             "`location.region`"]


def test_the_site_types_decide_a_default_type(tmp_path: Path) -> None:
    text = '[site]\ntypes = ["briefing"]\n\n[[sources]]\nid = "a"\nname = "A"\nurl = "https://a.example.org/a.ics"\n' \
           'defaults = {type = "briefing"}\n'
    path = tmp_path / "calendar.toml"
    path.write_text(text, encoding="utf-8")
    assert load_config(path).sources[0].defaults.type == "briefing"
