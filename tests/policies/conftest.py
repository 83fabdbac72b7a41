"""Fixtures: one real embedded engine for the session (its own thread and loop), an SDK client
and a fresh thread per test; every run a test leaves active is cancelled afterwards."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

import pytest
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

from doubletext.engine_thread import EngineThread


@pytest.fixture(scope="session")
def engine_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = EngineThread(data_dir=tmp_path_factory.mktemp("policies"), pace=0.02).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
async def client(engine_url: str) -> AsyncIterator[LangGraphClient]:
    client = get_client(url=engine_url, api_key=None)
    yield client
    await client.aclose()


@pytest.fixture
async def thread_id(client: LangGraphClient) -> AsyncIterator[str]:
    thread = await client.threads.create()
    yield thread["thread_id"]
    for run in await client.runs.list(thread["thread_id"], limit=100):
        if run["status"] in ("pending", "running"):
            with contextlib.suppress(Exception):  # it may have ended meanwhile
                await client.runs.cancel(thread["thread_id"], run["run_id"], wait=True)
