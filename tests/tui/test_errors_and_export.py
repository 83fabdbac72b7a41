"""401 from a server, exporting the transcript, copying the last reply."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.tui.conftest import RecordingApp
from tests.tui.helpers import idle, ready, replies, say, wait_until
from tui.runstate import Fate


class Unauthorized(BaseHTTPRequestHandler):
    def _deny(self) -> None:
        body = json.dumps({"detail": "Missing or invalid API key"}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _deny

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def locked_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Unauthorized)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


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
