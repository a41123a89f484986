"""schemathesis against the project's own OpenAPI document: no server error, every answer as documented.

The document is the one the application serves at `/openapi.json`; schemathesis reads it from
the ASGI application, generates requests for each operation (valid and invalid parameters) and
checks each response: no 5xx, a status code the document lists, a body and content type that
match its schema. `READ_ONLY` holds the public GET operations, over the sample events. `WRITE`
holds the coordinators' API (create, read a file's source, replace, cancel), called with a valid
token over a copy of the sample events that the generated requests are free to change.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import schemathesis
from schemathesis import checks
from schemathesis.generation.case import Case

from calendar_app.core.config import load_config
from calendar_app.desk.accounts import Accounts
from calendar_app.web.app import create_app

from .conftest import ROOT, SAMPLE_EVENTS, SAMPLE_STATE

TODAY = date(2026, 11, 23)


# Loaded when the module is read (schemathesis 4's fixture-based loading does not run under
# pytest 9). Its private state goes to the tests' temporary folder, as for the other tests of the samples.
APP = create_app(load_config(ROOT / "calendar.toml"), SAMPLE_EVENTS, today=TODAY, watch=False, state_dir=SAMPLE_STATE)
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP)
READ_ONLY = SCHEMA.include(method="GET", path_regex=r"^/api/events(/\{slug\})?$")


def _writable_site() -> tuple[object, dict[str, str]]:
    """An application over a copy of the samples, with one coordinator and a token of theirs."""
    root = Path(tempfile.mkdtemp(prefix="openapi-writes-"))
    atexit.register(shutil.rmtree, root, True)
    shutil.copytree(SAMPLE_EVENTS, root / "events")
    shutil.copy(ROOT / "calendar.toml", root / "calendar.toml")
    config = load_config(root / "calendar.toml")
    accounts = Accounts(root / config.coordinators_file)
    accounts.add("Ana Ruiz", "ana@example.org", "correct horse battery staple")
    _id, token = accounts.issue_token("Ana Ruiz")
    app = create_app(config, root / "events", today=TODAY, watch=False, state_dir=root)
    return app, {"Authorization": f"Bearer {token}"}


WRITE_APP, WRITE_AUTH = _writable_site()
WRITE = schemathesis.openapi.from_asgi("/openapi.json", WRITE_APP).include(
    path_regex=r"^/api/events(/\{slug\}(/source|/cancel)?)?$", method=["POST", "PUT", "GET"],
).exclude(method="GET", path_regex=r"^/api/events(/\{slug\})?$")  # those are READ_ONLY's


def check(case: Case, headers: dict[str, str] | None = None, excluded: list[Any] | None = None) -> None:
    """Send `case` and run every schemathesis check on the answer (but those `excluded`)."""
    case.call_and_validate(headers=headers, excluded_checks=excluded)


@READ_ONLY.parametrize()
def test_read_only_operations_answer_as_documented(case: Case) -> None:
    check(case)


@WRITE.parametrize()
def test_write_operations_with_a_valid_token_answer_as_documented(case: Case) -> None:
    # An event's body is a free mapping of fields: whether "end" follows "start", or a slug is
    # free, is the validator's to say (a documented 422 naming the field), not the schema's. So
    # a request the schema accepts may rightly be refused; every other check runs.
    check(case, headers=WRITE_AUTH, excluded=[checks.positive_data_acceptance])


def test_the_read_only_operations_are_in_the_document() -> None:
    operations = {(op.method.upper(), op.path) for op in (r.ok() for r in READ_ONLY.get_all_operations())}
    assert {("GET", "/api/events"), ("GET", "/api/events/{slug}")} <= operations


def test_the_write_operations_are_in_the_document() -> None:
    operations = {(op.method.upper(), op.path) for op in (r.ok() for r in WRITE.get_all_operations())}
    assert operations == {("POST", "/api/events"), ("GET", "/api/events/{slug}/source"),
                          ("PUT", "/api/events/{slug}"), ("POST", "/api/events/{slug}/cancel")}
