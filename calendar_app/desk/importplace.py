"""Where an imported event is: `location` and `online` from its LOCATION and conference properties.

LOCATION is one line of text. Most of the time it is a place, kept whole as the venue. Two
shapes are read further, and only when they cannot be read two ways:

- a United States address, "Embassy Suites, 200 Stoneridge Dr, Columbia, SC 29210, USA": the
  venue (what comes before the street), the street (it starts with its number), the city, the
  state and the ZIP code, so the listing's city and region filters find it;
- the name of an online meeting's platform, as Outlook ("Microsoft Teams Meeting"), Zoom, Google
  and Webex write it, or "Online", "Virtual": no place at all, but an online event on that
  platform, with the join link the event gives (a conference property, or the platform's own
  link in the description).

This project's own feeds write "Online (Zoom)" and "…, and online", which come back as they were.
"""

from __future__ import annotations

import re
from typing import Any

from icalendar import Event as VEvent

_ONLINE_PROPS = ("CONFERENCE", "X-GOOGLE-CONFERENCE", "X-MICROSOFT-SKYPETEAMSMEETINGURL")
# The end of a LOCATION this project wrote: "Online", "Online (Zoom)", "..., and online (Zoom)".
_ONLINE_LOCATION = re.compile(r"(?:^|, and )[Oo]nline(?: \(([^()]+)\))?$")

# A LOCATION (or one of its parts between semicolons, as Outlook joins several) that names an
# online meeting, by its words without case: the platform ("" for none in particular).
_PLATFORMS = {
    "microsoft teams meeting": "Microsoft Teams", "microsoft teams": "Microsoft Teams",
    "teams meeting": "Microsoft Teams", "skype meeting": "Skype",
    "zoom": "Zoom", "zoom meeting": "Zoom", "zoom webinar": "Zoom",
    "google meet": "Google Meet", "google hangouts": "Google Meet",
    "webex": "Webex", "webex meeting": "Webex", "cisco webex": "Webex",
    "online": "", "virtual": "", "online meeting": "", "virtual meeting": "", "online event": "", "virtual event": "",
}
# Each platform's join links, as a description gives them (Outlook's inside <…>).
_LINK_END = r"[^\s<>\"')\]]+"
_JOIN_LINKS = {
    "Microsoft Teams": re.compile(rf"https://teams\.(?:microsoft|live)\.com/(?:l/meetup-join|meet)/{_LINK_END}"),
    "Zoom": re.compile(rf"https://(?:[\w-]+\.)*zoom\.us/(?:j|w|my)/{_LINK_END}"),
    "Google Meet": re.compile(r"https://meet\.google\.com/[a-z]+-[a-z]+-[a-z]+"),
    "Webex": re.compile(rf"https://(?:[\w-]+\.)*webex\.com/{_LINK_END}"),
}

_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH "
    "OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR VI GU AS MP".split()
)
_UNITED_STATES = frozenset({"usa", "us", "u.s.a", "u.s", "united states", "united states of america"})
_STATE_AND_ZIP = re.compile(r"([A-Z]{2}) (\d{5}(?:-\d{4})?)")
_STREET = re.compile(r"\d+[A-Za-z]?(?:-\d+)? \S")


def place_fields(component: VEvent, *, assume_online: bool) -> dict[str, Any]:
    """`location` and `online` from LOCATION, the conference properties and the description's join link."""
    data: dict[str, Any] = {}
    location = " ".join(str(component.get("LOCATION", "")).split())
    online_url = next((str(component[p]) for p in _ONLINE_PROPS if p in component), "")
    online_url = web_address(online_url) or online_url
    if re.match(r"^https?://\S+$", location, re.IGNORECASE):
        online_url, location = online_url or web_address(location) or location, ""
    location, platform = _online_in(location)
    location, named = _platform_named(location)
    if named is not None:
        platform = named or platform or ""
        if not online_url:
            online_url, platform = _join_link(str(component.get("DESCRIPTION", "")), platform)
    if location:
        data["location"] = location_fields(location)
    if online_url or platform:
        data["online"] = {"url": online_url or None, "platform": platform or None}
    elif platform is not None or (not location and assume_online):
        data["online"] = True
    return data


def location_fields(text: str) -> dict[str, str]:
    """A LOCATION as `location`: a United States address in its parts, anything else as the venue.

    Split only when every part is sure: "[venue, ]street, city, ST 12345[, USA]" with the street
    starting with its number and a city without digits, or "city, ST 12345".
    """
    parts = [part.strip() for part in text.split(",")]
    country = None
    if len(parts) > 2 and parts[-1].casefold().rstrip(".") in _UNITED_STATES:
        country, parts = "US", parts[:-1]
    last = _STATE_AND_ZIP.fullmatch(parts[-1])
    if last is None or last.group(1) not in _STATES or any(not part or len(part) > 300 for part in parts):
        return {"venue": text[:300]}
    region, postal_code = last.groups()
    if len(parts) == 2 and not re.search(r"\d", parts[0]):
        found = {"city": parts[0]}
    elif len(parts) >= 3 and _STREET.match(parts[-3]) and not re.search(r"\d", parts[-2]):
        found = {"venue": ", ".join(parts[:-3]), "address": parts[-3], "city": parts[-2]}
    else:
        return {"venue": text[:300]}
    found.update(region=region, postal_code=postal_code, country=country or "")
    return {key: value for key, value in found.items() if value}


def _online_in(location: str) -> tuple[str, str | None]:
    """The place and the online platform in a LOCATION as this project writes it.

    'Online (Zoom)' is ('', 'Zoom'); 'Embassy Suites, Columbia, SC, and online' is (the place,
    ''); a LOCATION that says nothing of being online is (itself, None).
    """
    found = _ONLINE_LOCATION.search(location)
    if not found:
        return location, None
    return location[: found.start()], found.group(1) or ""


def _platform_named(location: str) -> tuple[str, str | None]:
    """The LOCATION without the parts that name an online meeting, and the platform they name
    ("" for "Online" or "Virtual"; None when no part names one)."""
    kept: list[str] = []
    named: str | None = None
    for part in location.split(";"):
        platform = _PLATFORMS.get(" ".join(part.split()).casefold())
        if platform is None:
            kept.append(part.strip())
        else:
            named = platform if named in (None, "") else named
    return "; ".join(part for part in kept if part), named


def _join_link(description: str, platform: str) -> tuple[str, str]:
    """The join link the description gives for `platform` (any known platform's when it is ""),
    and the platform; ("", platform) when it gives none."""
    for name, link in _JOIN_LINKS.items():
        if platform in ("", name) and (found := link.search(description)):
            return found.group(0), name
    return "", platform


def web_address(text: str) -> str | None:
    """An http(s) address with its scheme in lower case (schemes ignore case: HTTP:// is http://)."""
    found = re.match(r"^(https?)(://\S*)$", text.strip(), re.IGNORECASE)
    return found.group(1).lower() + found.group(2) if found else None
