"""Execute one run: stream the graph, publish its events, say how it ended.

Cancellation is plain asyncio task cancellation, as on the LangGraph server: an async node is
stopped at its next `await`, its superstep's writes are dropped, and every checkpoint written
before stays. What happens next (keep them, close tool calls, or delete them and the run) is the
lifecycle's business: this module only runs the graph and reports an `Outcome`.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import sqlite3
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field
from typing import Any

from langgraph.types import Command

from engine.runs.events import RunChannel
from engine.runs.loopback import current_client
from engine.runs.repair import dangling_tool_calls
from engine.runs.run_config import execution_config, graph_context
from engine.runs.services import Services
from engine.runs.streaming import EventTranslator, graph_stream
from engine.serde import loads
from engine.storage.checkpoints import Head, commit_if_stranded, run_has_checkpoints
from engine.storage.journal import RunScope, current_run

log = logging.getLogger("doubletext.engine")


@dataclass
class Execution:
    """A run the scheduler has taken on; `cancel_action` says why it is being stopped."""

    run_id: str
    thread_id: str
    task: asyncio.Task[Any] | None = None
    # interrupt | rollback | drop (its thread is being deleted); None while it may run on.
    cancel_action: str | None = None
    claimed: bool = False
    # Where the thread stood when the run was claimed (what its row's `base_*` say).
    base: Head | None = None
    # The graph ran to its end: an interrupt arriving now has nothing left to stop.
    graph_done: bool = False
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    _stopping: bool = False

    def stop(self) -> None:
        """Cancel the graph, once: a second cancel would cut the run's own clean-up short."""
        if self.task is not None and not self._stopping:
            self._stopping = True
            self._cancel_graph()

    def _cancel_graph(self) -> None:
        """Cancel the task running the graph, but not while a graph's exit is waiting for its
        first step.

        LangGraph unwinds a run in a task it creates at the end (`AsyncPregelLoop.__aexit__`)
        and awaits: a cancel landing before that task's first step cancels it unstarted, and
        the exit never happens, with durability "exit" its only checkpoint included (the stress
        test lost an interrupted run's input so). Such a task starts on the loop's next turn:
        cancel then, if the graph is still running by then.
        """
        if self.task is None or self.task.done():
            return  # the graph has ended: its run is being finished, not cancelled
        if _exit_waiting_to_start():
            asyncio.get_running_loop().call_soon(self._cancel_graph)
            return
        self.task.cancel()


def _exit_waiting_to_start() -> bool:
    for other in asyncio.all_tasks():
        coro = other.get_coro()
        if (
            getattr(coro, "__qualname__", "") == "AsyncExitStack.__aexit__"
            and inspect.iscoroutine(coro)
            and inspect.getcoroutinestate(coro) == inspect.CORO_CREATED
        ):
            return True
    return False


@dataclass(frozen=True)
class Outcome:
    status: str  # success | error | timeout | interrupted (cancelled mid-graph)
    error: dict[str, Any] | None = None


def error_payload(exc: BaseException) -> dict[str, str]:
    return {"error": type(exc).__name__, "message": str(exc)}


def effective_durability(requested: str | None) -> str:
    """`async` (LangGraph's default) runs as `sync`: a reported step is then on disk (crash
    safety), and no background checkpoint save can land after a cancelled run was rolled back
    (the stress test caught exactly that). `exit` keeps its meaning: one checkpoint at the end."""
    return "exit" if requested == "exit" else "sync"


def _graph_input(kwargs: dict[str, Any]) -> Any:
    command = kwargs.get("command")
    if command:
        return Command(
            resume=command.get("resume"),
            update=command.get("update"),
            goto=command.get("goto") or (),
        )
    return kwargs.get("input")


async def execute(services: Services, row: Any, execution: Execution) -> Outcome:
    """Run the graph unless the run was cancelled before it started. Never raises for graph
    errors; re-raises CancelledError only when the engine itself is stopping (the run then stays
    `running` and resumes on restart)."""
    if execution.cancel_action is not None:
        return Outcome("interrupted")
    entry = services.graphs.entries.get(row["graph_id"])
    if entry is None:
        return Outcome("error", {"error": "ConfigError", "message": "graph no longer served"})
    run_id = row["run_id"]
    channel = services.channels.open(run_id, row["thread_id"])
    channel.publish("metadata", {"run_id": run_id, "attempt": row["attempt"] + 1})
    execution.task = asyncio.current_task()
    try:
        await _stream_graph(services, entry.graph, row, loads(row["kwargs"]), channel)
        execution.graph_done = True
        return Outcome("success")
    except asyncio.CancelledError as exc:
        await _await_exit_tasks(exc)
        await commit_if_stranded(services.saver)
        if execution.cancel_action is None:
            raise
        return Outcome("success" if execution.graph_done else "interrupted")
    except TimeoutError as exc:
        error = {"error": "TimeoutError", "message": str(exc) or "timed out"}
        channel.publish("error", error)
        return Outcome("timeout", error)
    except Exception as exc:
        log.info("run %s failed: %r", run_id, exc)
        error = error_payload(exc)
        channel.publish("error", error)
        return Outcome("error", error)
    finally:
        execution.task = None


async def _stream_graph(
    services: Services, graph: Any, row: Any, kwargs: dict, channel: RunChannel
) -> None:
    run_id, thread_id = row["run_id"], row["thread_id"]
    modes = kwargs.get("stream_mode") or ["values"]
    translator = EventTranslator(modes)
    resume = row["attempt"] >= 1 and await run_has_checkpoints(services.saver, thread_id, run_id)
    graph_input = None if resume else _graph_input(kwargs)
    config = execution_config(
        kwargs["config"], run_id, row["attempt"] + 1, services.settings.default_recursion_limit
    )
    options: dict[str, Any] = {
        "subgraphs": bool(kwargs.get("subgraphs")),
        "durability": effective_durability(kwargs.get("durability")),
    }
    for key in ("interrupt_before", "interrupt_after"):
        if kwargs.get(key) is not None:
            options[key] = kwargs[key]
    context = graph_context(graph, kwargs.get("context"))
    if context is not None:
        options["context"] = context
    timeout = services.settings.run_timeout_s
    token = current_run.set(RunScope(run_id, thread_id))
    loopback_token = current_client.set(services.loopback)
    try:
        async with asyncio.timeout(timeout) if timeout else nullcontext():
            items = graph_stream(graph, graph_input, config, modes, **options)
            async for namespace, mode, payload in items:
                if mode not in translator.api_modes and mode != "messages":
                    continue  # a mode LangGraph needed internally but the client did not ask for
                for name, data in translator.translate(mode, payload, namespace):
                    channel.publish(name, data)
    finally:
        current_client.reset(loopback_token)
        current_run.reset(token)


async def _await_exit_tasks(exc: asyncio.CancelledError) -> None:
    """LangGraph hands its exit task over in CancelledError.args: let checkpoint saves land.

    An exit cut by the cancel leaves the saves it had started as tasks of their own: one turn
    of the loop lets them run before the run's end reads the state."""
    for arg in exc.args:
        if isinstance(arg, asyncio.Future):
            with suppress(BaseException):
                await arg
            if arg.cancelled():
                await asyncio.sleep(0)


async def close_dangling_tool_calls(
    graph: Any, thread_id: str, run_id: str, state: Any = None
) -> Any:
    """Answer tool calls the interrupted run left open, tagged with its run id.

    `state`: the thread's head state when the caller knows it without a read. Returns the head
    state when it left it as it was (the caller's head then needs no second read), else None.
    Storage errors propagate (the lifecycle retries); anything else is logged and skipped."""
    try:
        if state is None:
            state = await graph.aget_state({"configurable": {"thread_id": thread_id}})
        values = state.values if isinstance(state.values, dict) else {}
        answers = dangling_tool_calls(values.get("messages") or [])
        if not answers:
            return state
        await graph.aupdate_state(
            {"configurable": {"thread_id": thread_id}, "metadata": {"run_id": run_id}},
            {"messages": answers},
        )
    except sqlite3.Error:
        raise
    except Exception:
        log.exception("closing tool calls of interrupted run %s failed", run_id)
    return None
