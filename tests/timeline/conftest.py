"""Fixtures for the timeline tests: one real embedded engine for the session, SDK clients per test.

Separate from tests/tui's fixtures on purpose: nothing here needs the chat app.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from langgraph_sdk import get_client

from doubletext.engine_thread import EngineThread

pytest.register_assert_rewrite("tests.timeline.checks")


@pytest.fixture(scope="session")
def engine_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = EngineThread(data_dir=tmp_path_factory.mktemp("engine"), pace=0.05).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
async def client(engine_url: str) -> AsyncIterator:
    client = get_client(url=engine_url, api_key=None)
    yield client
    await client.aclose()


@pytest.fixture
async def isolated_client(tmp_path) -> AsyncIterator:
    """A client of an engine of its own, for every test that rolls a run back.

    Why: on main, a rollback (the strategy, or a cancel with action=rollback) can leave the
    engine's checkpoint connection inside a transaction, after which every run on that engine
    ends `error` ("cannot start a transaction within a transaction"); the lifecycle rework
    fixes it. An engine per such test keeps one bad rollback from failing the tests after it.
    """
    server = EngineThread(data_dir=tmp_path / "engine", pace=0.05).start()
    client = get_client(url=server.url, api_key=None)
    try:
        yield client
    finally:
        await client.aclose()
        server.stop()
