"""The event loop a standalone engine runs on: uvloop where it is installed, asyncio's otherwise.

An engine spends most of its time handing work to SQLite's threads and answering short HTTP
requests; uvloop does both with less overhead per wake-up (about a fifth off a run's round trip
through the SDK, `python -m bench`). The TUI's own loop stays Textual's: only loops the engine
owns (`doubletext serve`, the embedded engine's thread) are made here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

try:
    import uvloop
except ImportError:  # pragma: no cover - Windows, or a trimmed install
    uvloop = None  # type: ignore[assignment]


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    """What makes a new engine loop (for `asyncio.Runner(loop_factory=...)`)."""
    return uvloop.new_event_loop if uvloop is not None else asyncio.new_event_loop
