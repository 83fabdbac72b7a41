"""401 from a server, exporting the transcript, copying the last reply."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.tui.conftest import RecordingApp
from tests.tui.helpers import fate_of, idle, ready, replies, say, wait_until
from tui.runstate import Fate
from tui.widgets.dialogs import PathDialog


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
    app = RecordingApp(
        locked_server, "task_maistro", export_dir=tmp_path, state_file=tmp_path / "s.json"
    )
    async with app.run_test(size=(150, 40)) as pilot:
        await wait_until(pilot, lambda: any("401" in n for n, _ in app.notes), 15)
        await say(pilot, "hello")
        await wait_until(pilot, lambda: fate_of(app, "hello") is Fate.ERROR)
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
        await wait_until(pilot, lambda: isinstance(app.screen, PathDialog), 5, "export dialog")
        suggested = app.screen.query_one("#path").value
        assert suggested == str(tmp_path / f"doubletext-{app.thread_id[:8]}.md")
        await pilot.press("enter")
        exported = tmp_path / f"doubletext-{app.thread_id[:8]}.md"
        await wait_until(pilot, exported.exists, 5, "the export")
        text = exported.read_text()
        assert "> hello there" in text and "reply to: hello there" in text
        assert "(enqueue, done)" in text
        stem = exported.with_suffix("").name + "-timeline"
        svg, story = tmp_path / f"{stem}.svg", tmp_path / f"{stem}.md"
        await wait_until(pilot, lambda: svg.exists() and story.exists(), 5, "the timeline")
        assert svg.read_text().startswith("<svg") and "run&#160;1" in svg.read_text()
        assert "| 1 | `" in story.read_text() and "| hello there |" in story.read_text()
        for written in (exported, svg, story):  # owner-only, like every data file
            assert written.stat().st_mode & 0o077 == 0, written.name
