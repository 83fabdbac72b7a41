"""kill -9 at each named point of a run's life, restart on the same data dir, audit (finding 6).

Each child engine SIGKILLs itself exactly at a crash point (`engine.faults`); the restart must
finish what the crash interrupted, and `crashes.audit` checks the invariants every data dir
keeps: nothing half done, no orphan checkpoints or rows, threads settled, tool calls answered,
the store journal explaining the store.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config import Settings
from engine.core import Engine
from engine.errors import RunNotFound
from tests.engine.conftest import write_config
from tests.engine.crashes import audit, crash, unanswered_tool_calls

SECOND = ["second", "step1 for: second", "step2 for: second"]


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "data", write_config(tmp_path)


def _open(dirs: tuple[Path, Path]) -> Engine:
    return Engine.open(Settings(data_dir=dirs[0], config_path=dirs[1]))  # type: ignore[return-value]


async def _contents(engine: Engine, tid: str) -> list[str]:
    return [m["content"] for m in (await engine.get_state(tid))["values"]["messages"]]


async def _status(engine: Engine, tid: str, run_id: str) -> str:
    try:
        return (await engine.get_run(tid, run_id))["status"]
    except RunNotFound:
        return "deleted"


@pytest.mark.parametrize(
    ("strategy", "at"),
    [
        ("interrupt", "run_accepted:2"),  # run 2 is in; run 1 was not cancelled yet
        ("rollback", "run_accepted:2"),
        ("rollback", "rollback_before_checkpoints"),  # run 1 stopped, nothing deleted yet
        ("rollback", "rollback_before_row"),  # its checkpoints gone, its row not yet
        # The write that ends (removes) run 1 starts run 2 too: killed right after it.
        ("interrupt", "run_ended"),
        ("interrupt", "run_claimed:2"),
        ("rollback", "run_claimed:2"),
    ],
)
async def test_an_accepted_strategy_is_carried_out_after_a_crash(
    dirs: tuple[Path, Path], strategy: str, at: str
) -> None:
    facts = crash(f"double_text:{strategy}", *dirs, at)
    tid, run_1 = facts["thread_id"], facts["run_1"]
    async with await _open(dirs) as engine:
        await audit(engine)
        runs = await engine.list_runs(tid)
        assert [r["status"] for r in runs] == ["success"] + (
            ["interrupted"] if strategy == "interrupt" else []
        )
        if strategy == "interrupt":
            assert await _status(engine, tid, run_1) == "interrupted"
            assert (await engine.get_run(tid, run_1))["cancel_reason"] == (
                f"superseded by run {runs[0]['run_id']} (multitask_strategy=interrupt)"
            )
            assert await _contents(engine, tid) == ["hang", "step1 for: hang", *SECOND]
        else:
            assert await _status(engine, tid, run_1) == "deleted"
            assert await _contents(engine, tid) == SECOND


async def test_a_crash_mid_interrupt_still_closes_the_tool_call(dirs: tuple[Path, Path]) -> None:
    facts = crash("interrupt_tool_call", *dirs, "interrupt_before_repair")
    tid = facts["thread_id"]
    async with await _open(dirs) as engine:
        await audit(engine)
        messages = (await engine.get_state(tid))["values"]["messages"]
        assert [m["type"] for m in messages[:4]] == ["human", "ai", "tool", "human"]
        assert unanswered_tool_calls(messages) == []
        assert await _status(engine, tid, facts["run_1"]) == "interrupted"


async def test_a_crash_right_after_a_run_ended_leaves_its_thread_settled(
    dirs: tuple[Path, Path],
) -> None:
    facts = crash("finish", *dirs, "run_ended")
    async with await _open(dirs) as engine:
        await audit(engine)
        assert await _status(engine, facts["thread_id"], facts["run_1"]) == "success"
        assert (await engine.get_thread(facts["thread_id"]))["status"] == "idle"


@pytest.mark.parametrize("at", ["store_write_journaled", "store_write_applied"])
async def test_a_store_write_cut_by_a_crash_is_never_invisible(
    dirs: tuple[Path, Path], at: str
) -> None:
    facts = crash("store_write", *dirs, at)
    tid, run_1 = facts["thread_id"], facts["run_1"]
    async with await _open(dirs) as engine:
        await audit(engine)  # the journal explains the store, write by write
        assert await _status(engine, tid, run_1) == "success"  # resumed, wrote again
        effects = await engine.run_side_effects(tid, run_1)
        # Journaled before the crash and then applied: both writes are on record.
        assert len(effects) == (2 if at == "store_write_applied" else 1)


async def test_a_crash_mid_thread_deletion_is_finished_on_restart(
    dirs: tuple[Path, Path],
) -> None:
    crash("delete_thread", *dirs, "thread_deletion_begun")
    async with await _open(dirs) as engine:
        await audit(engine)  # no checkpoint, run or journal row of the deleted thread
        assert await engine.search_threads() == []
        async with engine.services.saver.conn.execute("SELECT COUNT(*) FROM checkpoints") as c:
            assert (await c.fetchone())[0] == 0


async def test_quick_restarts_do_not_fail_healthy_queued_runs(dirs: tuple[Path, Path]) -> None:
    """Attempts count only when a run made progress: eight restarts that each die right after
    claiming a run (before it wrote anything) cost no attempt."""
    facts = crash("queue:3", *dirs)  # 3 threads x 8 runs, the first of each mid-graph
    for _ in range(8):
        crash("restart", *dirs, "run_claimed", hang=False)
    async with await _open(dirs) as engine:
        await audit(engine)
        statuses = [r["status"] for t in facts["thread_ids"] for r in await engine.list_runs(t)]
        assert statuses == ["success"] * 24


@pytest.mark.parametrize(
    ("fate", "at"),
    [
        ("finish", "stateless_thread_inserted"),  # its thread is in, its run not yet
        ("finish", "run_accepted:2"),  # its run is queued, not started
        ("finish", "run_ended:2"),  # its run ended; its thread not dropped yet
        ("interrupt", "cancel_recorded"),  # cancelled mid-graph, not carried out yet
        ("rollback", "cancel_recorded"),
        # Cancelled while queued (no driver ever has it) and done; its thread not dropped yet.
        ("later:interrupt", "cancel_carried_out"),
        ("later:rollback", "cancel_carried_out"),  # its row is gone too
    ],
)
async def test_a_stateless_runs_thread_does_not_outlive_a_crash(
    dirs: tuple[Path, Path], fate: str, at: str
) -> None:
    """Wherever a stateless run's life is cut, after a restart its thread is gone once the run
    is, and the kept thread beside it has lost nothing."""
    facts = crash(f"stateless:{fate}", *dirs, at)
    kept = facts["kept_thread"]
    async with await _open(dirs) as engine:
        await audit(engine)
        assert [t["thread_id"] for t in await engine.search_threads()] == [kept]
        assert [r["status"] for r in await engine.list_runs(kept)] == ["success"]
        assert await _contents(engine, kept) == ["quick", "reply to: quick"]
