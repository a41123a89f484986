"""schemathesis against the project's own OpenAPI document: no server error, every answer as documented.

The document is the one the application serves at `/openapi.json`; schemathesis reads it from
the ASGI application, generates requests for each operation (valid and invalid parameters) and
checks each response: no 5xx, a status code the document lists, a body and content type that
match its schema. `READ_ONLY` holds the public GET operations. The write API goes the same way:
select its operations from `SCHEMA` and call `check(case, headers=...)` with a valid token's
`Authorization` header.
"""

from __future__ import annotations

from datetime import date
import schemathesis
from schemathesis.generation.case import Case

from calendar_app.config import load_config
from calendar_app.web.app import create_app

from .conftest import ROOT, SAMPLE_EVENTS

TODAY = date(2026, 11, 23)


# Loaded when the module is read (schemathesis 4's fixture-based loading does not run under
# pytest 9). The state folder is the sample site's own, as for the other tests of the samples.
APP = create_app(load_config(ROOT / "calendar.toml"), SAMPLE_EVENTS, today=TODAY, watch=False)
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP)
READ_ONLY = SCHEMA.include(method="GET", path_regex=r"^/api/events(/\{slug\})?$")


def check(case: Case, headers: dict[str, str] | None = None) -> None:
    """Send `case` and run every schemathesis check on the answer."""
    case.call_and_validate(headers=headers)


@READ_ONLY.parametrize()
def test_read_only_operations_answer_as_documented(case: Case) -> None:
    check(case)


def test_the_read_only_operations_are_in_the_document() -> None:
    operations = {(op.method.upper(), op.path) for op in (r.ok() for r in READ_ONLY.get_all_operations())}
    assert {("GET", "/api/events"), ("GET", "/api/events/{slug}")} <= operations
