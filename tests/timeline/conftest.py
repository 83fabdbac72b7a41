"""Fixtures for the timeline tests: one real embedded engine for the session, SDK clients per test.

Separate from tests/tui's fixtures on purpose: nothing here needs the chat app.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from langgraph_sdk import get_client

from doubletext.engine_thread import EngineThread


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
