"""The least an HTTP request can cost: `GET /ok` written on a bare socket, its answer read back.

Set beside the same request through the SDK (`sdk_trip_ms`), it shows what the client itself
adds to every request: httpx's transport, and the SDK's JSON coding, which it hands to a worker
thread (`_aencode_json`, `_adecode_json`). Every figure measured through the SDK pays that per
request on its timed path, and no server can take it away; the floor, in-process, never pays it.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit


class BareConnection:
    """One keep-alive HTTP/1.1 connection, spoken by hand: no client library at all."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str):
        self._reader = reader
        self._writer = writer
        self._host = host

    @classmethod
    async def open(cls, url: str) -> BareConnection:
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer, f"{host}:{port}")

    async def get(self, path: str) -> bytes:
        """The body of a 200 answer to `GET path`; anything else raises."""
        request = f"GET {path} HTTP/1.1\r\nhost: {self._host}\r\naccept: */*\r\n\r\n"
        self._writer.write(request.encode("ascii"))
        await self._writer.drain()
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers = dict(
            (name.strip().lower(), value.strip())
            for name, _, value in (line.partition(":") for line in header_lines if line)
        )
        if "content-length" not in headers:
            raise RuntimeError(f"GET {path}: no Content-Length in the answer ({status_line})")
        body = await self._reader.readexactly(int(headers["content-length"]))
        if status_line.split(" ")[1:2] != ["200"]:
            raise RuntimeError(f"GET {path}: {status_line}")
        return body

    async def close(self) -> None:
        self._writer.close()
        await self._writer.wait_closed()
