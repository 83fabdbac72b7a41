"""Typed engine errors.

Each error carries the HTTP status the API layer answers with, so the mapping lives in one place
and Python callers get the same clear message an HTTP client sees in `{"detail": ...}`.
"""

from __future__ import annotations

REJECT_DETAIL = (
    "Thread is already running a task. Wait for it to finish or choose a different "
    "multitask strategy."
)


class EngineError(Exception):
    """Base class: a user-facing problem with a clear message."""

    status_code = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(EngineError):
    status_code = 400


class NotFound(EngineError):
    status_code = 404


class ThreadNotFound(NotFound):
    def __init__(self, thread_id: str) -> None:
        super().__init__(f"Thread with ID {thread_id} not found")
        self.thread_id = thread_id


class RunNotFound(NotFound):
    def __init__(self, thread_id: str, run_id: str) -> None:
        super().__init__(f"Run {run_id} not found on thread {thread_id}")
        self.thread_id = thread_id
        self.run_id = run_id


class NothingToCancel(NotFound):
    """Cancel named runs that are unknown or already finished."""


class Conflict(EngineError):
    status_code = 409


class ThreadBusy(Conflict):
    """A `reject` run arrived while the thread had a pending or running run."""

    def __init__(self) -> None:
        super().__init__(REJECT_DETAIL)


class InvalidInput(EngineError):
    """Malformed input: the request can never succeed as written (HTTP 422)."""

    status_code = 422


class UnknownAssistant(InvalidInput):
    def __init__(self, assistant_id: str, graphs: list[str]) -> None:
        names = ", ".join(sorted(graphs)) or "(none)"
        super().__init__(
            f"Invalid assistant: '{assistant_id}'. Must be either a valid assistant UUID or "
            f"one of the registered graphs: {names}"
        )


class StorageError(EngineError):
    """The data directory or a database file cannot be used (corrupt, unwritable, ...)."""


class ConfigError(EngineError):
    """langgraph.json or a graph it names cannot be loaded."""


class DataDirInUse(StorageError):
    """Another engine holds the data directory's lock (one data directory, one engine)."""

    def __init__(self, data_dir: str, holder: str) -> None:
        super().__init__(
            f"data directory {data_dir} is in use by another doubletext engine ({holder}); "
            "stop it or choose another --db"
        )
        self.data_dir = data_dir
        self.holder = holder
