"""The same scenarios against `langgraph dev` (the reference server, no story): the timeline is
built from runs.list, its `lifecycle` thread stream, history and the client's own calls, and
must equal what its runs API says. Skipped when `langgraph-cli[inmem]` is not installed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from langgraph_sdk import get_client

from bench import server as servers
from bench.timeline_bench import Cancel, drive
from doubletext.demo import SCENARIOS
from tests.timeline.checks import check_lanes_equal_runs


@pytest.fixture(scope="module")
def reference_url() -> Iterator[str]:
    try:
        servers.reference_command()
    except RuntimeError:
        pytest.skip("langgraph-cli[inmem] is not installed")
    with servers.running("reference") as server:
        yield server.url


@pytest.fixture
async def reference(reference_url: str) -> AsyncIterator:
    client = get_client(url=reference_url, api_key=None)
    yield client
    await client.aclose()


@pytest.mark.timeout(180)
async def test_the_timeline_equals_the_reference_runs(reference) -> None:
    for scenario in [*SCENARIOS, Cancel("interrupt"), Cancel("rollback")]:
        observer = await drive(
            reference,
            scenario,
            lifecycle=True,
            configurable={"doubletext_pace": 0.2},
            settle_s=1.0,  # see drive(): a rolled-back run can linger `interrupted` there
        )
        assert observer.lifecycle_served, "langgraph dev serves the lifecycle thread stream"
        assert observer.view.lifecycle, "and it told us when runs started and ended"
        await check_lanes_equal_runs(reference, observer, scenario)
        assert observer.timeline().knowledge.source == "lifecycle"
