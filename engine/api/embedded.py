"""Serve the engine from inside another asyncio program (the TUI, the demo, tests).

uvicorn runs as a task in the caller's event loop on a real loopback socket: an SSE stream
needs a socket, because `httpx.ASGITransport` buffers whole responses. The engine is opened
before the socket is bound so a bad database is reported as a clean `EngineError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import tempfile
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn

from engine.api.app import create_app
from engine.config import DEFAULT_CONFIG, Settings, default_data_dir

if TYPE_CHECKING:
    from engine.core import Engine

log = logging.getLogger(__name__)


class QuietServer(uvicorn.Server):
    """A uvicorn server that leaves the host program's signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind now so port errors surface here (`OSError`) and port 0 picks a free port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose proto
    # says TCP; with proto 0, Nagle + delayed ACKs add ~40 ms to every keep-alive request.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def uvicorn_config(
    app: object, *, log_level: str = "warning", grace_s: float = 3.0
) -> uvicorn.Config:
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        log_level=log_level,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=int(max(grace_s, 1)),
        ws="none",
    )


@dataclass
class EmbeddedServer:
    url: str
    data_dir: Path
    engine: Engine
    _server: uvicorn.Server = field(repr=False)
    _task: asyncio.Task[None] = field(repr=False)
    _tmp: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    async def stop(self) -> None:
        """Stop serving (open streams get a short grace period), then close the engine."""
        self._server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout=5)
        except (TimeoutError, asyncio.CancelledError):
            self._server.force_exit = True
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
        except Exception:
            log.exception("embedded server stopped with an error")
        await self.engine.close()
        if self._tmp is not None:
            self._tmp.cleanup()


async def start_embedded_server(
    *,
    data_dir: Path | None = None,
    config_path: Path | None = None,
    pace: float | None = None,
    model: str | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    ephemeral: bool = False,
    api_key: str | None = None,
) -> EmbeddedServer:
    """Open the engine and serve it on `host:port` (0 = any free port) in this event loop.

    `ephemeral=True` (and no `data_dir`) keeps the data in a temporary directory removed on stop.
    With `api_key`, every request must carry it in `x-api-key`.
    Raises `EngineError` (StorageError / ConfigError) or `OSError` for an unusable port.
    """
    from engine.core import Engine

    tmp = tempfile.TemporaryDirectory(prefix="doubletext-") if ephemeral and not data_dir else None
    resolved = Path(tmp.name) if tmp else (data_dir or default_data_dir())
    settings = Settings(
        data_dir=resolved, config_path=config_path or DEFAULT_CONFIG, pace=pace, model=model
    )
    settings.apply_model_env()
    engine = await Engine.open(settings)
    try:
        sock = bind_socket(host, port)
    except BaseException:
        await engine.close()
        raise
    server = QuietServer(uvicorn_config(create_app(engine, api_key), grace_s=1.0))
    task = asyncio.create_task(server.serve(sockets=[sock]), name="doubletext-embedded-server")
    while not server.started:
        if task.done():
            await engine.close()
            task.result()  # re-raise what stopped it
            raise RuntimeError("embedded server stopped during startup")
        await asyncio.sleep(0.005)
    return EmbeddedServer(
        url=url_of(sock), data_dir=resolved, engine=engine, _server=server, _task=task, _tmp=tmp
    )
