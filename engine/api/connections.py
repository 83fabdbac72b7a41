"""Connection limits uvicorn lacks: a deadline for request headers and a cap on open sockets.

uvicorn times out a keep-alive connection only after a response, and any byte resets that
timer, so connections that never send (or trickle) a request stay open for good: 1,100 of them
used up a 1024-descriptor limit and the server stopped accepting anyone. Here every connection
waiting for a request must deliver its headers within `header_timeout_s`, and when more than
`max_connections` are open the oldest ones that are only waiting are closed first, so a client
with a real request always gets in. Connections busy with a request (SSE streams, long polls)
are never shed.
"""

from __future__ import annotations

import asyncio
import resource
from dataclasses import dataclass, field

try:  # uvicorn's C parser (a dependency: about 0.1 ms less per request than h11's)
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as BaseProtocol
except ImportError:  # pragma: no cover - httptools missing: uvicorn's pure-Python protocol
    from uvicorn.protocols.http.h11_impl import H11Protocol as BaseProtocol  # type: ignore[assignment]

HEADER_TIMEOUT_S = 15.0
MAX_CONNECTIONS = 4096
FD_RESERVE = 64  # descriptors kept for SQLite files, logs and the listening socket


def raise_fd_limit(wanted: int = 65536) -> int:
    """Raise the soft open-files limit toward the hard one; returns the soft limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


def default_max_connections() -> int:
    """What the descriptor limit allows, minus a reserve, at most MAX_CONNECTIONS."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(8, min(MAX_CONNECTIONS, soft - FD_RESERVE))


@dataclass
class ConnectionLimits:
    header_timeout_s: float = HEADER_TIMEOUT_S
    max_connections: int = field(default_factory=default_max_connections)
    # Connections waiting for a request, oldest first (a dict keeps insertion order).
    waiting: dict[GuardedProtocol, None] = field(default_factory=dict)
    shed: int = 0


class GuardedProtocol(BaseProtocol):
    """uvicorn's HTTP protocol plus a header deadline and oldest-idle-first shedding."""

    limits: ConnectionLimits  # set on the subclass `protocol_class` makes

    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_request()
        over = len(self.connections) - self.limits.max_connections
        if over > 0:  # closed ones stay in the set until their connection_lost: don't count them
            over = sum(not c.transport.is_closing() for c in self.connections) - (
                self.limits.max_connections
            )
        for victim in list(self.limits.waiting):
            if over <= 0:
                break
            if victim is not self:
                victim._drop()
                over -= 1
        if over > 0:  # every other connection is busy with a request: refuse this one
            self._drop()

    def connection_lost(self, exc: Exception | None) -> None:
        self._request_started()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        # Both uvicorn protocols start a request cycle once its headers are in, from here.
        before = self.cycle
        super().data_received(data)
        if self.cycle is not before:  # a request's headers arrived
            self._request_started()

    def on_response_complete(self) -> None:
        if not self.transport.is_closing():
            self._await_request()  # before super(): it may start a pipelined request at once
        super().on_response_complete()

    def _await_request(self) -> None:
        self._cancel_deadline()
        self.limits.waiting[self] = None
        self._deadline = self.loop.call_later(self.limits.header_timeout_s, self._drop)

    def _request_started(self) -> None:
        self._cancel_deadline()
        self.limits.waiting.pop(self, None)

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _drop(self) -> None:
        """Close a connection that has no request in progress (nothing to answer)."""
        self._request_started()
        self.limits.shed += 1
        if not self.transport.is_closing():
            self.transport.close()


def protocol_class(limits: ConnectionLimits) -> type[GuardedProtocol]:
    """A protocol class bound to one server's limits (uvicorn instantiates it per connection)."""
    return type("GuardedProtocol", (GuardedProtocol,), {"limits": limits})
