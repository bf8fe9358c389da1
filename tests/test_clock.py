"""Qibu's "today" is Shanghai's, whatever zone the server's clock runs in."""

import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app import clock, create_app
from app.config import TestingConfig

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def unpinned():
    pinned = clock.local_today()
    clock.pin_today(None)
    yield
    clock.pin_today(pinned)


def test_today_is_the_configured_zones_date(unpinned):
    shanghai = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert clock.local_today() == shanghai  # outside any app: the default zone
    app = create_app(TestingConfig, BABEL_DEFAULT_TIMEZONE="America/Los_Angeles")
    with app.app_context():
        assert clock.local_today() == datetime.now(ZoneInfo("America/Los_Angeles")).date()
    between = {datetime.now(UTC).date() + timedelta(days=d) for d in (-1, 0, 1)}
    assert shanghai in between


def test_a_pinned_day_is_kept_until_unpinned(unpinned):
    clock.pin_today(date(2027, 2, 28))
    assert clock.local_today() == date(2027, 2, 28)
    clock.pin_today(None)
    assert clock.local_today() == datetime.now(ZoneInfo("Asia/Shanghai")).date()


def _machine_date_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "today" and not node.args
                and isinstance(node.func.value, ast.Name | ast.Attribute)
                and getattr(node.func.value, "id", getattr(node.func.value, "attr", "")) == "date"):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_module_reads_the_machine_date():
    """Between 16:00 and 24:00 UTC ``date.today()`` on a UTC server is yesterday in
    Shanghai: one rule reading it beside another reading `local_today` told people that
    today's date was in the future. Every rule asks `app.clock.local_today`."""
    offenders = [hit for package in ("app", "models", "surveys", "matching", "tests")
                 for path in sorted((ROOT / package).rglob("*.py"))
                 for hit in _machine_date_calls(path)]
    assert offenders == []
