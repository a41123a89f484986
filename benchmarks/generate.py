"""Generate a realistic synthetic folder of event files for benchmarks.

    python -m benchmarks.generate 10000 benchmarks/data/10k

Titles, Markdown descriptions of a few hundred words, the US time zones (Alaska, Hawaii and
Arizona's zone without daylight saving time too), all-day multi-day events, about one in ten
recurring (timed and all-day), some cancelled and postponed, tags from the site's
vocabularies, a few Spanish-language sessions and events of the January observance. The same
count and seed give the same folder, byte for byte.
"""

from __future__ import annotations

import argparse
import random
import shutil
from datetime import date, timedelta
from pathlib import Path

from calendar_app.files.writer import render_event_file

# Raised whenever the files it writes change, so that folders kept by `ensure` are made anew.
GENERATOR_VERSION = 2
FIRST_DAY = date(2026, 6, 1)
SPAN_DAYS = 730  # events from June 2026 to June 2028: a benchmark's "today" sees past and future

ZONES = [
    ("America/New_York", 40), ("America/Chicago", 25), ("America/Denver", 8), ("America/Phoenix", 4),
    ("America/Los_Angeles", 18), ("America/Anchorage", 3), ("Pacific/Honolulu", 2),
]
TYPES = ["webinar", "seminar", "training", "conference", "workshop", "meeting"]
SPONSORS = ["OJP", "BJA", "BJS", "NIJ", "OVC", "OJJDP", "SMART"]
ACCESSIBILITY = ["captions", "asl", "interpretation", "transcript", "wheelchair"]
TOPICS = [
    "labor trafficking", "sex trafficking", "child sex trafficking", "victim services", "investigations",
    "prosecution", "task forces", "trauma-informed care", "tribal communities", "data and research",
    "prevention", "youth",
]
AUDIENCE = [
    "law enforcement", "prosecutors", "victim service providers", "task forces", "tribal leaders",
    "researchers", "health care", "educators", "general public",
]
CITIES = [
    ("Columbia", "SC"), ("Chicago", "IL"), ("Denver", "CO"), ("San Diego", "CA"), ("Atlanta", "GA"),
    ("Seattle", "WA"), ("Dallas", "TX"), ("Minneapolis", "MN"), ("Albuquerque", "NM"), ("Nashville", "TN"),
    ("Phoenix", "AZ"), ("Anchorage", "AK"), ("Honolulu", "HI"), ("Boston", "MA"), ("Miami", "FL"),
]
SUBJECTS = [
    "Identifying Victims", "Financial Investigations", "Trauma-Informed Interviewing", "Labor Exploitation",
    "Online Recruitment", "Multi-Disciplinary Teams", "Survivor-Led Services", "Case Building",
    "Prosecution Strategies", "Data Collection", "Youth Prevention", "Tribal Response",
]
WORDS = (
    "trafficking victims services investigators prosecutors task force survivors training response "
    "community partners indicators exploitation labor coercion fraud force screening referral safety "
    "evidence interview collaboration federal state local tribal housing health outreach"
).split()
_WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def _paragraph(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _description(rng: random.Random, subject: str, i: int) -> str:
    """Three to five blocks of a few hundred words: paragraphs, a list, sometimes a heading and a link."""
    blocks = [f"**{subject}.** " + _paragraph(rng, rng.randrange(60, 110))]
    blocks.append("\n".join("- " + _paragraph(rng, rng.randrange(8, 16)) for _ in range(rng.randrange(2, 5))))
    if rng.random() < 0.3:
        blocks.append("### What you will learn")
    blocks.append(_paragraph(rng, rng.randrange(80, 140)))
    if rng.random() < 0.5:
        blocks.append(f"Read the [course outline](https://www.example.org/outlines/{i}) before you attend.")
    return "\n\n".join(blocks)


def _event(rng: random.Random, i: int, first_day: date) -> tuple[str, dict[str, object], str]:
    kind = rng.choice(TYPES)
    subject = rng.choice(SUBJECTS)
    day = first_day + timedelta(days=rng.randrange(0, SPAN_DAYS))
    zone = rng.choices([z for z, _ in ZONES], weights=[w for _, w in ZONES])[0]
    data: dict[str, object] = {"title": f"{subject}: {kind.title()} {i}", "type": kind}
    recurring = rng.random() < 0.1
    if kind in ("conference", "training") and rng.random() < 0.6:
        data["start"] = day.isoformat()
        data["end"] = (day + timedelta(days=rng.randrange(0, 4))).isoformat()
        if recurring:  # a multi-day course held again each month
            data["end"] = data["start"]
            data["repeat"] = f"FREQ=MONTHLY;COUNT={rng.randrange(2, 6)}"
    else:
        hour = rng.choice([9, 10, 11, 12, 13, 14, 15])
        data["start"] = f"{day.isoformat()} {hour:02d}:00"
        data["end"] = f"{hour + rng.choice([1, 2]):02d}:30"
        data["timezone"] = zone
        if recurring:
            data["repeat"] = f"FREQ=WEEKLY;BYDAY={_WEEKDAYS[day.weekday()]};COUNT={rng.randrange(3, 9)}"
    if kind == "webinar" or rng.random() < 0.2:
        data["online"] = {"url": f"https://www.example.org/join/{i}", "platform": rng.choice(["Zoom", "Microsoft Teams"])}
    if kind != "webinar":
        city, region = rng.choice(CITIES)
        data["location"] = {"venue": f"{city} Training Center", "city": city, "region": region, "country": "US"}
    roll = rng.random()
    if roll < 0.05:
        data["status"] = "cancelled"
        data["status_note"] = "Cancelled for low registration."
    elif roll < 0.08:
        data["status"] = "postponed"
        data["status_note"] = "A new date will be announced."
    data["url"] = f"https://www.example.org/events/{i}"
    data["registration"] = {"url": f"https://www.example.org/register/{i}", "cost": rng.choice(["Free", "$50", "$150"])}
    if rng.random() < 0.2:
        data["organizer"] = {"name": "Training Coordinator", "email": f"training{i % 50}@example.org"}
    data["sponsors"] = rng.sample(SPONSORS, rng.randrange(1, 3))
    data["topics"] = rng.sample(TOPICS, rng.randrange(1, 4))
    data["audience"] = rng.sample(AUDIENCE, rng.randrange(1, 4))
    if rng.random() < 0.3:
        data["accessibility"] = rng.sample(ACCESSIBILITY, rng.randrange(1, 3))
    if rng.random() < 0.03:
        data["language"] = "es"
    if day.month == 12 and rng.random() < 0.2:
        data["observances"] = ["prevention-month"]  # a December event that belongs to January's month
    return f"event-{i:06d}", data, _description(rng, subject, i)


def generate(count: int, out: Path, *, seed: int = 2027, first_day: date = FIRST_DAY) -> Path:
    """Write `count` event files under `out/<year>/` and return `out`."""
    rng = random.Random(seed)
    made: set[Path] = set()
    for i in range(count):
        slug, data, body = _event(rng, i, first_day)
        folder = out / str(data["start"])[:4]
        if folder not in made:
            folder.mkdir(parents=True, exist_ok=True)
            made.add(folder)
        (folder / f"{slug}.md").write_text(render_event_file(data, body), encoding="utf-8")
    return out


def ensure(count: int, data_dir: Path, *, seed: int = 2027) -> Path:
    """The folder of `count` generated events under `data_dir`, made once and kept for later runs.

    A marker written last says the folder is complete, so an interrupted run is redone, not reused.
    """
    out = data_dir / f"events-{count}-seed{seed}-v{GENERATOR_VERSION}"
    marker = out / ".complete"
    if marker.exists():
        return out
    if out.exists():
        shutil.rmtree(out)
    generate(count, out, seed=seed)
    marker.write_text(f"{count}\n", encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()
    generate(args.count, args.out, seed=args.seed)
    print(f"wrote {args.count} events to {args.out}")


if __name__ == "__main__":
    main()
