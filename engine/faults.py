"""Named crash points, for deterministic fault injection.

A test starts an engine in a child process with `DOUBLETEXT_CRASH_AT=<name>` (or `<name>:<n>`
for the n-th time that point is reached); when the engine gets there the process SIGKILLs
itself (no cleanup of any kind, like `kill -9`), and the test restarts on the same data dir and
audits it. Without the variable a crash point is one comparison.
"""

from __future__ import annotations

import os
import signal

CRASH_ENV = "DOUBLETEXT_CRASH_AT"
_NAME, _, _NTH = (os.environ.get(CRASH_ENV) or "").partition(":")
_hits = 0


def crashpoint(name: str) -> None:
    global _hits
    if name != _NAME:
        return
    _hits += 1
    if _hits >= int(_NTH or 1):
        os.kill(os.getpid(), signal.SIGKILL)
