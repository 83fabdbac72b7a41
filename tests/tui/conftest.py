"""Fixtures for TUI tests: one real engine for the session, apps that record notifications.

The engine is our embedded server (`engine.api.embedded`), started once in a background thread
with a fast pace. While that module is missing, `DOUBLETEXT_TUI_TEST_URL` can point the tests at
another LangGraph server (e.g. `langgraph dev` with the bench graphs); otherwise they skip.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tui.app import DoubletextApp


class Engine:
    def __init__(self, url: str, embedded: bool) -> None:
        self.url = url
        self.embedded = embedded


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = os.environ.get("DOUBLETEXT_TUI_TEST_URL")
    if url:
        yield Engine(url, embedded=False)
        return
    try:
        import engine.api.embedded  # noqa: F401
    except ImportError:
        pytest.skip("engine.api.embedded not available and DOUBLETEXT_TUI_TEST_URL unset")
    from doubletext.engine_thread import EngineThread

    server = EngineThread(data_dir=tmp_path_factory.mktemp("engine"), pace=0.02).start()
    try:
        yield Engine(server.url, embedded=True)
    finally:
        server.stop()


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
    """Build an app on the session engine; each test gets its own user id and export dir."""

    def build(assistant: str = "slow", **kwargs: Any) -> RecordingApp:
        safe = re.sub(r"[^A-Za-z0-9_-]", "-", request.node.name)
        kwargs.setdefault("user_id", f"user-{safe}"[:60])
        kwargs.setdefault("export_dir", tmp_path)
        return RecordingApp(engine.url, assistant, **kwargs)

    return build
