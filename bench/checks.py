"""The books after a storm: every accepted message accounted for, the engine's invariants held.

For each thread the harness knows what it sent (``Sent``) and asks the server for the thread,
its runs, its state and its whole checkpoint history. A violation is a plain sentence; an empty
list means the books balance.

Rules (``kill=True`` relaxes only what a crash can legitimately do):

* every accepted run still exists, or a rollback on the same thread that may have come after it
  (accepted, or sent with its outcome unknown) explains why it is gone;
* every run is terminal; a ``success`` run's message and reply are in the final state;
  ``interrupted`` runs are accounted for as such; ``error`` only after a crash;
* no checkpoint in the history carries the ``run_id`` of a run that no longer exists (nothing of a
  rolled-back run survives), and no rolled-back message is in the final state;
* the messages of successful runs appear in the order the runs were created (FIFO);
* the server created no run the harness was not told about (outside a crash);
* the thread's status agrees with its runs and its head checkpoint.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.errors import NotFoundError

from bench.client import INFLIGHT, TERMINAL


@dataclass
class Sent:
    """One message the storm sent, and what became of it."""

    thread_index: int
    thread_id: str
    text: str
    strategy: str
    via: str
    graph: str
    outcome: str = "sending"  # accepted | rejected | failed | unknown | http NNN | sending
    run_id: str | None = None
    sent_at: float = 0.0
    accepted_at: float | None = None
    error: str | None = None


@dataclass
class Books:
    thread_ids: list[str]
    sent: list[Sent]
    kill: bool = False
    per_thread: dict[str, list[Sent]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for msg in self.sent:
            self.per_thread.setdefault(msg.thread_id, []).append(msg)


def _texts(messages: list[dict[str, Any]]) -> list[str]:
    out = []
    for m in messages:
        content = m.get("content")
        if isinstance(content, list):
            content = "".join(c.get("text", "") for c in content if isinstance(c, dict))
        out.append(str(content))
    return out


def _replies_for(graph: str, text: str) -> list[str]:
    if graph == "two_step":
        return [f"step1 for: {text}", f"step2 for: {text}"]
    return [f"reply to: {text}"]


async def _thread_books(
    client: LangGraphClient, tid: str, sent: list[Sent], kill: bool
) -> tuple[list[str], Counter[str]]:
    problems: list[str] = []
    tally: Counter[str] = Counter()
    runs = await client.runs.list(tid, limit=1000)
    by_id = {r["run_id"]: r for r in runs}
    state = await client.threads.get_state(tid)
    values = state.get("values") or {}
    messages = values.get("messages", []) if isinstance(values, dict) else []
    texts = _texts(messages)
    history = await client.threads.get_history(tid, limit=1000)
    thread = await client.threads.get(tid)
    sent_texts = {m.text for m in sent}

    # Rollbacks that could have reached the server, by when they could have acted.
    rollbacks = [
        m for m in sent if m.strategy == "rollback" and m.outcome in ("accepted", "unknown")
    ]
    interrupts = [
        m for m in sent if m.strategy == "interrupt" and m.outcome in ("accepted", "unknown")
    ]

    def preempted_by(msg: Sent, pool: list[Sent]) -> bool:
        return any(p is not msg and (p.accepted_at or float("inf")) >= msg.sent_at for p in pool)

    for msg in sent:
        if msg.outcome == "rejected":
            tally["rejected"] += 1
            if msg.strategy != "reject":
                problems.append(f"{msg.text}: 409 for strategy {msg.strategy}")
            continue
        if msg.outcome != "accepted":
            tally[f"not accepted ({msg.outcome})"] += 1
            if not kill and msg.outcome != "failed":
                problems.append(f"{msg.text}: {msg.outcome} {msg.error or ''}".strip())
            continue
        run = by_id.get(msg.run_id or "")
        if run is None:
            try:
                await client.runs.get(tid, msg.run_id or "")
                problems.append(f"{msg.text}: run {msg.run_id} missing from list but GET finds it")
            except NotFoundError:
                pass
            if preempted_by(msg, rollbacks):
                tally["rolled back"] += 1
                if msg.text in texts:
                    problems.append(f"{msg.text}: rolled back but its message is in the state")
            else:
                tally["LOST"] += 1
                problems.append(f"{msg.text}: run {msg.run_id} gone with no later rollback")
            continue
        status = run["status"]
        tally[status] += 1
        if status in INFLIGHT:
            problems.append(f"{msg.text}: run {msg.run_id} still {status}")
        elif status == "success":
            missing = [t for t in [msg.text, *_replies_for(msg.graph, msg.text)] if t not in texts]
            if missing:
                problems.append(f"{msg.text}: run success but state lacks {missing}")
        elif status == "interrupted":
            if not preempted_by(msg, interrupts) and not kill:
                why = "a later rollback left it so" if preempted_by(msg, rollbacks) else "nothing"
                problems.append(
                    f"{msg.text} (via {msg.via}): interrupted, {why} (no later interrupt)"
                )
        elif status == "error":
            if not kill:
                problems.append(f"{msg.text}: run error")
        elif status not in TERMINAL:
            problems.append(f"{msg.text}: unknown status {status}")

    # Runs the server has that nobody accepted.
    known = {m.run_id for m in sent if m.run_id}
    unknown_runs = [r for r in runs if r["run_id"] not in known]
    if unknown_runs:
        tally["runs of unknown outcome"] += len(unknown_runs)
        if not kill:
            problems.append(f"{len(unknown_runs)} runs nobody accepted")
    for run in runs:
        if run["status"] in INFLIGHT:
            problems.append(f"run {run['run_id']} (not ours) still {run['status']}")

    # No checkpoint of a run that no longer exists.
    orphan = Counter(
        (h.get("metadata") or {}).get("run_id")
        for h in history
        if (h.get("metadata") or {}).get("run_id") not in by_id
    )
    orphan.pop(None, None)
    if orphan:
        problems.append(f"checkpoints of deleted runs remain: {dict(orphan)}")

    # FIFO: successful runs' messages appear in creation order.
    done = sorted(
        (r for r in runs if r["status"] == "success"), key=lambda r: (r["created_at"], r["run_id"])
    )
    text_of = {m.run_id: m.text for m in sent if m.run_id}
    positions = [
        texts.index(text_of[r["run_id"]])
        for r in done
        if r["run_id"] in text_of and text_of[r["run_id"]] in texts
    ]
    if positions != sorted(positions):
        problems.append(f"FIFO broken: successful runs' messages at positions {positions}")
    strangers = [
        t
        for t in texts
        if t.startswith("t") and "-m" in t and t.count("-") == 2 and t not in sent_texts
    ]
    if strangers:
        problems.append(f"messages nobody sent: {strangers[:3]}")

    # Thread status consistent with its runs and its head checkpoint.
    tstatus = thread["status"]
    inflight = [r for r in runs if r["status"] in INFLIGHT]
    head_next = state.get("next") or []
    latest = done[-1] if done else None
    last = max(runs, key=lambda r: (r["created_at"], r["run_id"])) if runs else None
    tally[f"thread {tstatus}"] += 1
    if inflight and tstatus != "busy":
        problems.append(f"thread {tstatus} with {len(inflight)} inflight runs")
    if not inflight:
        if tstatus == "busy":
            problems.append("thread busy with no inflight run")
        elif tstatus == "idle" and head_next:
            problems.append(f"thread idle but head checkpoint has next={head_next}")
        elif tstatus == "interrupted" and not head_next:
            problems.append("thread interrupted but head checkpoint has no next")
        elif tstatus == "error" and (last is None or last["status"] != "error"):
            problems.append(f"thread error but last run is {last and last['status']}")
    del latest
    problems += await _story_problems(client, tid, runs, sent)
    label = f"t{sent[0].thread_index}" if sent else tid
    return [f"thread {label} ({tid}): {p}" for p in problems], tally


async def _story_problems(
    client: LangGraphClient, tid: str, runs: list[dict[str, Any]], sent: list[Sent]
) -> list[str]:
    """Where the server keeps the thread's story (ours): it agrees with the runs. Every listed
    run was accepted once and, if it ended, ended once with its status; no rolled-back run is
    listed; every 409 the storm got is told with its text; events are numbered 1, 2, …"""
    try:
        events = await client.http.get(f"/threads/{tid}/story", params={"limit": 10_000})
    except httpx.HTTPStatusError:  # a server without the story (the reference): nothing to check
        return []
    problems: list[str] = []
    if [e["seq"] for e in events] != list(range(1, len(events) + 1)):
        problems.append("story events are not numbered 1, 2, …")
    kinds: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        kinds.setdefault(event["kind"], []).append(event)

    def told(kind: str, run_id: str) -> list[dict[str, Any]]:
        return [e for e in kinds.get(kind, []) if e["run_id"] == run_id]

    for run in runs:
        if len(told("run_accepted", run["run_id"])) != 1:
            problems.append(f"run {run['run_id']} is not told accepted once")
        ended = told("run_ended", run["run_id"])
        if run["status"] in TERMINAL and [e["status"] for e in ended] != [run["status"]]:
            problems.append(f"run {run['run_id']} {run['status']}; story ends: {ended}")
    listed = {r["run_id"] for r in runs}
    for event in kinds.get("run_rolled_back", []):
        if event["run_id"] in listed:
            problems.append(f"run {event['run_id']} is told rolled back but still listed")
    bounced = Counter(e["text"] for e in kinds.get("rejected", []))
    for msg in sent:
        if msg.outcome == "rejected" and bounced[msg.text] < 1:
            problems.append(f"the 409 for {msg.text!r} is not in the story")
    return problems


async def check_books(client: LangGraphClient, books: Books) -> dict[str, Any]:
    """Check every thread; return violations and a tally of what became of the messages."""
    violations: list[str] = []
    tally: Counter[str] = Counter()
    gate = asyncio.Semaphore(8)

    async def one(tid: str) -> None:
        async with gate:
            try:
                problems, counts = await _thread_books(
                    client, tid, books.per_thread.get(tid, []), books.kill
                )
            except httpx.HTTPError as exc:
                problems, counts = [f"thread {tid}: could not audit: {exc!r}"], Counter()
            violations.extend(problems)
            tally.update(counts)

    await asyncio.gather(*(one(tid) for tid in books.thread_ids))
    accepted = sum(1 for m in books.sent if m.outcome == "accepted")
    return {
        "sent": len(books.sent),
        "accepted": accepted,
        "tally": dict(sorted(tally.items())),
        "violations": violations,
    }
