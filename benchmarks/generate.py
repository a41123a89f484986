"""Generate a realistic synthetic folder of event files for benchmarks.

    python -m benchmarks.generate 10000 benchmarks/data/10k

Titles, Markdown descriptions of a few hundred words, the four main US time zones, all-day
multi-day events, about one in ten recurring, some cancelled and postponed, tags from the
site's vocabularies. The same seed gives the same folder.
"""

from __future__ import annotations

import argparse
import random
from datetime import date, timedelta
from pathlib import Path

from calendar_app.writer import render_event_file

ZONES = ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]
TYPES = ["webinar", "seminar", "training", "conference", "workshop", "meeting"]
SPONSORS = ["OJP", "BJA", "BJS", "NIJ", "OVC", "OJJDP", "SMART"]
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


def _paragraph(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _event(rng: random.Random, i: int, first_day: date) -> tuple[str, dict[str, object], str]:
    kind = rng.choice(TYPES)
    subject = rng.choice(SUBJECTS)
    day = first_day + timedelta(days=rng.randrange(0, 730))
    zone = rng.choice(ZONES)
    data: dict[str, object] = {"title": f"{subject}: {kind.title()} {i}", "type": kind}
    if kind in ("conference", "training") and rng.random() < 0.6:
        data["start"] = day.isoformat()
        data["end"] = (day + timedelta(days=rng.randrange(0, 4))).isoformat()
    else:
        hour = rng.choice([9, 10, 11, 12, 13, 14, 15])
        data["start"] = f"{day.isoformat()} {hour:02d}:00"
        data["end"] = f"{hour + rng.choice([1, 2]):02d}:30"
        data["timezone"] = zone
        if rng.random() < 0.1:
            weekday = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][day.weekday()]
            data["repeat"] = f"FREQ=WEEKLY;BYDAY={weekday};COUNT={rng.randrange(3, 9)}"
    if kind == "webinar" or rng.random() < 0.2:
        data["online"] = {"url": f"https://www.example.org/join/{i}", "platform": "Zoom"}
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
    data["sponsors"] = rng.sample(SPONSORS, rng.randrange(1, 3))
    data["topics"] = rng.sample(TOPICS, rng.randrange(1, 4))
    data["audience"] = rng.sample(AUDIENCE, rng.randrange(1, 4))
    body = "\n\n".join(
        [_paragraph(rng, 80), "- " + _paragraph(rng, 12) + "\n- " + _paragraph(rng, 12), _paragraph(rng, 120)]
    )
    return f"event-{i:06d}", data, f"**{subject}.** " + body


def generate(count: int, out: Path, *, seed: int = 2027, first_day: date = date(2026, 6, 1)) -> Path:
    """Write `count` event files under `out/<year>/` and return `out`."""
    rng = random.Random(seed)
    for i in range(count):
        slug, data, body = _event(rng, i, first_day)
        folder = out / str(data["start"])[:4]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{slug}.md").write_text(render_event_file(data, body), encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()
    generate(args.count, args.out, seed=args.seed)
    print(f"wrote {args.count} events to {args.out}")


if __name__ == "__main__":
    main()
