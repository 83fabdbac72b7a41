"""`doubletext demo`: the tutorial's four double-texting scenarios, run for real and checked.

Each scenario is the tutorial's code (its messages, its `user_id`, its calls through
`langgraph_sdk`), against the embedded engine or any LangGraph server (`--url`). Every figure in
the summary table is read back from the server afterwards; the exit code is non-zero when an
outcome breaks the strategy's contract.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from langchain_core.messages import HumanMessage, convert_to_messages
from langgraph_sdk import get_client
from rich.console import Console
from rich.table import Table

from tui.terminal_safe import guard_terminal

USER_ID = "Test-Double-Texting"
DEFAULT_PACE = 0.1  # embedded engine: fast, yet a reply lasts long enough to be interrupted
TITLE_STYLES = {"human": "bold cyan", "ai": "bold green", "tool": "bold yellow"}


@dataclass(frozen=True)
class Scenario:
    strategy: str
    first: str
    second: str
    pause: bool = False  # the tutorial sleeps 1 s before run 2 (interrupt only): see `pause_for`


SCENARIOS = (
    Scenario(
        "reject",
        "Add a ToDo to follow-up with DI Repairs.",
        "Add a ToDo to mount dresser to the wall.",
    ),
    Scenario(
        "enqueue",
        "Send Erik his t-shirt gift this weekend.",
        "Get cash and pay nanny for 2 weeks. Do this by Friday.",
    ),
    Scenario(
        "interrupt",
        "Give me a summary of my ToDos due tomrrow.",
        "Never mind, create a ToDo to Order Ham for Thanksgiving by next Friday.",
        pause=True,
    ),
    Scenario(
        "rollback",
        "Add a ToDo to call to make appointment at Yoga.",
        "Actually, add a ToDo to drop by Yoga in person on Sunday.",
    ),
)


@dataclass
class Outcome:
    strategy: str
    run1: str = "?"
    run2: str = "?"
    humans: list[str] = field(default_factory=list)
    message_count: int = 0
    wall_s: float = 0.0
    lone_s: float | None = None
    """How long run 1 took with nothing double texted (reject: run 2 was refused)."""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def expected(scenario: Scenario) -> tuple[str, str, list[str]]:
    """The contract: run 1's fate, run 2's fate, which human messages the thread keeps."""
    first, second = scenario.first, scenario.second
    return {
        "reject": ("success", "rejected (409)", [first]),
        "enqueue": ("success", "success", [first, second]),
        "interrupt": ("interrupted", "success", [first, second]),
        "rollback": ("deleted (404)", "success", [second]),
    }[scenario.strategy]


def print_messages(console: Console, messages: list[Any]) -> None:
    """Like `BaseMessage.pretty_print()`, with a coloured title line."""
    for message in convert_to_messages(messages):
        title, _, body = message.pretty_repr().partition("\n")
        console.print(
            title, style=TITLE_STYLES.get(message.type, "bold"), markup=False, soft_wrap=True
        )
        console.print(body, markup=False, highlight=False, soft_wrap=True)


TUTORIAL_PAUSE_S = 1.0
SHARE_OF_A_RUN = 0.3


def pause_for(outcomes: list[Outcome]) -> float:
    """The tutorial's pause before it double texts with interrupt, so run 1 is cut mid-work.

    Its 1 s suits a hosted model, whose run takes several seconds; a faster server (the offline
    model at a low pace) is done within it and leaves nothing to interrupt. So the pause is the
    tutorial's, but at most a share of a lone run measured on this server earlier (reject's run 1,
    which nothing cut short)."""
    lone = [o.lone_s for o in outcomes if o.lone_s is not None]
    return min([TUTORIAL_PAUSE_S, *(SHARE_OF_A_RUN * s for s in lone)])


async def _wait_started(client: Any, thread_id: str, run_id: str, timeout: float = 30) -> None:
    """Until run 1 is running and its input is in the thread (it has done part of its work)."""
    deadline = time.monotonic() + timeout
    while True:
        status = (await client.runs.get(thread_id, run_id))["status"]
        if status != "pending":
            values = (await client.threads.get_state(thread_id)).get("values") or {}
            if values.get("messages") or status != "running":
                return
        if time.monotonic() > deadline:
            raise TimeoutError(f"run {run_id} did not start within {timeout:.0f} s")
        await asyncio.sleep(0.01)


async def run_scenario(
    client: Any, console: Console, scenario: Scenario, graph_name: str, pause_s: float
) -> Outcome:
    config = {"configurable": {"user_id": USER_ID}}
    outcome = Outcome(scenario.strategy)
    console.rule(f"[bold]{scenario.strategy}[/bold]")
    started = time.perf_counter()
    thread = await client.threads.create()
    thread_id = thread["thread_id"]
    first_run = await client.runs.create(
        thread_id,
        graph_name,
        input={"messages": [HumanMessage(content=scenario.first)]},
        config=config,
    )
    created = time.perf_counter()
    if scenario.pause:
        await _wait_started(client, thread_id, first_run["run_id"])
        await asyncio.sleep(pause_s)
    second_run = None
    try:
        second_run = await client.runs.create(
            thread_id,
            graph_name,
            input={"messages": [HumanMessage(content=scenario.second)]},
            config=config,
            multitask_strategy=scenario.strategy,
        )
    except httpx.HTTPStatusError as e:
        console.print(
            "Failed to start concurrent run", e, markup=False, highlight=False, soft_wrap=True
        )
        outcome.run2 = f"rejected ({e.response.status_code})"
    joined = second_run or first_run
    await client.runs.join(thread_id, joined["run_id"])
    outcome.wall_s = time.perf_counter() - started
    if second_run is None:
        outcome.lone_s = time.perf_counter() - created

    state = await client.threads.get_state(thread_id)
    messages = (state.get("values") or {}).get("messages") or []
    print_messages(console, messages)
    outcome.message_count = len(messages)
    outcome.humans = [m.get("content") for m in messages if m.get("type") == "human"]
    outcome.run1 = await _status(client, thread_id, first_run["run_id"])
    if second_run is not None:
        outcome.run2 = await _status(client, thread_id, second_run["run_id"])
    if scenario.strategy == "interrupt":
        console.print(outcome.run1, markup=False)
    if scenario.strategy == "rollback" and outcome.run1 == "deleted (404)":
        console.print("Original run was correctly deleted")
    _check(outcome, scenario, messages)
    return outcome


async def _status(client: Any, thread_id: str, run_id: str) -> str:
    try:
        return (await client.runs.get(thread_id, run_id))["status"]
    except httpx.HTTPStatusError as e:
        if e.response.status_code == 404:
            return "deleted (404)"
        raise


def _check(outcome: Outcome, scenario: Scenario, messages: list[dict[str, Any]]) -> None:
    run1, run2, humans = expected(scenario)
    if outcome.run1 != run1:
        outcome.problems.append(f"run 1 is {outcome.run1}, expected {run1}")
    if outcome.run2 != run2:
        outcome.problems.append(f"run 2 is {outcome.run2}, expected {run2}")
    if outcome.humans != humans:
        outcome.problems.append(f"human messages kept {outcome.humans}, expected {humans}")
    # Interrupted, run 1 must not have produced a reply: its message is followed by run 2's.
    if (
        scenario.strategy == "interrupt"
        and len(messages) > 1
        and messages[1].get("type") != "human"
    ):
        outcome.problems.append("run 1 replied although it was interrupted")


def summary_table(outcomes: list[Outcome], scenarios: tuple[Scenario, ...]) -> Table:
    table = Table(
        title="What the server did (read back after each scenario)",
        caption="messages kept: count (which human messages)",
    )
    for name in ("strategy", "run 1", "run 2", "messages kept", "wall", "check"):
        table.add_column(
            name, justify="right" if name == "wall" else "left", no_wrap=name != "check"
        )
    for outcome, scenario in zip(outcomes, scenarios, strict=True):
        kept = [
            label
            for label, text in (("1st", scenario.first), ("2nd", scenario.second))
            if text in outcome.humans
        ]
        table.add_row(
            outcome.strategy,
            outcome.run1,
            outcome.run2,
            f"{outcome.message_count} ({'+'.join(kept) or 'none'})",
            f"{outcome.wall_s:.2f} s",
            "[green]ok[/green]" if outcome.ok else "[red]" + "; ".join(outcome.problems) + "[/red]",
        )
    return table


def _fail(message: str) -> int:
    """One line on stderr, as the CLI's own errors (the console is stdout, and wraps)."""
    print(f"doubletext: {' '.join(message.split())}", file=sys.stderr, flush=True)
    return 1


async def run_demo(
    *,
    url: str | None = None,
    pace: float | None = None,
    graph: str = "task_maistro",
    data_dir: Path | None = None,
    console: Console | None = None,
) -> int:
    """Run the four scenarios; 0 if every outcome matches its strategy's contract."""
    console = console or Console()
    server = None
    if url is None:
        from engine.api.embedded import start_embedded_server
        from engine.errors import EngineError

        pace = DEFAULT_PACE if pace is None else pace
        try:
            server = await start_embedded_server(data_dir=data_dir, pace=pace, ephemeral=True)
        except (EngineError, OSError) as exc:
            return _fail(str(getattr(exc, "message", exc)))
        url = server.url
    client = get_client(url=url, api_key=None) if server else get_client(url=url)
    guard_terminal(client)  # what the server answers is printed: no control characters
    outcomes: list[Outcome] = []
    try:
        for scenario in SCENARIOS:
            pause_s = pause_for(outcomes)
            outcomes.append(await run_scenario(client, console, scenario, graph, pause_s))
    except (httpx.HTTPError, TimeoutError) as exc:
        return _fail(f"demo failed against {url}: {exc}")
    finally:
        with contextlib.suppress(Exception):
            await client.aclose()
        if server is not None:
            await server.stop()
    console.print()
    console.print(summary_table(outcomes, SCENARIOS))
    return 0 if all(o.ok for o in outcomes) else 1
