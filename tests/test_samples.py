"""The shipped sample events validate clean, as the README promises."""

from calendar_app.config import SiteConfig
from calendar_app.loader import load_events

from .conftest import SAMPLE_EVENTS


def test_sample_events_validate_clean(sample_config: SiteConfig) -> None:
    result = load_events(SAMPLE_EVENTS, sample_config)
    assert [str(p) for p in result.problems] == []
    assert len(result.events) >= 25
