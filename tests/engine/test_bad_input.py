"""Bad input through the Python API: typed errors with clear messages, nothing lost."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from engine.config import Settings
from engine.core import Engine
from engine.errors import (
    ConfigError,
    Conflict,
    InvalidInput,
    NothingToCancel,
    RunNotFound,
    StorageError,
    ThreadNotFound,
    UnknownAssistant,
)
from tests.engine.conftest import human, wait_until, write_config
from tests.engine.gated_graphs import gates

MISSING = "00000000-0000-4000-8000-000000000000"


def _nested(depth: int) -> dict:
    value: dict = {"leaf": True}
    for _ in range(depth):
        value = {"n": value}
    return value


async def test_unknown_thread(engine: Engine) -> None:
    with pytest.raises(ThreadNotFound, match=f"Thread with ID {MISSING} not found"):
        await engine.create_run(MISSING, assistant_id="gated", input=human("x"))
    with pytest.raises(ThreadNotFound):
        await engine.get_state(MISSING)
    assert ThreadNotFound(MISSING).status_code == 404


async def test_unknown_run(engine: Engine) -> None:
    tid = (await engine.create_thread())["thread_id"]
    with pytest.raises(RunNotFound):
        await engine.get_run(tid, MISSING)
    with pytest.raises(NothingToCancel, match="No runs found to cancel"):
        await engine.cancel_runs(tid, [MISSING])


async def test_unknown_graph_names_the_registered_ones(engine: Engine) -> None:
    tid = (await engine.create_thread())["thread_id"]
    with pytest.raises(UnknownAssistant, match=r"'nope'.*gated") as info:
        await engine.create_run(tid, assistant_id="nope", input=human("x"))
    assert info.value.status_code == 422


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"multitask_strategy": "bogus"}, """Invalid 'multitask_strategy': "bogus" is not"""),
        ({"input": "just a string"}, "'input' must be an object or an array, got string"),
        ({"stream_mode": ["values", "telepathy"]}, """Invalid 'stream_mode': "telepathy" """),
        ({"config": ["not", "a", "dict"]}, "'config' must be an object, got array"),
        ({"durability": "forever"}, """Invalid 'durability': "forever" is not one of"""),
        ({"config": {"recursion_limit": -1}}, "'config.recursion_limit' must be a positive"),
        ({"config": _nested(500)}, "nested too deeply"),
        ({"after_seconds": 1e308}, "'after_seconds' must be >= 0 and <= 604800"),
        ({"after_seconds": -1}, "'after_seconds' must be >= 0 and <= 604800"),
        ({"input": _nested(300)}, "nested too deeply"),
    ],
)
async def test_malformed_run_input(engine: Engine, kwargs: dict, message: str) -> None:
    tid = (await engine.create_thread())["thread_id"]
    kwargs.setdefault("input", human("x"))
    with pytest.raises(InvalidInput) as caught:
        await engine.create_run(tid, assistant_id="gated", **kwargs)
    assert message in caught.value.message  # the same words the HTTP API answers with
    # Nothing was accepted: no run, thread still idle.
    assert await engine.list_runs(tid) == []
    assert (await engine.get_thread(tid))["status"] == "idle"


async def test_bad_ids_and_duplicates(engine: Engine) -> None:
    with pytest.raises(InvalidInput, match="Invalid thread ID: must be a UUID"):
        await engine.get_thread("not-a-uuid")
    tid = (await engine.create_thread())["thread_id"]
    with pytest.raises(Conflict, match="already exists"):
        await engine.create_thread(thread_id=tid)
    assert (await engine.create_thread(thread_id=tid, if_exists="do_nothing"))["thread_id"] == tid


async def test_creates_of_one_new_thread_id_racing_each_other_all_land_on_it(
    engine: Engine,
) -> None:
    """`threads.create(if_exists="do_nothing")` and `runs.create(if_not_exists="create")` of
    the same new id at once: one creates the thread, the others use it (they were a 500 on
    the thread's primary key); a plain second create is still a conflict."""
    for name in ("busy-a", "busy-b"):  # runs executing elsewhere: storage calls leave the loop
        other = (await engine.create_thread())["thread_id"]
        await engine.create_run(other, assistant_id="gated", input=human(f"hold:{name}"))
        await wait_until(lambda name=name: gates.reached(name), what=f"{name} to hold")
    for _ in range(20):
        tid = str(uuid.uuid4())
        results = await asyncio.gather(
            engine.create_thread(thread_id=tid, if_exists="do_nothing"),
            engine.create_run(tid, assistant_id="gated", input=human("x"), if_not_exists="create"),
            engine.create_thread(thread_id=tid, if_exists="do_nothing"),
            engine.create_thread(thread_id=tid),
            return_exceptions=True,
        )
        made, run, again, plain = results
        assert made["thread_id"] == again["thread_id"] == run["thread_id"] == tid, results
        assert isinstance(plain, Conflict) or plain["thread_id"] == tid, results
        await engine.join_run(tid, run["run_id"])
    gates.open("busy-a")
    gates.open("busy-b")


async def test_state_update_while_busy_is_a_conflict(engine: Engine) -> None:
    tid = (await engine.create_thread())["thread_id"]
    run = await engine.create_run(tid, assistant_id="gated", input=human("hold:b"))
    with pytest.raises(Conflict, match="in-flight runs"):
        await engine.update_state(tid, {"messages": []})
    await engine.cancel_runs(tid, [run["run_id"]])


async def test_corrupt_database_gives_one_readable_error(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "engine.db").write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError) as info:
        await Engine.open(Settings(data_dir=data, config_path=write_config(tmp_path)))
    assert "engine.db" in info.value.message and "\n" not in info.value.message


async def test_unwritable_data_dir_gives_one_readable_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(StorageError, match="cannot create data directory"):
        await Engine.open(Settings(data_dir=blocker / "data", config_path=write_config(tmp_path)))


async def test_bad_config_file(tmp_path: Path) -> None:
    config = tmp_path / "langgraph.json"
    config.write_text('{"graphs": {"x": "./missing.py:graph"}}')
    with pytest.raises(ConfigError, match="graph file not found"):
        await Engine.open(Settings(data_dir=tmp_path / "d", config_path=config))


async def test_a_stateless_run_refused_at_acceptance_leaves_no_thread(engine: Engine) -> None:
    """Its input is found too deep only as the run is written, after its temporary thread
    was: the thread goes with the refusal (it stayed, empty, for ever)."""
    with pytest.raises(InvalidInput, match="nested too deeply"):
        await engine.create_run(None, assistant_id="gated", input=_nested(300))
    assert await engine.search_threads() == []
