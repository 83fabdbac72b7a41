"""One data directory, one engine: an exclusive OS lock, private files, and where the holder serves.

Two engines on one directory would each drive the other's runs (a second start even "recovers"
the first one's running run). So an engine takes `flock(LOCK_EX)` on `engine.lock` before it reads
anything else; the kernel drops the lock when the process ends, also on `kill -9`, so a crash
never leaves a stale lock behind. The holder writes its pid into the lock file and, once it
serves HTTP, its URL and API key into `endpoint.json` (mode 0600): a second `doubletext` finds
the running engine there and attaches to it instead of starting a rival.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from engine.errors import DataDirInUse, StorageError

LOCK_FILE = "engine.lock"
ENDPOINT_FILE = "endpoint.json"
LOG_FILE = "engine.log"
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
# Files of ours that are tightened to 0600 when an older doubletext left them readable.
DATA_FILES = ("engine.db", "checkpoints.db", "store.db", LOG_FILE)


@dataclass(frozen=True)
class Holder:
    """The engine holding a data directory, as far as its files tell."""

    pid: int | None
    url: str | None = None
    api_key: str | None = None

    def describe(self) -> str:
        pid = f"pid {self.pid}" if self.pid else "pid unknown"
        return f"{pid}, serving on {self.url}" if self.url else f"{pid}, not serving HTTP"


class DataDirLock:
    """Held for the engine's lifetime; `close()` releases it (the kernel does on any exit)."""

    def __init__(self, data_dir: Path, fd: int) -> None:
        self.data_dir = data_dir
        self._fd: int | None = fd

    @classmethod
    def claim(cls, data_dir: Path) -> DataDirLock:
        """Create the directory (0700) if needed and lock it, or raise `DataDirInUse`.

        Nothing in the directory is read or written before the lock is ours.
        """
        created = not data_dir.exists()
        try:
            data_dir.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create data directory {data_dir}: {_reason(exc)}") from exc
        try:
            fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, PRIVATE_FILE)
        except OSError as exc:
            raise StorageError(f"cannot use data directory {data_dir}: {_reason(exc)}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DataDirInUse(str(data_dir), read_holder(data_dir).describe()) from None
        except OSError as exc:
            os.close(fd)
            raise StorageError(f"cannot lock data directory {data_dir}: {_reason(exc)}") from exc
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _make_private(data_dir, created)
        return cls(data_dir, fd)

    def publish(self, url: str, api_key: str | None) -> None:
        """Tell a second `doubletext` where this engine serves (atomic write, mode 0600)."""
        body = json.dumps({"pid": os.getpid(), "url": url, "api_key": api_key})
        target = self.data_dir / ENDPOINT_FILE
        partial = target.with_name(f".{ENDPOINT_FILE}.{os.getpid()}")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, PRIVATE_FILE)
        with os.fdopen(fd, "w") as out:
            out.write(body)
        os.replace(partial, target)

    async def close(self) -> None:
        """Withdraw the endpoint, then unlock. The lock file stays: unlinking it would let a
        process that opened the old file and one that creates a new one both "hold" the lock."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            if _endpoint_pid(self.data_dir) == os.getpid():
                (self.data_dir / ENDPOINT_FILE).unlink()
        fd, self._fd = self._fd, None
        os.close(fd)  # closing the only descriptor releases the flock


def read_holder(data_dir: Path) -> Holder:
    """Who holds `data_dir`: the pid in the lock file, plus URL and key if it published them."""
    try:
        text = (data_dir / LOCK_FILE).read_text().strip()
        pid: int | None = int(text) if text else None
    except (OSError, ValueError):
        pid = None
    try:
        endpoint = json.loads((data_dir / ENDPOINT_FILE).read_text())
    except (OSError, ValueError):
        endpoint = None
    # An endpoint left by an engine that was killed belongs to another pid: ignore it.
    if isinstance(endpoint, dict) and pid is not None and endpoint.get("pid") == pid:
        url, key = endpoint.get("url"), endpoint.get("api_key")
        if isinstance(url, str):
            return Holder(pid, url, key if isinstance(key, str) else None)
    return Holder(pid)


def wait_for_holder(data_dir: Path, timeout_s: float = 10.0) -> Holder:
    """The holder once it serves HTTP (it may still be starting), or whatever is known then."""
    deadline = time.monotonic() + timeout_s
    while True:
        holder = read_holder(data_dir)
        if holder.url or time.monotonic() > deadline or not _alive(holder.pid):
            return holder
        time.sleep(0.05)


def _alive(pid: int | None) -> bool:
    """Whether `pid` runs (without touching the lock: probing it could fail a rival's claim)."""
    if pid is None:
        return True  # the holder has not written its pid yet
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 if missing, else tighten it to 0600."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, PRIVATE_FILE)
    except FileExistsError:
        _tighten(path, PRIVATE_FILE)
    else:
        os.close(fd)


def _endpoint_pid(data_dir: Path) -> int | None:
    try:
        pid = json.loads((data_dir / ENDPOINT_FILE).read_text()).get("pid")
    except (OSError, ValueError, AttributeError):
        return None
    return pid if isinstance(pid, int) else None


def _make_private(data_dir: Path, created: bool) -> None:
    """0700 for a directory we created or one that already is a doubletext data directory
    (never for an arbitrary `--db`, such as /tmp); 0600 for the files of ours in it."""
    if created or (data_dir / "engine.db").exists():
        _tighten(data_dir, PRIVATE_DIR)
    for name in DATA_FILES:
        for suffix in ("", "-wal", "-shm"):
            path = data_dir / f"{name}{suffix}"
            if path.exists():
                _tighten(path, PRIVATE_FILE)


def _tighten(path: Path, mode: int) -> None:
    with contextlib.suppress(OSError):  # not ours to change (another owner): leave it
        if path.stat().st_mode & 0o777 & ~mode:
            path.chmod(mode)


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)
