"""401 from a server, exporting the transcript, copying the last reply."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.tui.conftest import RecordingApp
from tests.tui.helpers import idle, ready, replies, say, wait_until
from tui.runstate import Fate


@pytest.fixture
async def locked_server(tmp_path) -> AsyncIterator[str]:
    """Our real engine, requiring an API key the app does not have."""
    from engine.api.embedded import start_embedded_server

    server = await start_embedded_server(data_dir=tmp_path / "locked", api_key="s3cret")
    try:
        yield server.url
    finally:
        await server.stop()


async def test_401_is_a_notification(locked_server: str, tmp_path) -> None:
    app = RecordingApp(locked_server, "task_maistro", export_dir=tmp_path)
    async with app.run_test(size=(150, 40)) as pilot:
        await wait_until(pilot, lambda: any("401" in n for n, _ in app.notes), 15)
        await say(pilot, "hello")
        await wait_until(
            pilot, lambda: any(t.fate is Fate.ERROR for t in app.book.tracked.values())
        )
    assert any("API key" in n for n, sev in app.notes if sev == "error")


async def test_export_and_copy_last_reply(make_app, tmp_path) -> None:
    app = make_app("noop", export_dir=tmp_path)
    async with app.run_test(size=(150, 40)) as pilot:
        await ready(pilot)
        await say(pilot, "hello there")
        await wait_until(pilot, lambda: idle(app) and replies(app, "hello there"), 20)
        await pilot.press("ctrl+y")
        assert app.clipboard == "reply to: hello there"
        await pilot.press("ctrl+s")
        exported = list(tmp_path.glob("doubletext-*.md"))
        assert len(exported) == 1
        text = exported[0].read_text()
        assert "> hello there" in text and "reply to: hello there" in text
        assert "(enqueue, done)" in text
