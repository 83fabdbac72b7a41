"""Run the embedded engine in this process, on its own event loop in a daemon thread.

Why a thread: the engine (uvicorn, SQLite, the paced offline model) then never competes with the
UI loop for time, which keeps keystrokes snappy while replies stream; the TUI still reaches it
only over loopback HTTP through `langgraph_sdk`. The same helper serves tests, screenshots and
benchmarks, where sync code (snapshot tests) needs a server that keeps running between calls.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from pathlib import Path
from typing import Any


class EngineThread:
    """Start with `start()`, read `.url`/`.data_dir`, finish with `stop()`."""

    def __init__(self, **options: Any) -> None:
        self.options = options
        self.url = ""
        self.data_dir: Path | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: Any = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="doubletext-engine", daemon=True)

    def _main(self) -> None:
        from engine.api.embedded import start_embedded_server
        from engine.api.loops import loop_factory

        loop = loop_factory()()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            self._server = loop.run_until_complete(start_embedded_server(**self.options))
            self.url, self.data_dir = self._server.url, Path(self._server.data_dir)
        except BaseException as exc:  # reported to the caller of start()
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        loop.run_forever()
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:  # background tasks the server left behind (store batcher, SSE)
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()

    def start(self, timeout: float = 60.0) -> EngineThread:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError("embedded engine did not start in time")
        if self._error is not None:
            raise self._error
        return self

    def stop(self, timeout: float = 15.0) -> None:
        loop, server = self._loop, self._server
        if loop is None or server is None or loop.is_closed():
            return
        try:
            asyncio.run_coroutine_threadsafe(server.stop(), loop).result(timeout)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            self._thread.join(timeout)

    def __enter__(self) -> EngineThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class PrivateLogFile(logging.FileHandler):
    """Append-only log file created with mode 0600; a failing write is dropped, never printed
    (the default would print it to stderr, over the TUI)."""

    def _open(self):  # type: ignore[no-untyped-def]
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        return os.fdopen(fd, self.mode, encoding=self.encoding, errors=self.errors)

    def handleError(self, record: logging.LogRecord) -> None:
        pass


def log_to_file(path: Path, level: int = logging.WARNING) -> None:
    """Route every log record of this process (and `warnings`) to `path`, nothing to the
    terminal: the embedded engine shares its terminal with the TUI. The file is created on the
    first record, so a process that never logs leaves no file."""
    _replace_root_handlers(PrivateLogFile(path, delay=True), level)


def silence_logs() -> None:
    """Nothing to the terminal and nothing to a file (an app attached to another engine)."""
    _replace_root_handlers(logging.NullHandler(), logging.WARNING)


def _replace_root_handlers(handler: logging.Handler, level: int) -> None:
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)
