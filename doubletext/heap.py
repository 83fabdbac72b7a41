"""The start-up heap of a long-lived process, frozen out of the cyclic collector's walks.

What start-up builds (imported modules, compiled graphs, the app's classes and the embedded
engine: some 170k objects) lives as long as the process. Frozen (`gc.freeze`), full collections
stop walking it: in a server a full collection stalls every request in flight (34 ms before the
freeze, 0.002 ms after, on a 2-core machine); in the chat app it stalls every keystroke
(`python -m bench.tui_bench` reports the pauses, `--no-freeze` without this).

Only for a process's one server or app: frozen objects are never collected as cycles, so a test
process that builds many apps must not call it.
"""

from __future__ import annotations

import gc


def freeze_startup_heap() -> None:
    """Collect what start-up left behind, then freeze what survives."""
    gc.collect()
    gc.freeze()
