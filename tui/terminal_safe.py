"""Text from a server can never drive the terminal: control characters are cut as answers arrive.

The app shows what a server sends — messages, replies, todos, run inputs, error details — and
Rich passes most control characters through to the terminal, so a todo named
``"Buy \\x1b[41mmilk"`` painted the screen red, and an OSC sequence could retitle the window or
worse. Whatever wrote it (a model, another client, a hostile server), the characters are cut once,
where every answer enters the app: an httpx response hook wraps each response's byte stream before
the SDK (or the call log) reads it.

In JSON these characters arrive escaped (``\\u001b``; raw ones are not valid JSON), except DEL and
the C1 controls (U+007F–U+009F, raw in UTF-8), which may also arrive raw, and backspace, form
feed and carriage return, which arrive as ``\\b``, ``\\f``, ``\\r``. Cutting a character out of a
JSON string leaves valid JSON, and the same holds for the JSON lines of an event stream. Tab and
newline are text, and stay.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
from langgraph_sdk.client import LangGraphClient

# Left to right: an escaped backslash (kept, so `\\u001b` stays the text "\u001b"), or a \u escape
# of a control character or a short one (\b \f \r), or a raw DEL or C1 control.
_CONTROL_RE = re.compile(
    rb"\\\\|\\[bfr]|\\u00(?:[01][0-9a-fA-F]|7[fF]|[89][0-9a-fA-F])|\x7f|\xc2[\x80-\x9f]"
)
_KEPT = frozenset({b"\\\\", b"\\u0009", b"\\u000a", b"\\u000A"})
_TAIL_RE = re.compile(rb"(?:\\+[u0-9a-fA-F]{0,5}|\xc2)$")
"""An end that may be the start of something `_CONTROL_RE` matches: held for the next chunk."""


def _keep_or_cut(m: re.Match[bytes]) -> bytes:
    return m[0] if m[0] in _KEPT else b""


def cut_controls(data: bytes) -> bytes:
    """`data` (JSON text, whole) without control characters."""
    return _CONTROL_RE.sub(_keep_or_cut, data)


class ControlCutter:
    """`cut_controls` over a stream of chunks: an escape split between two chunks is joined
    before it is judged."""

    def __init__(self) -> None:
        self._held = b""

    def feed(self, chunk: bytes) -> bytes:
        data = self._held + chunk
        tail = _TAIL_RE.search(data)
        cut = tail.start() if tail else len(data)
        self._held = data[cut:]
        return cut_controls(data[:cut])

    def end(self) -> bytes:
        held, self._held = self._held, b""
        return cut_controls(held)


class _CutStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream) -> None:
        self._inner = inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        cutter = ControlCutter()
        async for chunk in self._inner:
            out = cutter.feed(chunk)
            if out:
                yield out
        rest = cutter.end()
        if rest:
            yield rest

    async def aclose(self) -> None:
        await self._inner.aclose()


async def _cut_response(response: httpx.Response) -> None:
    kind = response.headers.get("content-type", "")
    if ("json" in kind or "event-stream" in kind) and isinstance(
        response.stream, httpx.AsyncByteStream
    ):
        response.stream = _CutStream(response.stream)


def guard_terminal(client: LangGraphClient) -> None:
    """Cut control characters from every answer this SDK client gets. Attach before any other
    response hook that reads bodies (the call log), so it reads the cut body too."""
    http = client.http.client
    hooks = http.event_hooks
    hooks["response"] = [_cut_response, *hooks.get("response", [])]
    http.event_hooks = hooks
