"""Partner calendars the site follows (`[[sources]]` in calendar.toml), as `calendar-app sync` reads them.

Each source is declared here once, with its defaults and descriptions: `load_config` checks
the tables, and `sources_table` writes the manual's table of their keys. What a sync does with
them is in `desk/sync.py`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator, model_validator

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
_LINE_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")

SourceId = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=80)]
Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocationDefault(_Strict):
    region: Word = Field(description="State or region, such as SC.")


class SourceDefaults(_Strict):
    """Event fields given to a source's new events where the calendar gives none."""

    type: Word | None = Field(default=None, description="The type when the calendar's categories and title name none.")
    sponsors: list[Word] = Field(default=[], description="Sponsors of every new event.")
    topics: list[Word] = Field(default=[], description="Topics, when the calendar gives no categories.")
    audience: list[Word] = Field(default=[], description="Audience of every new event.")
    region: Word | None = Field(default=None, description="The region of events with a place that names none.")
    location: LocationDefault | None = Field(default=None, description="`{region = \"SC\"}`: the same as `region`.")
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")] | None = Field(
        default=None, description="The language of events that name none, such as es."
    )
    accessibility: list[Word] = Field(default=[], description="Features from the site's `accessibility`.")

    @field_validator("sponsors", "topics", "audience", "accessibility", "type", "region")
    @classmethod
    def _one_line(cls, value: Any) -> Any:
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and _LINE_BREAKS.search(item):
                raise ValueError("must be one line of text")
        return value

    @field_validator("location")
    @classmethod
    def _region_once(cls, value: LocationDefault | None, info: ValidationInfo) -> LocationDefault | None:
        if value is not None and info.data.get("region") is not None:
            raise ValueError("give the region once: `region` or `location.region`")
        return value

    @property
    def the_region(self) -> str | None:
        return self.region or (self.location.region if self.location else None)

    def front_matter(self) -> dict[str, Any]:
        """The defaults as front matter (values as text), without the ones left empty."""
        data: dict[str, Any] = {
            "type": self.type, "sponsors": list(self.sponsors), "topics": list(self.topics),
            "audience": list(self.audience), "language": self.language, "accessibility": list(self.accessibility),
        }
        if self.the_region:
            data["location"] = {"region": self.the_region}
        return {key: value for key, value in data.items() if value}


Mode = Literal["review", "publish"]
Authority = Literal["source", "local", "fields"]


class SyncSource(_Strict):
    """One partner calendar: where it is, and what a sync may do with its events."""

    id: SourceId = Field(description="Short name (lowercase letters, digits, hyphens), used in event files.")
    name: str = Field(min_length=1, max_length=200, description="The partner's name, in reports and notes.")
    url: str | None = Field(default=None, description="The calendar's address: http://, https:// or webcal://.")
    path: str | None = Field(
        default=None, description="Or a file, relative to the configuration's folder; give `url` or `path`."
    )
    format: str = Field(default="ics", description="`ics` (iCalendar), the one format read.")
    mode: Mode = Field(
        default="review", description="`review`: new events wait in the pending queue; `publish`: written at once."
    )
    authority: Authority = Field(
        default="fields",
        description=(
            "Who wins when the calendar and this site both changed an event: `fields` (the site, field by "
            "field), `local` (an event edited here is left alone) or `source` (the calendar)."
        ),
    )
    defaults: SourceDefaults = Field(
        default=SourceDefaults(),
        description=(
            "A table of fields for new events: type, sponsors, topics, audience, region, language, accessibility."
        ),
    )
    match: list[Word] = Field(
        default=[], description="Only new events whose title or description holds one of these words (any case)."
    )
    allow_private: bool = Field(
        default=False, description="Let the address be on a loopback or private network (a calendar of your own)."
    )

    @field_validator("name")
    @classmethod
    def _name_line(cls, value: str) -> str:
        if _LINE_BREAKS.search(value) or not value.strip():
            raise ValueError("must be one line of text")
        return value.strip()

    @field_validator("url")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.strip())
        if parts.scheme.lower() not in ("http", "https", "webcal", "webcals") or not parts.netloc:
            raise ValueError(f"must be an http://, https:// or webcal:// address, not {value!r}")
        return value.strip()

    @field_validator("path")
    @classmethod
    def _url_or_path(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("url") is not None:
            raise ValueError("give url or path, not both")
        if value is not None and not value.strip():
            raise ValueError("must name a file")
        return value

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value.strip().lower() != "ics":
            raise ValueError(f"{value!r} is not a format sync reads; only 'ics' (iCalendar) is")
        return "ics"

    @model_validator(mode="after")
    def _somewhere(self) -> SyncSource:
        if self.url is None and self.path is None:
            raise ValueError("give the calendar's url, or the path of a file")
        return self

    @property
    def where(self) -> str:
        """The address or file, as the configuration names it."""
        return self.url or self.path or ""


def source_problems(raw: object, types: list[str], accessibility: list[str]) -> list[tuple[tuple[str | int, ...], str]]:
    """What one `[[sources]]` table cannot say given the others and the site's vocabularies:
    the same id twice, a default type or feature the site does not have. Reads the tables as
    written, so these are reported beside any other problem of the file."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    seen: dict[str, int] = {}
    for i, table in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(table, dict):
            continue
        source_id = table.get("id")
        if isinstance(source_id, str):
            if source_id in seen:
                found.append((("sources", i, "id"), f"{source_id!r} is the id of sources[{seen[source_id]}] too; "
                                                   "give each source its own"))
            seen.setdefault(source_id, i)
        defaults = table.get("defaults")
        if not isinstance(defaults, dict):
            continue
        kind = defaults.get("type")
        if isinstance(kind, str) and kind not in types:
            found.append((("sources", i, "defaults", "type"), f"unknown type {kind!r}; use one of {', '.join(types)}"))
        features = defaults.get("accessibility")
        for j, feature in enumerate(features if isinstance(features, list) else []):
            if isinstance(feature, str) and feature not in accessibility:
                found.append((("sources", i, "defaults", "accessibility", j),
                              f"unknown feature {feature!r}; use {', '.join(accessibility)}"))
    return found


def sources_table() -> str:
    """The Markdown table of the keys of a `[[sources]]` table (the manual's settings page)."""
    rows = ["| key | default | what it does |", "|---|---|---|"]
    for name, info in SyncSource.model_fields.items():
        default = "required" if info.is_required() else _shown(info.default)
        rows.append(f"| `sources.{name}` | {default} | {_cell(info.description)} |")
    for name, info in SourceDefaults.model_fields.items():
        if name != "location":  # the same as `region`, said there
            rows.append(f"| `sources.defaults.{name}` | none | {_cell(info.description)} |")
    return "\n".join(rows)


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|")


def _shown(value: object) -> str:
    if value is None or value == [] or isinstance(value, SourceDefaults):
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"
