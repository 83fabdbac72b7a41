"""HTTP with no client library: requests written on a bare socket, answers read back by hand.

Set beside the SDK, it shows what the client itself adds to every request: httpx's transport,
and the SDK's JSON coding, which it hands to a worker thread (`_aencode_json`, `_adecode_json`).
Every figure measured through the SDK pays that on its timed path and no server can take it
away; the floor, in-process, never pays it. `BareClient` makes the few SDK calls the figures
make (same paths, same bodies) over one such connection, so a figure's own code can be measured
both ways against the same server.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from urllib.parse import urlsplit

import orjson


class HTTPStatusError(RuntimeError):
    """An answer other than 2xx (its status line and body in the message)."""


class BareConnection:
    """One keep-alive HTTP/1.1 connection, spoken by hand (opened again if the server closed
    it while idle, as servers do after a few seconds)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._address = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._host = f"{self._address[0]}:{self._address[1]}"
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    @classmethod
    async def open(cls, url: str) -> BareConnection:
        connection = cls(url)
        await connection._connect()
        return connection

    async def _connect(self) -> None:
        if self._writer is not None:
            await self.close()
        self._reader, self._writer = await asyncio.open_connection(*self._address)

    async def request(self, method: str, path: str, body: bytes | None = None) -> bytes:
        """The body of a 2xx answer (chunked or not); anything else raises HTTPStatusError."""
        if self._reader is None or self.closed_by_server:
            await self._connect()
        assert self._reader is not None and self._writer is not None
        head = f"{method} {path} HTTP/1.1\r\nhost: {self._host}\r\naccept: */*\r\n"
        if body is not None:
            head += f"content-type: application/json\r\ncontent-length: {len(body)}\r\n"
        self._writer.write(head.encode("ascii") + b"\r\n" + (body or b""))
        await self._writer.drain()
        status_line, headers = await self._read_head()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            answer = await self._read_chunked()
        elif "content-length" in headers:
            answer = await self._reader.readexactly(int(headers["content-length"]))
        else:
            raise HTTPStatusError(f"{method} {path}: an answer with no length ({status_line})")
        code = status_line.split(" ")[1] if " " in status_line else ""
        if not code.startswith("2"):
            raise HTTPStatusError(f"{method} {path}: {status_line}: {answer[:200]!r}")
        return answer

    @property
    def closed_by_server(self) -> bool:
        return self._reader is not None and self._reader.at_eof()

    async def get(self, path: str) -> bytes:
        return await self.request("GET", path)

    async def _read_head(self) -> tuple[str, dict[str, str]]:
        assert self._reader is not None
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            if name:
                headers[name.strip().lower()] = value.strip()
        return status_line, headers

    async def _read_chunked(self) -> bytes:
        assert self._reader is not None
        parts = []
        while True:
            size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self._reader.readuntil(b"\r\n")  # no trailers are sent to us
                return b"".join(parts)
            parts.append(await self._reader.readexactly(size))
            await self._reader.readexactly(2)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()
            self._reader = self._writer = None


class BareClient:
    """The SDK calls the figures make, as the SDK sends them, over one `BareConnection`."""

    def __init__(self, connection: BareConnection) -> None:
        self.connection = connection
        self.threads = _Threads(connection)
        self.runs = _Runs(connection)


async def _call(connection: BareConnection, method: str, path: str, payload: Any = None) -> Any:
    body = None if payload is None else orjson.dumps(payload)
    answer = await connection.request(method, path, body)
    return orjson.loads(answer) if answer.strip() else None


class _Threads:
    def __init__(self, connection: BareConnection) -> None:
        self._connection = connection

    async def create(self) -> dict[str, Any]:
        return await _call(self._connection, "POST", "/threads", {})


class _Runs:
    def __init__(self, connection: BareConnection) -> None:
        self._connection = connection

    async def create(self, thread_id: str, assistant_id: str, **fields: Any) -> dict[str, Any]:
        payload = {"assistant_id": assistant_id, **fields}
        return await _call(
            self._connection,
            "POST",
            f"/threads/{thread_id}/runs",
            {k: v for k, v in payload.items() if v is not None},
        )

    async def join(self, thread_id: str, run_id: str) -> Any:
        return await _call(self._connection, "GET", f"/threads/{thread_id}/runs/{run_id}/join")

    async def get(self, thread_id: str, run_id: str) -> dict[str, Any]:
        return await _call(self._connection, "GET", f"/threads/{thread_id}/runs/{run_id}")
