"""The site configuration: one TOML file, typed, with defaults and their documentation.

Every setting is declared once here, with its default and a description; `calendar-app
config-doc` and the manual's settings page are generated from these declarations.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ConfigError, Problem, dotted, with_hint
from .readfile import read_regular_text
from .sources import SyncSource, source_problems
from .zones import check_zone_name

DEFAULT_CONFIG_NAME = "calendar.toml"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"

# A site's origin as a Content-Security-Policy source names it: a scheme, a host (its first label
# may be `*`), perhaps a port.
_ORIGIN = re.compile(r"^https?://(\*\.)?([A-Za-z0-9-]+\.)*[A-Za-z0-9-]+(:\d{1,5})?$|^https?://\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sponsor(_Strict):
    id: str = Field(description="Short name used in event files, such as OJJDP.")
    name: str = Field(description="Full name shown on pages.")
    url: str | None = Field(default=None, description="Home page of the sponsor.")


class Link(_Strict):
    title: str
    url: str


class KeyDate(_Strict):
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)
    name: str
    description: str = ""


class Observance(_Strict):
    """A recurring period the calendar highlights, such as January's prevention month."""

    id: Slug
    name: str
    description: str = ""
    start_month: int = Field(ge=1, le=12, description="First month of the window.")
    start_day: int = Field(default=1, ge=1, le=31)
    end_month: int = Field(ge=1, le=12, description="Last month of the window (inclusive).")
    end_day: int = Field(default=31, ge=1, le=31, description="Last day (inclusive); clipped to the month's length.")
    highlight_from_days: int = Field(
        default=31, ge=0, description="How many days before the window the home page starts highlighting it."
    )
    links: list[Link] = []
    key_dates: list[KeyDate] = []

    def window(self, year: int) -> tuple[date, date]:
        """The inclusive first and last day of this observance in `year` (the year it starts)."""
        start = _clip_date(year, self.start_month, self.start_day)
        end_year = year if (self.end_month, self.end_day) >= (self.start_month, self.start_day) else year + 1
        return start, _clip_date(end_year, self.end_month, self.end_day)

    def highlight_window(self, year: int) -> tuple[date, date]:
        start, end = self.window(year)
        return start - timedelta(days=self.highlight_from_days), end

    def current_or_next(self, today: date) -> tuple[date, date]:
        """The window that contains `today` or is the next one to come."""
        for year in (today.year - 1, today.year, today.year + 1):
            start, end = self.window(year)
            if end >= today:
                return start, end
        raise AssertionError("unreachable: some window ends after today")


def _clip_date(year: int, month: int, day: int) -> date:
    for d in range(day, 27, -1):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    return date(year, month, day)


DEFAULT_TYPES = ["webinar", "seminar", "training", "conference", "workshop", "meeting", "observance"]

DEFAULT_SPONSORS = [
    Sponsor(id="OJP", name="Office of Justice Programs"),
    Sponsor(id="BJA", name="Bureau of Justice Assistance"),
    Sponsor(id="BJS", name="Bureau of Justice Statistics"),
    Sponsor(id="NIJ", name="National Institute of Justice"),
    Sponsor(id="OVC", name="Office for Victims of Crime"),
    Sponsor(id="OJJDP", name="Office of Juvenile Justice and Delinquency Prevention"),
    Sponsor(
        id="SMART",
        name="Office of Sex Offender Sentencing, Monitoring, Apprehending, Registering, and Tracking",
    ),
]

PREVENTION_MONTH = Observance(
    id="prevention-month",
    name="National Slavery and Human Trafficking Prevention Month",
    description=(
        "Every January the nation recognizes National Slavery and Human Trafficking Prevention Month "
        "to raise awareness of human trafficking, its signs, and the services available to survivors, "
        "and to support the work of investigators, prosecutors and victim service providers."
    ),
    start_month=1,
    start_day=1,
    end_month=1,
    end_day=31,
    key_dates=[
        KeyDate(
            month=1,
            day=11,
            name="National Human Trafficking Awareness Day",
            description="A day to learn the signs of trafficking and how to report it.",
        )
    ],
    links=[
        Link(title="National Human Trafficking Hotline", url="https://humantraffickinghotline.org/"),
    ],
)

# The defaults' words in the languages of the public pages, by the English text (see `translations`).
DEFAULT_TRANSLATIONS: dict[str, dict[str, str]] = {
    "es": {
        "Human Trafficking Trainings": "Capacitaciones sobre trata de personas",
        "Webinars, seminars, trainings and conferences on human trafficking for law enforcement, prosecutors, "
        "victim service providers and task forces.": (
            "Seminarios web, seminarios, capacitaciones y conferencias sobre la trata de personas para las "
            "fuerzas de seguridad, fiscales, proveedores de servicios a víctimas y grupos de trabajo (task forces)."
        ),
        "National Human Trafficking Hotline: call 1-888-373-7888 or text 233733 (BeFree)": (
            "Línea Nacional contra la Trata de Personas: 1-888-373-7888 (se habla español), "
            "o envíe un mensaje de texto al 233733"
        ),
        "National Human Trafficking Hotline": "Línea Nacional contra la Trata de Personas",
        "National Slavery and Human Trafficking Prevention Month": (
            "Mes Nacional de Prevención de la Esclavitud y la Trata de Personas"
        ),
        PREVENTION_MONTH.description: (
            "Cada enero, el país conmemora el Mes Nacional de Prevención de la Esclavitud y la Trata de "
            "Personas para crear conciencia sobre la trata de personas, sus señales y los servicios disponibles "
            "para los sobrevivientes, y para apoyar la labor de investigadores, fiscales y proveedores de "
            "servicios a víctimas."
        ),
        "National Human Trafficking Awareness Day": "Día Nacional de Concientización sobre la Trata de Personas",
        "A day to learn the signs of trafficking and how to report it.": (
            "Un día para aprender a reconocer las señales de la trata y cómo denunciarla."
        ),
    },
}


class SiteConfig(_Strict):
    """Settings of one calendar site. Every field may be omitted; the default is shown."""

    name: str = Field(default="Human Trafficking Trainings", description="The calendar's name, in pages and feeds.")
    description: str = Field(
        default=(
            "Webinars, seminars, trainings and conferences on human trafficking for law enforcement, "
            "prosecutors, victim service providers and task forces."
        ),
        description="One sentence on what the calendar holds.",
    )
    base_url: str = Field(
        default=DEFAULT_BASE_URL,
        description=(
            "Public address of the site, without a trailing slash; used in feeds and links. Unset, "
            "`calendar-app serve` uses the address it listens on (`http://<host>:<port>`)."
        ),
    )
    hsts: bool = Field(
        default=True,
        description="When base_url is https, tell browsers to use only https for a year (Strict-Transport-Security).",
    )
    uid_domain: str = Field(
        default="calendar.example.org", description="Domain used in derived event UIDs: `<slug>@<uid_domain>`."
    )
    timezone: str = Field(default="America/New_York", description="Default IANA time zone of events.")
    language: str = Field(default="en", description="Default language of events (a BCP 47 tag).")
    default_duration_minutes: int = Field(
        default=60, gt=0, le=24 * 60, description="Length of a timed event that has no end."
    )
    publisher_name: str = Field(default="Human Trafficking Training Calendar", description="Feed ORGANIZER fallback.")
    publisher_email: str = Field(default="calendar@example.org", description="Feed ORGANIZER fallback e-mail.")
    hotline: str = Field(
        default="National Human Trafficking Hotline: call 1-888-373-7888 or text 233733 (BeFree)",
        description="How to report trafficking; shown in every page footer.",
    )
    past_days: int = Field(default=180, ge=0, description="How many days of past events the full feed keeps.")
    refresh_hours: int = Field(default=6, gt=0, le=168, description="How often calendar apps should refresh feeds.")
    feed_max_events: int = Field(default=1000, gt=0, description="Warn when the full feed holds more events.")
    feed_max_bytes: int = Field(default=1_000_000, gt=0, description="Warn when the full feed grows larger (bytes).")
    page_size: int = Field(default=20, gt=0, le=200, description="Events per listing page.")
    max_file_bytes: int = Field(default=256 * 1024, gt=0, description="Largest event file accepted, in bytes.")
    allow_suggestions: bool = Field(default=True, description="Whether the public may suggest events at /suggest.")
    embed_ancestors: list[str] = Field(
        default=["*"],
        description=(
            "Sites whose pages may show the embedded list (`/embed`) in a frame: origins such as "
            "`https://partner.org` or `https://*.partner.org`, or `*` for any site; none: only this site's "
            "own preview. Every other page refuses every frame."
        ),
    )
    smtp_host: str | None = Field(default=None, description="SMTP server for notifications; none sends no mail.")
    smtp_port: int = Field(default=25, description="SMTP port.")
    smtp_from: str = Field(default="calendar@example.org", description="Sender address of notifications.")
    smtp_starttls: bool = Field(default=False, description="Whether to switch the SMTP connection to TLS (STARTTLS).")
    smtp_username: str | None = Field(
        default=None,
        description="SMTP login name, if the server wants one; the password is read from CALENDAR_SMTP_PASSWORD.",
    )
    coordinators_file: str = Field(
        default="coordinators.toml",
        description="Coordinator accounts (hashed passwords and tokens), relative to the configuration's folder.",
    )
    pending_dir: str = Field(
        default="pending",
        description=(
            "Suggestions and drafts awaiting review, relative to the configuration's folder; "
            "keep it outside the events folder."
        ),
    )
    trash_dir: str = Field(
        default="trash", description="Where deleted drafts are moved, relative to the configuration's folder."
    )
    sync_dir: str = Field(
        default="sources",
        description=(
            "What `calendar-app sync` remembers of each partner calendar (`<id>.json`), relative to the "
            "configuration's folder; keep it with the events in git."
        ),
    )
    sync_interval_minutes: float = Field(
        default=0,
        ge=0,
        le=7 * 24 * 60,
        description=(
            "Minutes between syncs of the partner calendars by the running server, such as 30 (one worker "
            "syncs, the others see the changes); 0: only when asked (Sync now at /manage/sources, or "
            "`calendar-app sync`)."
        ),
    )
    change_log: str = Field(
        default="changes.log",
        description="Append-only log of changes made on the web when the events folder is not in git.",
    )
    login_max_failures: int = Field(
        default=5, gt=0, description="Failed logins allowed per account and per address before a pause."
    )
    login_lockout_minutes: int = Field(default=15, gt=0, description="How long that pause lasts, in minutes.")
    suggestions_per_hour: int = Field(default=5, ge=0, description="Suggestions accepted per address and hour.")
    alerts: bool = Field(
        default=True,
        description=(
            "Whether readers may sign up at /alerts for e-mail about the new and changed events of a filter; "
            "offered only when smtp_host is set."
        ),
    )
    alerts_signups_per_hour: int = Field(
        default=5, ge=0,
        description="Sign-ups for e-mail alerts accepted per address (of the reader's computer) and hour.",
    )
    alerts_interval_minutes: float = Field(
        default=0,
        ge=0,
        le=24 * 60,
        description=(
            "Minutes between the running server's looks for e-mail alerts that are due, such as 60 (one worker "
            "sends); 0: only `calendar-app alerts send` (cron or a systemd timer)."
        ),
    )
    alerts_max_per_run: int = Field(
        default=200, gt=0, description="Digests one run of the e-mail alerts sends at most; the rest go next run."
    )
    session_hours: int = Field(default=12, gt=0, le=24 * 30, description="How long a coordinator stays logged in.")
    trusted_proxies: list[str] = Field(
        default=[],
        description=(
            "Reverse proxies (addresses or networks such as 127.0.0.1 or 10.0.0.0/8) whose X-Forwarded-For "
            "names the client for the login, token and suggestion limits; none trusts no header."
        ),
    )
    types: list[str] = Field(default=DEFAULT_TYPES, description="Event types allowed in `type`.")
    sponsors: list[Sponsor] = Field(default=DEFAULT_SPONSORS, description="Known sponsors.")
    accessibility: list[str] = Field(
        default=["captions", "asl", "interpretation", "transcript", "wheelchair"],
        description="Accessibility features an event may list.",
    )
    observances: list[Observance] = Field(default=[PREVENTION_MONTH], description="Highlighted observances.")
    translations: dict[str, dict[str, str]] = Field(
        default={},
        description=(
            "The site's own words in the other languages of the public pages, by language and by the English "
            "text as configured: its name, description and hotline, the observances' names, descriptions, key "
            "dates and links (`[site.translations.es]`, then `\"English text\" = \"Spanish text\"`). Text without "
            "one reads as configured; the defaults' Spanish is built in."
        ),
    )
    sources: list[SyncSource] = Field(
        default=[], description="Partner calendars `calendar-app sync` brings in (`[[sources]]` tables; see below)."
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return check_zone_name(value, example="America/New_York")

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry.strip(), strict=False)
            except ValueError:
                raise ValueError(
                    f"{entry!r} is not an IP address or network; write one such as 127.0.0.1, ::1 or 10.0.0.0/8"
                ) from None
        return [entry.strip() for entry in value]

    @field_validator("embed_ancestors")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        # Each one goes into a Content-Security-Policy header as it is: nothing else may pass.
        origins = []
        for entry in value:
            origin = entry.strip().rstrip("/")
            if origin != "*" and not _ORIGIN.match(origin):
                raise ValueError(
                    f"{entry!r} is not a site's origin; write one such as https://partner.org, "
                    "https://*.partner.org or http://localhost:8080, or * for any site"
                )
            origins.append(origin)
        return origins

    @field_validator("observances")
    @classmethod
    def _unique_ids(cls, value: list[Observance]) -> list[Observance]:
        ids = [o.id for o in value]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"observance ids must be unique; used more than once: {', '.join(twice)}")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def trusted_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """`trusted_proxies` as networks (an address is a network of one)."""
        return tuple(ipaddress.ip_network(entry, strict=False) for entry in self.trusted_proxies)

    @property
    def base_url_set(self) -> bool:
        """Whether the configuration names `base_url` (else the server uses the address it listens on)."""
        return "base_url" in self.model_fields_set

    @property
    def alerts_offered(self) -> bool:
        """Whether the site takes sign-ups for e-mail alerts: `alerts` on, and an SMTP server to send them."""
        return self.alerts and bool(self.smtp_host)

    @property
    def sponsor_names(self) -> dict[str, str]:
        return {s.id: s.name for s in self.sponsors}

    def translated(self, text: str, lang: str) -> str:
        """`text`, as configured, in the language `lang`: from `translations`, else the defaults' own,
        else as it is (English, the language the configuration is written in)."""
        return self.translations.get(lang, {}).get(text) or DEFAULT_TRANSLATIONS.get(lang, {}).get(text) or text

    def observance(self, observance_id: str) -> Observance | None:
        return next((o for o in self.observances if o.id == observance_id), None)

    def source(self, source_id: str) -> SyncSource | None:
        """The partner calendar of `[[sources]]` with this id, if it is still configured."""
        return next((s for s in self.sources if s.id == source_id), None)


def served_url(host: str, port: int) -> str:
    """The address of a server listening on `host` and `port`, as a browser on this machine writes it.

    Listening on every interface (`0.0.0.0`, `::`) names the loopback address: nothing else
    about the machine's public name is known without trusting a request's `Host` header.
    """
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def for_server(config: SiteConfig, url: str) -> SiteConfig:
    """`config` with `url` as its base_url, unless the configuration names one."""
    if config.base_url_set:
        return config
    try:
        return SiteConfig.model_validate({**config.model_dump(exclude_unset=True), "base_url": url})
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise ConfigError([Problem(url, None, "base_url", message)]) from None


def base_url_warning(config: SiteConfig, host: str, port: int) -> str | None:
    """One line when the links will not lead where the server listens, else None.

    That is a configured base_url on this machine other than the address served, or no base_url
    while listening on every interface. A public base_url (a reverse proxy in front) is left
    alone: it differs from the address listened on by design.
    """
    served = served_url(host, port)
    everywhere = host in ("", "0.0.0.0", "::")
    if not config.base_url_set:
        if everywhere:
            return with_hint(f"base_url: unset, so links name {served}, which other machines cannot reach",
                             "set base_url")
        return None
    parts = urlsplit(config.base_url)
    if not _is_loopback(parts.hostname or ""):
        return None
    named_port = parts.port or (443 if parts.scheme == "https" else 80)
    if named_port == port and (_is_loopback(host) or everywhere):
        return None
    return with_hint(
        f"base_url: {config.base_url} is not where the server listens ({served}), yet links and feeds name it",
        "remove base_url to follow the address served, or change it",
    )


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def load_config(path: Path | None) -> SiteConfig:
    """Read the TOML file at `path` (its `[site]` table and `[[observances]]`), or the defaults.

    A missing default file gives the defaults; a missing file named explicitly is an error.
    """
    if path is None:
        return SiteConfig()
    try:
        text = read_regular_text(path)  # a named pipe in its place is refused, not waited on
    except FileNotFoundError:
        raise ConfigError([Problem(str(path), None, None, "configuration file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(str(path), None, None, f"cannot read the configuration: {exc}")]) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise ConfigError([Problem(str(path), int(match.group(1)) if match else None, None, str(exc))]) from None
    data = dict(raw.pop("site", {}))
    for key in _ARRAY_TABLES:
        if key in raw:
            data[key] = raw.pop(key)
    problems = [
        Problem(str(path), _line_of(text, (key,), table=None), key, "unknown table or key", "settings go under [site]")
        for key in raw
    ]
    try:
        config = SiteConfig.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            message = re.sub(r"^(Input|String|Value|List) should", "must", err["msg"].removeprefix("Value error, "))
            if err["type"] == "extra_forbidden":
                message = "unknown setting"
            line = _line_of(text, loc) if loc else None
            problems.append(Problem(str(path), line, dotted(loc) or None, message[:1].lower() + message[1:]))
    types, features = data.get("types"), data.get("accessibility")
    types = types if isinstance(types, list) else DEFAULT_TYPES
    features = features if isinstance(features, list) else SiteConfig().accessibility
    for loc, message in source_problems(data.get("sources"), types, features):
        problems.append(Problem(str(path), _line_of(text, loc), dotted(loc), message))
    if problems:
        raise ConfigError(sorted(problems, key=lambda p: (p.line is None, p.line or 0)))
    return config


_ARRAY_TABLES = ("observances", "sponsors", "sources")


def _line_of(text: str, loc: tuple[str | int, ...], table: str | None = "site") -> int | None:
    """The line of the setting at `loc`, such as ('observances', 1, 'key_dates', 0, 'day').

    Looks inside the right table: the second `[[observances]]` for index 1, `[site]` for a plain
    setting, so that `id` or `name` points at the table it belongs to and not the first one.
    """
    begin, end = 0, len(text)
    parts = list(loc)
    if parts and parts[0] not in _ARRAY_TABLES and table is not None:
        header = re.search(rf"^[ \t]*\[\s*{re.escape(table)}\s*\]", text, re.MULTILINE)
        if header:
            following = re.compile(r"^[ \t]*\[", re.MULTILINE).search(text, header.end())
            begin, end = header.end(), following.start() if following else len(text)
    prefix = ""
    while len(parts) >= 2 and isinstance(parts[0], str) and isinstance(parts[1], int):
        name, index = prefix + str(parts.pop(0)), int(parts.pop(0))
        pattern = re.compile(rf"^[ \t]*\[\[\s*{re.escape(name)}\s*\]\]", re.MULTILINE)
        headers = [m for m in pattern.finditer(text, begin, end)]
        if index >= len(headers):
            break
        begin = headers[index].end()
        end = headers[index + 1].start() if index + 1 < len(headers) else end
        prefix = name + "."
    keys = [p for p in parts if isinstance(p, str)]
    line = None
    for key in keys:
        pattern = re.compile(
            rf"^[ \t]*(\[+\s*)?{re.escape(prefix + key)}\s*(=|\])|^[ \t]*{re.escape(key)}\s*=", re.MULTILINE
        )
        match = pattern.search(text, begin, end)
        if not match:
            break
        line = text.count("\n", 0, match.start()) + 1
        if match.group(1) is None:  # `key = ...`: a value, or an inline table, on this line
            break
        # A table of its own (`[sources.defaults]`): its keys are on the lines below its header.
        following = re.compile(r"^[ \t]*\[", re.MULTILINE).search(text, match.end(), end)
        begin, end, prefix = match.end(), following.start() if following else end, prefix + key + "."
    if line is not None:
        return line
    return text.count("\n", 0, begin) + 1 if begin else None


def settings_table() -> str:
    """The Markdown table of every setting, its default and its description (the manual's settings page)."""
    rows = ["| setting | default | what it does |", "|---|---|---|"]
    for name, info in SiteConfig.model_fields.items():
        description = (info.description or "").replace("|", "\\|")
        rows.append(f"| `{name}` | {_shown_default(info.default)} | {description} |")
    return "\n".join(rows)


def _shown_default(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list):
        names = [getattr(item, "id", item) for item in value]
        return ", ".join(f"`{n}`" for n in names) if names else "none"
    text = str(value)
    return f"`{text}`" if len(text) <= 60 else f"`{text[:57].rstrip()}…`"
