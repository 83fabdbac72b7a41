"""Storage errors end a run `error` with the reason; the thread's driver survives (finding 5).

Faults are real SQLite failures: a trigger that makes one kind of write fail (as a full disk or a
foreign database would), and a checkpoint database that may not grow (`max_page_count`).
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from engine.config import Settings
from engine.core import Engine
from tests.engine.conftest import human, wait_until

FULL = "database or disk is full"


def _trigger(db: Path, name: str, when: str) -> None:
    """Make run-status updates matching `when` fail, from another connection (real SQLite)."""
    with sqlite3.connect(db) as conn:
        conn.execute(
            f"CREATE TRIGGER {name} BEFORE UPDATE OF status ON runs WHEN {when}"
            f" BEGIN SELECT RAISE(ABORT, '{FULL}'); END"
        )


def _drop(db: Path, name: str) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute(f"DROP TRIGGER {name}")


async def _join(engine: Engine, tid: str, run_id: str) -> dict:
    return await asyncio.wait_for(engine.join_run(tid, run_id), 10)


async def _healthy_afterwards(engine: Engine, tid: str) -> None:
    """A reject is accepted (nothing is left running) and the thread's next run succeeds."""
    run = await engine.create_run(
        tid, assistant_id="gated", input=human("after"), multitask_strategy="reject"
    )
    assert "__error__" not in await _join(engine, tid, run["run_id"])
    assert (await engine.get_run(tid, run["run_id"]))["status"] == "success"
    assert (await engine.get_thread(tid))["status"] == "idle"


async def test_a_run_that_cannot_start_ends_error_and_the_driver_lives(
    engine: Engine, settings: Settings
) -> None:
    db = settings.data_dir / "engine.db"
    tid = (await engine.create_thread())["thread_id"]
    _trigger(db, "no_start", "NEW.status = 'running'")
    run = await engine.create_run(tid, assistant_id="gated", input=human("first"))
    result = await _join(engine, tid, run["run_id"])
    assert result["__error__"]["error"] == "StorageError"
    assert FULL in result["__error__"]["message"]
    found = await engine.get_run(tid, run["run_id"])
    assert found["status"] == "error"
    assert (await engine.get_thread(tid))["status"] == "error"
    _drop(db, "no_start")
    await _healthy_afterwards(engine, tid)


async def test_a_run_whose_end_cannot_be_written_ends_error_not_running(
    engine: Engine, settings: Settings
) -> None:
    db = settings.data_dir / "engine.db"
    tid = (await engine.create_thread())["thread_id"]
    _trigger(db, "no_success", "NEW.status = 'success'")
    run = await engine.create_run(tid, assistant_id="gated", input=human("first"))
    result = await _join(engine, tid, run["run_id"])
    assert result["__error__"]["error"] == "StorageError"
    assert FULL in result["__error__"]["message"]

    async def ended_error() -> bool:  # join answered at once; the row follows on the retry
        return (await engine.get_run(tid, run["run_id"]))["status"] == "error"

    await wait_until(ended_error, what="the run's end to be written as error")
    assert engine.lifecycle.executions == {}
    _drop(db, "no_success")
    await _healthy_afterwards(engine, tid)


async def test_a_full_checkpoint_database_fails_the_run_not_the_engine(engine: Engine) -> None:
    tid = (await engine.create_thread())["thread_id"]
    warm = await engine.create_run(tid, assistant_id="gated", input=human("warm up"))
    await _join(engine, tid, warm["run_id"])
    saver = engine.services.saver
    async with saver.conn.execute("PRAGMA page_count") as cursor:
        (pages,) = await cursor.fetchone()
    await saver.conn.execute(f"PRAGMA max_page_count = {pages}")
    big = await engine.create_run(tid, assistant_id="gated", input=human("x" * 200_000))
    result = await _join(engine, tid, big["run_id"])
    assert FULL in result["__error__"]["message"]
    assert (await engine.get_run(tid, big["run_id"]))["status"] == "error"
    await saver.conn.execute("PRAGMA max_page_count = 1073741823")
    await _healthy_afterwards(engine, tid)
