"""Assistant rows: a graph plus its settings, with every version kept (engine.db).

The current version is mirrored in `assistants`; `assistant_versions` keeps each one. Writes go
version first, then the current row, each one statement: a crash in between leaves a version
nobody points at yet, never a current row without its version.
"""

from __future__ import annotations

from typing import Any

import aiosqlite

from engine.serde import dumps_str, loads
from engine.storage.db import fetch_all, fetch_one

_JSON = ("config", "context", "metadata")
_COLUMNS = ("graph_id", "name", "description", "config", "context", "metadata")


def _assistant(row: aiosqlite.Row) -> dict[str, Any]:
    return {
        "assistant_id": row["assistant_id"],
        "graph_id": row["graph_id"],
        "config": loads(row["config"]),
        "context": loads(row["context"]),
        "metadata": loads(row["metadata"]),
        "name": row["name"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "version": row["version"],
        "description": row["description"],
    }


def _version(row: aiosqlite.Row) -> dict[str, Any]:
    return {
        "assistant_id": row["assistant_id"],
        "version": row["version"],
        "graph_id": row["graph_id"],
        "config": loads(row["config"]),
        "context": loads(row["context"]),
        "metadata": loads(row["metadata"]),
        "created_at": row["created_at"],
        "name": row["name"],
        "description": row["description"],
    }


def _values(assistant: dict[str, Any]) -> list[Any]:
    return [dumps_str(assistant[c]) if c in _JSON else assistant[c] for c in _COLUMNS]


class AssistantRecords:
    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn

    async def get(self, assistant_id: str) -> dict[str, Any] | None:
        row = await fetch_one(
            self.conn, "SELECT * FROM assistants WHERE assistant_id = ?", (assistant_id,)
        )
        return None if row is None else _assistant(row)

    async def all(self) -> list[dict[str, Any]]:
        rows = await fetch_all(self.conn, "SELECT * FROM assistants ORDER BY created_at DESC")
        return [_assistant(r) for r in rows]

    async def insert(self, assistant: dict[str, Any], *, if_missing: bool = False) -> bool:
        """Insert version 1 and the current row; with `if_missing`, keep an existing one."""
        verb = "INSERT OR IGNORE" if if_missing else "INSERT"
        values = _values(assistant)
        await self.conn.execute(
            f"{verb} INTO assistant_versions (assistant_id, version, {', '.join(_COLUMNS)},"
            " created_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?)",
            (assistant["assistant_id"], *values, assistant["created_at"]),
        )
        cursor = await self.conn.execute(
            f"{verb} INTO assistants (assistant_id, version, {', '.join(_COLUMNS)}, created_at,"
            " updated_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?)",
            (assistant["assistant_id"], *values, assistant["created_at"], assistant["updated_at"]),
        )
        return cursor.rowcount == 1

    async def add_version(self, assistant: dict[str, Any], now: str) -> int:
        """Store `assistant` as a new version and make it current; returns its number."""
        row = await fetch_one(
            self.conn,
            "SELECT COALESCE(MAX(version), 0) + 1 FROM assistant_versions WHERE assistant_id = ?",
            (assistant["assistant_id"],),
        )
        version = int(row[0])
        values = _values(assistant)
        await self.conn.execute(
            f"INSERT INTO assistant_versions (assistant_id, version, {', '.join(_COLUMNS)},"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (assistant["assistant_id"], version, *values, now),
        )
        await self._make_current(assistant["assistant_id"], version, values, now)
        return version

    async def _make_current(
        self, assistant_id: str, version: int, values: list[Any], now: str
    ) -> None:
        assignments = ", ".join(f"{c} = ?" for c in _COLUMNS)
        await self.conn.execute(
            f"UPDATE assistants SET {assignments}, version = ?, updated_at = ?"
            " WHERE assistant_id = ?",
            (*values, version, now, assistant_id),
        )

    async def versions(self, assistant_id: str) -> list[dict[str, Any]]:
        rows = await fetch_all(
            self.conn,
            "SELECT * FROM assistant_versions WHERE assistant_id = ? ORDER BY version DESC",
            (assistant_id,),
        )
        return [_version(r) for r in rows]

    async def set_latest(self, assistant_id: str, version: int, now: str) -> bool:
        row = await fetch_one(
            self.conn,
            "SELECT * FROM assistant_versions WHERE assistant_id = ? AND version = ?",
            (assistant_id, version),
        )
        if row is None:
            return False
        await self._make_current(assistant_id, version, _values(_version(row)), now)
        return True

    async def delete(self, assistant_id: str) -> bool:
        await self.conn.execute(
            "DELETE FROM assistant_versions WHERE assistant_id = ?", (assistant_id,)
        )
        cursor = await self.conn.execute(
            "DELETE FROM assistants WHERE assistant_id = ?", (assistant_id,)
        )
        return cursor.rowcount == 1
