"""Named crash points, for deterministic fault injection.

A test starts an engine in a child process with `DOUBLETEXT_CRASH_AT=<name>`; when the engine
reaches `crashpoint(<name>)` the process SIGKILLs itself (no cleanup of any kind, like `kill -9`
or a power cut after the OS flushed), and the test restarts on the same data dir and audits.
Without the variable a crash point is one string comparison.
"""

from __future__ import annotations

import os
import signal

CRASH_ENV = "DOUBLETEXT_CRASH_AT"
_TARGET = os.environ.get(CRASH_ENV) or None


def crashpoint(name: str) -> None:
    if name == _TARGET:
        os.kill(os.getpid(), signal.SIGKILL)
