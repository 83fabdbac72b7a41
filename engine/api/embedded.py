"""Serve the engine from inside another asyncio program (the TUI, the demo, tests).

uvicorn runs as a task in the caller's event loop on a real loopback socket: an SSE stream
needs a socket, because `httpx.ASGITransport` buffers whole responses. The engine is opened
before the socket is bound so a bad database is reported as a clean `EngineError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import tempfile
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from engine.api.app import create_app
from engine.api.connections import HEADER_TIMEOUT_S, ConnectionLimits, protocol_class
from engine.api.middleware import LOOPBACK_HOSTS
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


def local_url(sock: socket.socket) -> str:
    """The URL a client on this machine uses (a wildcard bind is reached over loopback)."""
    host, port = sock.getsockname()[:2]
    if host in ("0.0.0.0", "::"):
        host = "::1" if host == "::" else "127.0.0.1"
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts(bind_host: str) -> frozenset[str] | None:
    """The `Host` names a server bound to `bind_host` answers: loopback names when bound to
    loopback (refusing DNS-rebound pages), any when bound to a real interface."""
    if not is_loopback(bind_host):
        return None
    literal = bind_host.lower()
    if ":" in literal and not literal.startswith("["):
        literal = f"[{literal}]"
    return LOOPBACK_HOSTS | {literal}


def uvicorn_config(
    app: object,
    *,
    log_level: str = "warning",
    grace_s: float = 3.0,
    limits: ConnectionLimits | None = None,
    own_logging: bool = True,
) -> uvicorn.Config:
    """`own_logging=False` leaves logging to the host program (uvicorn would add stderr handlers,
    which draw over a TUI); `limits` bound connections (see `engine.api.connections`)."""
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        http=protocol_class(limits or ConnectionLimits()),
        log_level=log_level,
        log_config=LOGGING_CONFIG if own_logging else None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=int(max(grace_s, 1)),
        # Longer than httpx's pool expiry (5 s): the client always drops an idle connection
        # first. With uvicorn's default (also 5 s) a request sent on a pooled connection as the
        # server closed it failed with "Server disconnected" (seen once in the storm).
        timeout_keep_alive=int(HEADER_TIMEOUT_S),
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
    own_logging: bool = True,
    limits: ConnectionLimits | None = None,
) -> EmbeddedServer:
    """Open the engine and serve it on `host:port` (0 = any free port) in this event loop.

    `ephemeral=True` (and no `data_dir`) keeps the data in a temporary directory removed on stop.
    With `api_key`, every request must carry it in `x-api-key`. The URL and key are published
    in the data directory (mode 0600) so a second `doubletext` can attach instead of competing.
    `own_logging=False`: uvicorn leaves logging alone (the host routes it, e.g. to a file).
    Raises `EngineError` (StorageError / ConfigError / DataDirInUse) or `OSError` for a port.
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
    app = create_app(engine, api_key, allowed_hosts=allowed_hosts(host))
    config = uvicorn_config(app, grace_s=1.0, limits=limits, own_logging=own_logging)
    server = QuietServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name="doubletext-embedded-server")
    while not server.started:
        if task.done():
            await engine.close()
            task.result()  # re-raise what stopped it
            raise RuntimeError("embedded server stopped during startup")
        await asyncio.sleep(0.005)
    if engine.lock is not None:
        engine.lock.publish(local_url(sock), api_key)
    return EmbeddedServer(
        url=url_of(sock), data_dir=resolved, engine=engine, _server=server, _task=task, _tmp=tmp
    )
