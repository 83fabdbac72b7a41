"""Remember the last thread per engine and user, so the app reopens it on start.

A small JSON file under the platform's user state dir (`platformdirs.user_state_path`). The
engine key is what identifies an engine across starts: the URL for `--url`, the data dir for the
embedded engine (whose port changes every start). A missing or damaged file just means "no
thread remembered"; the file is private to the user.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import platformdirs


def default_path() -> Path:
    return platformdirs.user_state_path("doubletext") / "last-threads.json"


class LastThreads:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    @staticmethod
    def _key(engine: str, user: str) -> str:
        return f"{engine} | {user}"

    def get(self, engine: str, user: str) -> str | None:
        return self._load().get(self._key(engine, user))

    def put(self, engine: str, user: str, thread_id: str | None) -> None:
        data = self._load()
        if thread_id:
            data[self._key(engine, user)] = thread_id
        else:
            data.pop(self._key(engine, user), None)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=1, sort_keys=True)
            tmp.replace(self.path)
        except OSError:
            pass  # remembering is a convenience; never fail the app over it
