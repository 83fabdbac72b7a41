"""The timeline a client builds equals what the runs API says, on the real embedded engine: the
tutorial's four scenarios plus Esc and Ctrl+B, observed through the SDK (runs.list + history +
the client's own calls). See `checks.check_lanes_equal_runs` for what is compared."""

from __future__ import annotations

import pytest

from bench.timeline_bench import Cancel, drive
from doubletext.demo import SCENARIOS
from tests.timeline.checks import check_lanes_equal_runs

NO_ROLLBACK = [s for s in SCENARIOS if s.strategy != "rollback"] + [Cancel("interrupt")]
ROLLBACK = [s for s in SCENARIOS if s.strategy == "rollback"] + [Cancel("rollback")]


def name(scenario) -> str:
    return f"{type(scenario).__name__}-{scenario.strategy}"


@pytest.mark.parametrize("scenario", NO_ROLLBACK, ids=name)
async def test_lanes_equal_the_runs(client, scenario) -> None:
    observer = await drive(client, scenario)
    await check_lanes_equal_runs(client, observer, scenario)


@pytest.mark.parametrize("scenario", ROLLBACK, ids=name)
async def test_lanes_equal_the_runs_after_a_rollback(isolated_client, scenario) -> None:
    """On an engine of its own: see the `isolated_client` fixture for why."""
    observer = await drive(isolated_client, scenario)
    await check_lanes_equal_runs(isolated_client, observer, scenario)
