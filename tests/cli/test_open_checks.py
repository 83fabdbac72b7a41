"""Startup refuses what it cannot use: one line, non-zero exit, files untouched (issue 9, #11)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from engine.config import Settings
from engine.core import Engine
from tests.cli.test_cli import assert_one_line_failure, run_cli

PAGE = 4096


def _filled_data_dir(data: Path) -> None:
    """A real data directory with some threads and runs in it."""

    async def fill() -> None:
        async with await Engine.open(Settings(data_dir=data)) as engine:
            for n in range(40):
                tid = (await engine.create_thread(metadata={"n": n, "pad": "x" * 300}))["thread_id"]
                run = await engine.create_run(
                    tid, assistant_id="noop", input={"messages": [("human", f"hi {n}")]}
                )
                await engine.join_run(tid, run["run_id"])

    asyncio.run(fill())


def _serve(data: Path, *extra: str):
    return run_cli("serve", "--port", "0", "--db", str(data), *extra)


def test_a_damaged_engine_db_is_refused_untouched(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _filled_data_dir(data)
    db = data / "engine.db"
    raw = bytearray(db.read_bytes())
    assert len(raw) > 4 * PAGE
    raw[PAGE : 2 * PAGE] = b"\xa5" * PAGE  # page 2 overwritten (a table's root page)
    db.write_bytes(bytes(raw))
    result = _serve(data)
    assert_one_line_failure(result, "engine.db")
    assert "damaged" in result.stderr or "malformed" in result.stderr, result.stderr
    assert db.read_bytes() == raw


def test_a_schema_from_a_newer_doubletext_is_refused_untouched(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _filled_data_dir(data)
    db = data / "engine.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = db.read_bytes()
    result = _serve(data)
    assert_one_line_failure(result, "newer doubletext")
    assert "99" in result.stderr
    assert db.read_bytes() == before


def test_a_foreign_checkpoints_table_is_refused_untouched(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    foreign = data / "checkpoints.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE checkpoints (id INTEGER PRIMARY KEY, data TEXT)")
        conn.execute("INSERT INTO checkpoints (data) VALUES ('someone else''s')")
    conn.close()
    before = foreign.read_bytes()
    result = _serve(data)
    assert_one_line_failure(result, "checkpoints")
    assert "not doubletext's" in result.stderr
    assert foreign.read_bytes() == before
    assert not (data / "engine.db").exists() and not (data / "store.db").exists()


def test_a_graph_module_that_exits_fails_serve_with_one_line(tmp_path: Path) -> None:
    """`SystemExit(0)` at import made `serve` exit 0 with no message."""
    (tmp_path / "quitter.py").write_text("raise SystemExit(0)\n")
    config = tmp_path / "langgraph.json"
    config.write_text('{"graphs": {"quitter": "./quitter.py:graph"}}')
    result = _serve(tmp_path / "data", "--config", str(config))
    assert_one_line_failure(result, "SystemExit")
    assert "quitter" in result.stderr
