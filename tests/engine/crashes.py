"""Run `crash_child` to a named crash point, then audit the data dir after a restart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from engine.core import Engine
from engine.faults import CRASH_ENV
from engine.runs.status import thread_status
from engine.serde import loads
from tests.engine.conftest import wait_until

ROOT = Path(__file__).resolve().parents[2]


def crash(
    scenario: str, data: Path, config: Path, at: str | None = None, *, hang: bool = True
) -> dict[str, Any]:
    """Run the child until it SIGKILLs itself (at `at`, or where the scenario does); returns
    the facts it printed. Fails if the crash point was never reached."""
    env = {k: v for k, v in os.environ.items() if k not in (CRASH_ENV, "DOUBLETEXT_TEST_HANG")}
    if at:
        env[CRASH_ENV] = at
    if hang:
        env["DOUBLETEXT_TEST_HANG"] = "1"
    child = subprocess.run(
        [sys.executable, "-m", "tests.engine.crash_child", scenario, str(data), str(config)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    facts: dict[str, Any] = {}
    for line in child.stdout.splitlines():
        for key, value in json.loads(line).items():
            facts[key] = value  # the last one, and all of them under the plural
            facts.setdefault(f"{key}s", []).append(value)
    assert "not_reached" not in facts, f"crash point {at} never reached:\n{child.stderr}"
    assert child.returncode == -signal.SIGKILL, f"child ended {child.returncode}:\n{child.stderr}"
    return facts


async def drained(engine: Engine, timeout: float = 30) -> None:
    async def idle() -> bool:
        rows = await engine.records.runs_with_status("pending", "running")
        return not rows and not engine.lifecycle.executions

    await wait_until(idle, timeout=timeout, what="every run to end")


async def _all(conn: Any, sql: str, params: tuple = ()) -> list[Any]:
    async with conn.execute(sql, params) as cursor:
        return list(await cursor.fetchall())


async def audit(engine: Engine) -> None:
    """Invariants every data dir must satisfy once its runs have drained."""
    await drained(engine)

    db, saver = engine.records.conn, engine.services.saver

    async def no_temporary_thread() -> bool:
        deleting = await _all(db, "SELECT thread_id FROM thread_deletions")
        return await engine.records.temporary_threads() == [] and deleting == []

    # A stateless run's thread goes with it (its driver drops it just after the run's end),
    # and no deletion is left half done.
    await wait_until(no_temporary_thread, what="stateless runs' threads to be dropped")
    assert await _all(db, "SELECT run_id FROM runs WHERE finalized = 0") == []
    assert await _all(db, "SELECT id FROM store_journal WHERE applied = 0") == []
    runs_of: dict[str, set[str]] = {}
    for thread_id, run_id in await _all(db, "SELECT thread_id, run_id FROM runs"):
        runs_of.setdefault(thread_id, set()).add(run_id)
    threads = [r[0] for r in await _all(db, "SELECT thread_id FROM threads")]
    for thread_id in threads:
        # No checkpoint outlives its run (rolled back, deleted): every one names a live run.
        written_by = {
            r[0]
            for r in await _all(
                saver.conn,
                "SELECT DISTINCT json_extract(CAST(metadata AS TEXT), '$.run_id')"
                " FROM checkpoints WHERE thread_id = ?",
                (thread_id,),
            )
        }
        assert written_by <= runs_of.get(thread_id, set()), thread_id
        thread = await engine.get_thread(thread_id)
        state = await engine.get_state(thread_id)
        # The thread's status agrees with its runs and its head.
        last = await _all(
            db,
            "SELECT status FROM runs WHERE thread_id = ? ORDER BY seq DESC LIMIT 1",
            (thread_id,),
        )
        expected = thread_status(0, last[0][0] if last else None, bool(state["next"]))
        assert thread["status"] == expected, (thread_id, thread["status"], expected)
        # No tool call is left unanswered (a real model would reject the history).
        messages = state["values"].get("messages", []) if state["values"] else []
        assert unanswered_tool_calls(messages) == [], messages
    known = set(threads)
    for table, conn in (("runs", db), ("store_journal", db), ("checkpoints", saver.conn)):
        owners = {r[0] for r in await _all(conn, f"SELECT DISTINCT thread_id FROM {table}")}
        assert owners <= known, f"{table} rows of deleted threads: {owners - known}"
    await _audit_journal(engine)
    await _audit_story(engine, runs_of)


async def _audit_story(engine: Engine, runs_of: dict[str, set[str]]) -> None:
    """The story agrees with the records: every run there was accepted once and, having ended,
    ended once; every applied store write and every checkpoint of a live run is told; nothing
    is told of a thread that is gone."""
    db, saver = engine.records.conn, engine.services.saver
    known = {r[0] for r in await _all(db, "SELECT thread_id FROM threads")}
    told = {r[0] for r in await _all(db, "SELECT DISTINCT thread_id FROM story")}
    assert told <= known, f"story rows of deleted threads: {told - known}"
    for thread_id, run_ids in runs_of.items():
        events = await engine.thread_story(thread_id)
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1)), thread_id
        for run_id in run_ids:
            kinds = [e["kind"] for e in events if e["run_id"] == run_id]
            assert kinds.count("run_accepted") == 1, (run_id, kinds)
            assert kinds.count("run_ended") == 1, (run_id, kinds)  # drained: every run ended
            assert kinds.index("run_accepted") < kinds.index("run_ended"), (run_id, kinds)
        checkpoints = {
            r[0]
            for r in await _all(
                saver.conn,
                "SELECT checkpoint_id FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ''"
                " AND json_extract(CAST(metadata AS TEXT), '$.run_id') IS NOT NULL",
                (thread_id,),
            )
        }
        told_checkpoints = {e["checkpoint_id"] for e in events if e["kind"] == "checkpoint"}
        assert checkpoints <= told_checkpoints, checkpoints - told_checkpoints
        writes = await _all(
            db, "SELECT run_id, key FROM store_journal WHERE thread_id = ?", (thread_id,)
        )
        told_writes = [(e["run_id"], e["key"]) for e in events if e["kind"] == "store_write"]
        assert sorted(map(tuple, writes)) == sorted(told_writes), (writes, told_writes)


async def _audit_journal(engine: Engine) -> None:
    """Every store write is journaled, in order: each entry's `previous` is the value the one
    before it wrote (none before the first), and the last one's value is what the store holds."""
    rows = await _all(
        engine.records.conn,
        "SELECT namespace, key, previous, current FROM store_journal ORDER BY id",
    )
    last: dict[tuple[str, str], Any] = {}
    for namespace, key, previous, current in rows:
        assert loads(previous) == last.get((namespace, key)), (key, previous)
        last[(namespace, key)] = loads(current)
    for (namespace, key), value in last.items():
        item = await engine.store.aget(tuple(loads(namespace)), key)
        assert (item.value if item else None) == value


def unanswered_tool_calls(messages: list[dict[str, Any]]) -> list[str]:
    """Ids of tool calls in the history that no later tool message answers."""
    open_calls: list[str] = []
    for message in messages:
        if message["type"] == "ai":
            open_calls += [call["id"] for call in message.get("tool_calls") or []]
        elif message["type"] == "tool" and message["tool_call_id"] in open_calls:
            open_calls.remove(message["tool_call_id"])
    return open_calls
