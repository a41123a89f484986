"""The `calendar-app` command line: what a coordinator sees, and the exit status scripts rely on."""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from calendar_app.cli.main import build_parser, main
from calendar_app.core.config import SiteConfig, load_config
from calendar_app.core.fields import FIELD_NAMES
from calendar_app.core.loader import event_files, load_event_file

from .conftest import DATA, ROOT
from .test_loader import expectations

VALID = DATA / "valid"
INVALID = DATA / "invalid"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with an events folder and no configuration file (the defaults)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "events").mkdir()
    return tmp_path


def _copy_tree(source: Path, target: Path) -> None:
    shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)


def _copy_invalid(site: Path) -> None:
    """The invalid files, with the configuration their expectations were written for."""
    _copy_tree(INVALID, site / "events")
    shutil.copy(ROOT / "calendar.toml", site / "calendar.toml")


def _expected_lines(folder: Path, shown_as: str) -> list[str]:
    lines = []
    for path in event_files(folder):
        where = f"{shown_as}/{path.relative_to(folder).as_posix()}"
        lines += [f"{where}:{e}" if e[:1].isdigit() else f"{where}: {e}" for e in expectations(path)]
    return lines


# --- validate --------------------------------------------------------------------------------


def test_validate_a_clean_folder(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _copy_tree(VALID, site / "events")
    code, out, err = run(capsys, "validate")
    count = len(event_files(site / "events"))
    assert (code, out) == (0, "")
    assert err == f"{count} event(s) valid, 0 error(s), 0 warning(s)\n"


def test_validate_prints_one_line_per_problem_and_exits_1(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _copy_invalid(site)
    code, out, err = run(capsys, "validate")
    expected = _expected_lines(site / "events", "events")
    assert code == 1
    assert out.splitlines() == expected
    assert err == f"0 event(s) valid, {len(expected)} error(s), 0 warning(s)\n"


def test_validate_named_files_and_folders(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _copy_invalid(site)
    (site / "more").mkdir()
    shutil.copy(VALID / "hybrid.md", site / "more" / "hybrid.md")
    code, out, err = run(capsys, "validate", "events/end-before-start.md", "events/dst-gap.md", "more")
    assert code == 1
    assert out.splitlines() == [
        "events/end-before-start.md:6: end: ends before start (2027-02-24 < 2027-02-26)",
        "events/dst-gap.md:5: start: 2027-03-14 02:30 does not exist in America/New_York: "
        "the clocks skip that hour for daylight saving time",
    ]
    assert err.startswith("1 event(s) valid, 2 error(s)")


def test_validate_a_path_that_does_not_exist(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "validate", "events/nothing-here.md")
    assert (code, out) == (1, "events/nothing-here.md: no such file or folder\n")


def test_validate_format_json(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _copy_invalid(site)
    code, out, err = run(capsys, "validate", "--format", "json")
    problems = json.loads(out)
    assert code == 1 and err == ""
    assert len(problems) == len(_expected_lines(site / "events", "events"))
    assert {
        "path": "events/end-before-start.md",
        "line": 6,
        "column": None,
        "field": "end",
        "message": "ends before start (2027-02-24 < 2027-02-26)",
        "hint": None,
        "severity": "error",
    } in problems
    broken = next(p for p in problems if p["path"] == "events/broken-yaml.md")
    assert (broken["line"], broken["column"]) == (7, 7)


def test_validate_format_json_of_a_clean_folder_is_an_empty_list(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(VALID / "hybrid.md", site / "events")
    code, out, _err = run(capsys, "validate", "--format", "json")
    assert (code, json.loads(out)) == (0, [])


def test_validate_format_github(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _copy_invalid(site)
    code, out, _err = run(capsys, "validate", "--format", "github")
    lines = out.splitlines()
    assert code == 1
    assert len(lines) == len(_expected_lines(site / "events", "events"))
    assert all(re.match(r"^::error file=events/[^,]+\.md(,line=\d+)?(,col=\d+)?,title=[^:]+::\S", li) for li in lines)
    assert "::error file=events/end-before-start.md,line=6,title=end::end: ends before start (2027-02-24 < 2027-02-26)" in lines
    assert (
        "::error file=events/unknown-key-strat.md,line=6,title=strat::strat: unknown field. Hint: did you mean 'start'?"
        in lines
    )
    assert "::error file=events/broken-yaml.md,line=7,col=7,title=event file::invalid YAML at column 7" in "\n".join(lines)


def test_validate_reports_a_configuration_problem_alone(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(VALID / "hybrid.md", site / "events")
    (site / "calendar.toml").write_text('[site]\ntimezone = "Mars/Olympus"\n', encoding="utf-8")
    code, out, err = run(capsys, "validate")
    assert code == 2
    assert out == (
        "calendar.toml:2: timezone: unknown time zone 'Mars/Olympus'; use an IANA name such as America/New_York\n"
    )
    assert err == "1 configuration error(s); event files not checked\n"


def test_a_mistyped_timezone_does_not_make_correct_events_wrong(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The sample configuration with one typo, over the sample events (one names its second observance)."""
    _copy_tree(ROOT / "events", site / "events")
    text = (ROOT / "calendar.toml").read_text(encoding="utf-8")
    (site / "calendar.toml").write_text(text.replace('"America/New_York"', '"America/Chicgo"', 1), encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("timezone ="))
    for fmt, expected in (
        ("text", f"calendar.toml:{line}: timezone: unknown time zone 'America/Chicgo'"),
        ("github", f"::error file=calendar.toml,line={line},title=timezone::timezone: unknown time zone"),
    ):
        code, out, _err = run(capsys, "validate", "--format", fmt)
        assert code == 2
        assert len(out.splitlines()) == 1 and out.startswith(expected)
        assert "observance" not in out and "events/" not in out


def test_events_and_config_options_choose_the_site(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (site / "elsewhere").mkdir()
    shutil.copy(VALID / "hybrid.md", site / "elsewhere" / "hybrid.md")
    (site / "only-trainings.toml").write_text('[site]\ntypes = ["training"]\n', encoding="utf-8")
    code, out, _err = run(capsys, "validate", "--events", "elsewhere", "--config", "only-trainings.toml")
    assert code == 1
    assert out.startswith("elsewhere/hybrid.md:3: type: unknown type 'seminar'; use one of training")


def test_a_named_configuration_that_is_missing(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "validate", "--config", "nowhere.toml")
    assert (code, out) == (2, "nowhere.toml: configuration file not found\n")


def test_bad_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["validate", "--format", "xml"], ["no-such-command"], []):
        with pytest.raises(SystemExit) as caught:
            main(argv)
        assert caught.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_the_console_script_never_shows_a_traceback(site: Path) -> None:
    script = Path(sys.executable).with_name("calendar-app")
    _copy_invalid(site)
    done = subprocess.run([str(script), "validate"], capture_output=True, text=True, cwd=site, timeout=60)
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    assert "events/not-utf8.md:3: is not UTF-8 text (byte 0xe9)" in done.stdout


# --- new -------------------------------------------------------------------------------------

NEW_WEBINAR = [
    "new", "--no-input",
    "--title", "Labor Trafficking 101: Indicators",
    "--type", "webinar",
    "--start", "2027-03-02 14:00",
    "--end", "15:00",
    "--online-url", "https://www.example.org/join/lt101",
    "--sponsors", "BJA, OVC",
    "--topics", "labor trafficking",
    "--description", "An introduction for **inspectors**.",
]


def test_new_writes_a_valid_file_with_a_fresh_uid(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *NEW_WEBINAR)
    assert (code, err) == (0, "")
    assert out == "events/2027/labor-trafficking-101-indicators.md\n"
    path = site / out.strip()
    event = load_event_file(path, site / "events", SiteConfig())
    assert event.title == "Labor Trafficking 101: Indicators"
    assert event.fields.sponsors == ("BJA", "OVC")
    assert event.body == "An introduction for **inspectors**."
    assert re.fullmatch(r"labor-trafficking-101-indicators-[0-9a-f]{8}@calendar\.example\.org", event.uid)
    assert path.read_text(encoding="utf-8").startswith(
        "---\ntitle: 'Labor Trafficking 101: Indicators'\ntype: webinar\nstart: 2027-03-02 14:00\nend: '15:00'\n"
    )


def test_each_new_event_gets_its_own_uid(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, *NEW_WEBINAR)[0] == 0
    assert run(capsys, *NEW_WEBINAR, "--slug", "labor-trafficking-101-repeat")[0] == 0
    uids = {load_event_file(p, site / "events", SiteConfig()).uid for p in event_files(site / "events")}
    assert len(uids) == 2


def test_new_refuses_to_overwrite(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, *NEW_WEBINAR)[0] == 0
    path = site / "events" / "2027" / "labor-trafficking-101-indicators.md"
    before = path.read_bytes()
    code, out, err = run(capsys, *NEW_WEBINAR)
    assert (code, out) == (1, "")
    assert err == f"calendar-app new: {Path('events/2027/labor-trafficking-101-indicators.md')} already exists; choose another --slug\n"
    assert path.read_bytes() == before


def test_new_refuses_a_slug_used_in_another_folder(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (site / "events" / "2026").mkdir()
    shutil.copy(VALID / "hybrid.md", site / "events" / "2026" / "hybrid.md")
    code, _out, err = run(capsys, *NEW_WEBINAR, "--slug", "hybrid")
    assert code == 1
    assert "events/2026/hybrid.md already exists" in err
    assert not (site / "events" / "2027").exists()


def test_new_never_writes_through_a_year_folder_linked_outside(
    site: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (site / "events" / "2027").symlink_to(elsewhere, target_is_directory=True)
    code, out, err = run(capsys, *NEW_WEBINAR)
    assert (code, out) == (1, "")
    assert "leads outside events; nothing was written" in err
    assert list(elsewhere.iterdir()) == []


def test_new_writes_nothing_when_the_event_is_invalid(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "new", "--no-input", "--title", "Roll Call Training", "--type", "trainig",
        "--start", "2027-03-02 14:00", "--end", "13:00", "--city", "Baltimore",
    )
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "events/2027/roll-call-training.md:3: type: unknown type 'trainig'; did you mean 'training'? "
        "use one of webinar, seminar, training, conference, workshop, meeting, observance",
        "events/2027/roll-call-training.md:5: end: ends before it starts (2027-03-02 13:00 < 2027-03-02 14:00)",
        "calendar-app new: nothing was written",
    ]
    assert list((site / "events").iterdir()) == []


def test_new_without_a_required_field_exits_2(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "new", "--no-input", "--type", "webinar", "--start", "2027-03-02")
    assert (code, err) == (2, "calendar-app new: --title is required\n")


def test_new_with_a_bad_slug_exits_2(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, *NEW_WEBINAR, "--slug", "Labor_101")
    assert code == 2
    assert "slug 'Labor_101' is not lowercase letters, digits and hyphens" in err


def test_new_with_a_broken_configuration_exits_2(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (site / "calendar.toml").write_text("[site]\npage_size = 0\n", encoding="utf-8")
    code, out, err = run(capsys, *NEW_WEBINAR)
    assert (code, out) == (2, "")
    assert err == "calendar.toml:2: page_size: must be greater than 0\n"


def test_new_asks_for_what_is_missing(
    site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    answers = [
        "Human Trafficking in Indian Country Seminar",  # title
        "seminar",  # type
        "2027-02-23",  # start
        "2027-02-25",  # end
        "",  # timezone
        "Embassy Suites Columbia",  # venue
        "Columbia",  # city
        "SC",  # region
        "",  # online url
        "",  # web page
        "OVC",  # sponsors
        "tribal communities, victim services",  # topics
        "",  # audience
    ]
    monkeypatch.setattr(sys, "stdin", Terminal("\n".join(answers) + "\n"))
    code, out, _err = run(capsys, "new")
    assert code == 0
    path = site / "events" / "2027" / "human-trafficking-in-indian-country-seminar.md"
    assert out.endswith(f"{Path('events/2027/human-trafficking-in-indian-country-seminar.md')}\n")
    assert "Title (required): " in out
    event = load_event_file(path, site / "events", SiteConfig())
    assert (event.start.isoformat(), event.end.isoformat()) == ("2027-02-23", "2027-02-25")
    assert event.location is not None and event.location.place() == "Columbia, SC"
    assert event.fields.topics == ("tribal communities", "victim services")


def _at_a_terminal(site: Path, answers: list[str]) -> tuple[int, str]:
    """`calendar-app new` in a process of its own whose input is a terminal, given `answers` line by line."""
    import os
    import pty

    leader, follower = pty.openpty()
    command = [sys.executable, "-c", "import sys; from calendar_app.cli.main import main; sys.exit(main())", "new"]
    process = subprocess.Popen(command, cwd=site, stdin=follower, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    os.close(follower)
    try:
        os.write(leader, "".join(a + "\n" for a in answers).encode() + b"\x04")  # then end of input
        out, _ = process.communicate(timeout=60)
    finally:
        os.close(leader)
    return process.returncode, out.decode()


def test_new_asks_again_for_an_invalid_answer_and_keeps_the_others(site: Path) -> None:
    code, out = _at_a_terminal(site, [
        "Roll Call Training",  # title
        "trainig",  # type, misspelt
        "training",  # asked again
        "next Tuesday",  # start: not a date
        "2027-03-02 14:00",  # asked again
        "13:00",  # end: before the start
        "15:30",  # asked again
        "", "", "", "", "",  # time zone, venue, city, region, online url: no place
        "", "Baltimore", "MD", "",  # the place asked for again: venue, city, region, online url
        "", "", "", "",  # web page, sponsors, topics, audience
    ])
    assert code == 0, out
    assert "Type, one of webinar, seminar, training, conference, workshop, meeting, observance (required): " in out
    assert "type: unknown type 'trainig'; did you mean 'training'?" in out
    assert "start: 'next Tuesday' is not a date (YYYY-MM-DD) or a date and time (YYYY-MM-DD HH:MM)" in out
    assert "end: ends before it starts (2027-03-02 13:00 < 2027-03-02 14:00)" in out
    assert ("location: the event has neither a location nor online details. "
            "Hint: give a venue or a city, or an online URL.") in out
    event = load_event_file(site / "events" / "2027" / "roll-call-training.md", site / "events", SiteConfig())
    assert (event.fields.type, event.fields.start, event.fields.end) == ("training", "2027-03-02 14:00", "15:30")
    assert event.location is not None and event.location.place() == "Baltimore, MD"


_PLACE_AND_THE_REST = [
    "Roll Call Training", "training", "2027-03-02 14:00", "15:30",  # title, type, start, end
    "", "", "Baltimore", "MD", "",  # time zone, venue, city, region, online url
    "", "", "", "",  # web page, sponsors, topics, audience
]


def test_new_asks_for_a_description_of_several_lines_ended_by_an_empty_line(site: Path) -> None:
    code, out = _at_a_terminal(site, [*_PLACE_AND_THE_REST, "A roll-call training for officers.",
                                      "Bring your **badge**.", "", "not part of it"])
    assert code == 0, out
    assert "Description, in Markdown (optional; end it with an empty line):" in out
    event = load_event_file(site / "events" / "2027" / "roll-call-training.md", site / "events", SiteConfig())
    assert event.body == "A roll-call training for officers.\nBring your **badge**."


def test_new_leaves_the_description_empty_when_none_is_typed(site: Path) -> None:
    code, out = _at_a_terminal(site, [*_PLACE_AND_THE_REST, ""])
    assert code == 0, out
    path = site / "events" / "2027" / "roll-call-training.md"
    assert path.read_text().endswith("---\n")
    assert load_event_file(path, site / "events", SiteConfig()).body == ""


def test_new_writes_nothing_when_the_input_ends_before_a_valid_answer(site: Path) -> None:
    code, out = _at_a_terminal(site, ["Roll Call Training", "training", "next Tuesday"])
    assert code == 1 and out.rstrip().endswith("calendar-app new: nothing was written"), out
    assert "Traceback" not in out and list((site / "events").iterdir()) == []


# --- schema, config-doc, help ----------------------------------------------------------------


def test_schema_is_a_valid_json_schema_naming_every_field(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "schema")
    schema = json.loads(out)
    assert code == 0
    Draft202012Validator.check_schema(schema)
    assert set(schema["properties"]) == set(FIELD_NAMES)
    assert set(schema["required"]) == {"title", "type", "start"}
    location = schema["$defs"]["Location"]["properties"]
    assert set(location) == {"venue", "address", "city", "region", "postal_code", "country"}


def test_schema_accepts_the_readme_example_and_rejects_a_typo(capsys: pytest.CaptureFixture[str]) -> None:
    _code, out, _err = run(capsys, "schema")
    validator = Draft202012Validator(json.loads(out))
    example = {
        "title": "Child Sex Trafficking: Law Enforcement Response",
        "type": "training",
        "start": "2027-02-22",
        "end": "2027-02-24",
        "location": {"venue": "Embassy Suites Columbia", "city": "Columbia", "region": "SC", "country": "US"},
        "sponsors": ["OJJDP"],
        "online": True,
        "registration": {"url": "https://www.example.org/register/cst-ler", "deadline": "2027-02-01", "cost": "Free"},
        "except": [],
        "sequence": 2,
    }
    assert list(validator.iter_errors(example)) == []
    typo = {**example, "strat": example["start"]}
    assert [e.message for e in validator.iter_errors(typo)] == [
        "Additional properties are not allowed ('strat' was unexpected)"
    ]


def test_config_prints_every_setting_in_effect_and_loads_back(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (site / "calendar.toml").write_text('[site]\nname = "Midwest Trainings"\npage_size = 10\n', encoding="utf-8")
    for argv, expected in (
        (["config"], load_config(site / "calendar.toml")),
        (["config", "--config", str(ROOT / "calendar.toml")], load_config(ROOT / "calendar.toml")),
    ):
        code, out, _err = run(capsys, *argv)
        assert code == 0
        printed = tomllib.loads(out)
        assert set(printed["site"]) | {"base_url", "smtp_host", "smtp_username", "sponsors", "observances",
                                       "sources"} == set(
            SiteConfig.model_fields
        )  # every setting, defaults included; the unset ones as comments
        (site / "printed.toml").write_text(out, encoding="utf-8")
        again = load_config(site / "printed.toml")
        assert again == expected and again.base_url_set == expected.base_url_set
    assert printed["site"]["name"] == "Human Trafficking Trainings" and printed["site"]["hsts"] is True
    assert len(printed["observances"]) == 2


def test_config_keeps_a_configured_base_url(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (site / "calendar.toml").write_text('[site]\nbase_url = "https://trainings.example.org/"\n', encoding="utf-8")
    _code, out, _err = run(capsys, "config")
    assert tomllib.loads(out)["site"]["base_url"] == "https://trainings.example.org"
    (site / "printed.toml").write_text(out, encoding="utf-8")
    assert load_config(site / "printed.toml").base_url_set


def test_config_doc_prints_every_setting(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "config-doc")
    assert code == 0
    assert out.startswith("| setting | default | what it does |\n")
    assert {m for m in re.findall(r"^\| `([a-z_]+)` \|", out, re.MULTILINE)} == set(SiteConfig.model_fields)


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices) if actions else {}


def _leaf_commands(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, argparse.ArgumentParser]:
    """`validate`, `coordinator add`, ...: every command line that runs something."""
    leaves: dict[str, argparse.ArgumentParser] = {}
    for name, sub in _subcommands(parser).items():
        leaves.update(_leaf_commands(sub, f"{prefix}{name} ") if _subcommands(sub) else {f"{prefix}{name}": sub})
    return leaves


def test_every_command_is_documented_in_the_manual() -> None:
    page = (ROOT / "docs" / "command-line.md").read_text(encoding="utf-8")
    commands = sorted(_subcommands(build_parser()))
    assert [c for c in commands if f"calendar-app {c}" not in page] == []


def test_every_command_takes_events_and_config() -> None:
    lacking = [
        name
        for name, command in _leaf_commands(build_parser()).items()
        if not {"--events", "--config"} <= set(command._option_string_actions)
    ]
    assert lacking == []


def test_version_names_the_installed_release() -> None:
    from importlib import metadata

    done = subprocess.run([sys.executable, "-m", "calendar_app", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.strip() == f"calendar-app {metadata.version('calendar-app')}"


def test_a_today_that_is_not_a_date_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "CALENDAR_TODAY": "nope"}
    done = subprocess.run([sys.executable, "-m", "calendar_app", "build", str(tmp_path / "site"), "--no-cache",
                           "--events", str(ROOT / "events"), "--config", str(ROOT / "calendar.toml")],
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "CALENDAR_TODAY: 'nope' is not a date" in done.stderr and "YYYY-MM-DD" in done.stderr


def test_a_build_without_base_url_says_what_its_feeds_will_name(tmp_path: Path) -> None:
    config = tmp_path / "calendar.toml"  # the shipped one, which sets no base_url
    config.write_text((ROOT / "calendar.toml").read_text(encoding="utf-8"), encoding="utf-8")
    assert "\nbase_url" not in config.read_text(encoding="utf-8")
    argv = ["build", str(tmp_path / "site"), "--no-cache", "--today", "2026-11-23",
            "--events", str(ROOT / "events"), "--config", str(config)]
    done = subprocess.run([sys.executable, "-m", "calendar_app", *argv], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0 and "warning: no base_url is set" in done.stderr and "--base-url" in done.stderr
    again = subprocess.run([sys.executable, "-m", "calendar_app", *argv, "--base-url", "https://trainings.example.org"],
                           capture_output=True, text=True, cwd=tmp_path)
    assert again.returncode == 0 and "no base_url" not in again.stderr
