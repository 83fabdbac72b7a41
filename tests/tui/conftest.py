"""Fixtures for TUI tests: one real engine for the session, apps that record notifications.

The engine is our embedded server in a background thread (`doubletext.engine_thread`) with a
fast pace; `DOUBLETEXT_TUI_TEST_URL` points the tests at another LangGraph server instead.
Tests marked `requires_story` run only where the live engine serves the thread's story
(docs/story.md): the probe asks the engine, so they start running once it does.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langgraph_sdk import get_client
from langgraph_sdk.errors import NotFoundError, UnprocessableEntityError

from doubletext.engine_thread import EngineThread
from tui.app import DoubletextApp


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "requires_story: needs an engine that serves the thread story"
    )


async def _serves_story(url: str) -> bool:
    """Capability probe: does this engine answer the story route for a fresh thread?"""
    client = get_client(url=url)
    try:
        thread = await client.threads.create()
        await client.http.get(f"/threads/{thread['thread_id']}/story", params={"limit": 1})
    except (NotFoundError, UnprocessableEntityError):
        return False
    finally:
        await client.http.client.aclose()
    return True


class Engine:
    def __init__(self, url: str, embedded: bool) -> None:
        self.url = url
        self.embedded = embedded
        self._story: bool | None = None

    @property
    def serves_story(self) -> bool:
        if self._story is None:
            self._story = asyncio.run(_serves_story(self.url))
        return self._story


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = os.environ.get("DOUBLETEXT_TUI_TEST_URL")
    if url:
        yield Engine(url, embedded=False)
        return
    server = EngineThread(data_dir=tmp_path_factory.mktemp("engine"), pace=0.02).start()
    try:
        yield Engine(server.url, embedded=True)
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _story_capability(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("requires_story") is None:
        return
    probe = request.getfixturevalue("engine")
    if not probe.serves_story:
        pytest.skip("the live engine does not serve the thread story (docs/story.md) yet")


class RecordingApp(DoubletextApp):
    """The real app, plus a list of every notification it raised."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.notes: list[tuple[str, str]] = []

    def notify(self, message: str, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        self.notes.append((str(message), str(kwargs.get("severity", "information"))))
        super().notify(message, *args, **kwargs)


@pytest.fixture
def make_app(engine: Engine, tmp_path: Path, request: pytest.FixtureRequest):
    """Build an app on the session engine; each test gets its own user id, export dir and
    last-thread file (so no test reopens another's thread)."""

    def build(assistant: str = "slow", **kwargs: Any) -> RecordingApp:
        safe = re.sub(r"[^A-Za-z0-9_-]", "-", request.node.name)
        kwargs.setdefault("user_id", f"user-{safe}"[:60])
        kwargs.setdefault("export_dir", tmp_path)
        kwargs.setdefault("state_file", tmp_path / "last-threads.json")
        return RecordingApp(engine.url, assistant, **kwargs)

    return build
