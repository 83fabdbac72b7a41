"""Fixtures: one real `doubletext serve` process per session, SDK clients per test."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from langgraph_sdk import get_client, get_sync_client

from tests.api.serve import REPO, ServeProcess


def write_config(directory: Path) -> Path:
    """The repo's langgraph.json plus the test-only `chatty` graph (custom stream events)."""
    config = json.loads((REPO / "langgraph.json").read_text())
    graphs = {
        name: str(REPO / spec[2:]) if spec.startswith("./") else spec
        for name, spec in config["graphs"].items()
    }
    for name in ("chatty", "sleepy", "memo"):
        graphs[name] = f"{REPO / 'tests' / 'api' / 'graphs.py'}:{name}"
    path = directory / "langgraph.json"
    path.write_text(json.dumps({**config, "graphs": graphs}))
    return path


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("serve")
    with ServeProcess(base / "data", "--config", str(write_config(base))) as server:
        yield server.url


@pytest.fixture
async def client(server_url: str) -> AsyncIterator:
    client = get_client(url=server_url, api_key=None)
    yield client
    await client.aclose()


@pytest.fixture
def sync_client(server_url: str) -> Iterator:
    client = get_sync_client(url=server_url, api_key=None)
    yield client
    client.close()
