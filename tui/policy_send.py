"""A message sent under a client policy (tui/policies): observe, decide, run the plan, tell.

The thread session hands a policy's message here instead of creating its run itself. What the
client knows becomes a `Situation` — the session's record of the thread (its runs in line
order, when each started, what the first one stored, the app's names for them), freshened by
one `runs.list` read where the server does not serve the story — the named policy decides a
`Plan`, and `PlanRunner` runs it with the same run settings as a plain send. The session is
told through past-event Messages (`PolicyDecided`, `PolicyStep`, `RetryWaiting`,
`PolicyFinished`) and gets back what a plain create gives: the run, a `ConflictError`, the
error it failed with, or `Withdrawn` when the user called it off.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from tui import messages as msg
from tui.policies.catalog import plan_for
from tui.policies.decide import asking
from tui.policies.marks import taken_runs
from tui.policies.plan import Ask, Cancel, Create
from tui.policies.runner import (
    AskFn,
    Outcome,
    PlanRunner,
    RetryWait,
    RunnerEvent,
    StepFinished,
    StepStarted,
)
from tui.policies.situation import ActiveRun, Situation, Thresholds
from tui.runstate import FINAL, Cause, Entry, Fate
from tui.text import short_id
from tui.timeline.client_side import CancelSent

if TYPE_CHECKING:
    from tui.session import ThreadSession


class Withdrawn(Exception):
    """The user called the plan off before a run existed (Esc in the ask dialog, or the retry
    countdown cancelled)."""


class PolicySender:
    """One per session; one plan at a time (the session sends in order)."""

    def __init__(
        self,
        session: ThreadSession,
        *,
        ask: AskFn | None = None,
        label: Callable[[str], str] | None = None,
        thresholds: Thresholds | None = None,
    ) -> None:
        self.session = session
        self.ask = ask
        self.label = label or (lambda run_id: f"run {self.short(run_id)}")
        self.thresholds = thresholds or Thresholds()
        self.runner: PlanRunner | None = None
        self.waiting = False
        """A retry countdown is running (Esc cancels it)."""
        self.steer_runs: set[str] = set()
        self.causes: dict[str, Cause] = {}
        """Run id → why it ended, where this client knows better than the server says."""
        self._holds = False
        self._cancel_sent: dict[str, float] = {}  # run id → when this client's cancel began
        self._create_sent = 0.0  # when the create call in flight began

    def short(self, run_id: str) -> str:
        """A run id as the app shows it: unique among the thread's runs (`short_id`)."""
        return short_id(run_id, self.session.log.run_ids())

    # -- fates a policy explains ------------------------------------------------------------

    def know_cause(self, run_id: str, cause: Cause) -> Entry | None:
        """Remember why a run ended (a keep-latest replacement, a steer message taken in); the
        entry when that changed what it shows now."""
        self.causes[run_id] = cause
        entry = self.session.log.run(run_id)
        return entry if entry is not None and self.known_cause(entry) else None

    def known_cause(self, entry: Entry) -> bool:
        """Give a finished entry the cause known for its run; True if that changed it."""
        cause = self.causes.get(entry.run_id or "") or self._taken(entry)
        if cause is None or entry.fate not in FINAL or entry.cause == cause:
            return False
        entry.cause = cause
        return True

    def _taken(self, entry: Entry) -> Cause | None:
        """A steer run cut by a cancel this app did not send: the steer graph cancels the runs
        whose messages it takes in, so the run working took it in (the marks in the messages
        confirm which, once a turn settles: `steered`)."""
        s, run_id = self.session, entry.run_id or ""
        cut_by_other = entry.cause is None or entry.cause.kind not in ("cancel", "unknown")
        steer = entry.steer or run_id in self.steer_runs
        if not steer or entry.fate is not Fate.INTERRUPTED or cut_by_other:
            return None
        if run_id in s.log.cancels:
            return None  # Esc: this app cancelled it
        working = [r for r in s.log.active_run_ids() if r != run_id]
        taker = s.log.run(working[0]) if working else None
        if taker is None or taker.fate is not Fate.RUNNING:
            return None
        return Cause("taken", run_id=taker.run_id)

    def steered(self, messages: Sequence[Mapping[str, Any]], by: str | None = None) -> list[Entry]:
        """Read the steer marks in the thread's messages: each queued run taken in shows which
        run took it ("taken in by run 1a2b3c4d (steer)"). Returns the finished entries taken
        (by run `by`, when given); told to the UI only once the thread is shown."""
        s, found = self.session, []
        for run_id, taker in taken_runs(messages).items():
            changed = self.know_cause(run_id, Cause("taken", run_id=taker))
            if changed is not None and s.loaded:
                s.post(msg.FateChanged(s.thread_id, changed.snapshot()))
            entry = s.log.run(run_id)
            if entry is not None and entry.fate in FINAL and by in (None, taker):
                found.append(entry)
        return found

    def cancel(self) -> bool:
        """Stop the plan in progress (a retry countdown, an open ask); False if none runs."""
        if self.runner is None:
            return False
        self.runner.cancel()
        return True

    # -- the sender's create guard ------------------------------------------------------------
    # While a create call is in flight the session does not fold runs.list answers in (its run
    # may be listed before it is bound). A plan holds that guard only around its create calls,
    # not while it observes, asks or counts down: the thread keeps being followed meanwhile.

    def _hold(self) -> None:
        if not self._holds:
            self._holds = True
            self.session.creating(True)

    def _release(self) -> None:
        if self._holds:
            self._holds = False
            self.session.creating(False)

    # -- sending --------------------------------------------------------------------------------

    async def create(self, entry: Entry, configurable: Mapping[str, Any]) -> dict[str, Any]:
        """Run `entry.policy` for `entry`; the run it created (the session binds it as for a
        plain send). Raises ConflictError (rejected), Withdrawn, or what it failed with.

        Called with the session's create guard held; returns (or raises) with it held."""
        s, backend = self.session, self.session.backend
        tid = s.thread_id or ""
        self._holds = True
        self._release()
        try:
            with backend.calls.scope() as observed:
                situation = await self.situation(entry)
            plan = plan_for(entry.policy, situation)
            s.post(
                msg.PolicyDecided(tid, entry.key, entry.policy, plan.why, plan.describe(self.short))
            )
            self.runner = PlanRunner(
                backend.client,
                tid,
                backend.assistant,
                log=backend.calls,
                run_kwargs=backend.run_kwargs(s.user_id, configurable),
                ask=self._asking_live(entry),
                on_event=partial(self._on_event, entry.key),
                short=self.short,
            )
            try:
                outcome = await self.runner.run(plan, human_id=entry.human_id)
            finally:
                self.runner = None
                self._stop_waiting(entry.key)
        finally:
            self._hold()
        chose = f"{outcome.choice.key}: {outcome.choice.strategy}" if outcome.choice else ""
        calls = [*observed, *outcome.calls]
        s.post(msg.PolicyFinished(tid, entry.key, outcome.status, chose, calls))
        return self._result(entry, outcome)

    def _asking_live(self, entry: Entry) -> AskFn | None:
        """The app's `ask` callback, given asks that can read the thread again (`Ask.reread`),
        so a dialog left open sees run 1 end."""
        show = self.ask
        if show is None:
            return None

        async def again() -> Ask:
            return asking(await self.situation(entry))

        return lambda step: show(replace(step, reread=again))

    def _result(self, entry: Entry, outcome: Outcome) -> dict[str, Any]:
        strategy = outcome.choice.strategy if outcome.choice else outcome.plan.strategy
        if outcome.status == "created" and outcome.run:
            run = outcome.run
            entry.text = outcome.text or entry.text
            entry.strategy = strategy or str(run.get("multitask_strategy") or "enqueue")
            if (run.get("metadata") or {}).get("steer"):
                self.steer_runs.add(str(run["run_id"]))
            return run
        if strategy:
            entry.strategy = strategy
        if outcome.status == "cancelled":
            what = "you chose nothing (Esc)" if outcome.plan.ask else "retry cancelled (Esc)"
            raise Withdrawn(what)
        if isinstance(outcome.error, Exception):
            raise outcome.error  # rejected: the last 409 (a ConflictError); failed: its cause
        raise RuntimeError(f"policy {entry.policy} ended {outcome.status} without a run")

    def _on_event(self, key: str, event: RunnerEvent) -> None:
        s = self.session
        tid = s.thread_id
        if isinstance(event, RetryWait):
            self.waiting = True
            s.post(msg.RetryWaiting(tid, key, event))
            return
        step = event.step
        if isinstance(event, StepStarted):
            if isinstance(step, Create):
                self._stop_waiting(key)
                self._hold()
                self._create_sent = s.clock()
            if isinstance(step, Cancel):  # known before the thread shows the run ended
                self.causes[step.run_id] = Cause("replaced")
                self._cancel_sent[step.run_id] = s.clock()
            s.post(msg.PolicyStep(tid, key, step.describe(self.short)))
            return
        assert isinstance(event, StepFinished)
        if isinstance(step, Create) and not event.result.endswith(" created"):
            self._release()  # refused or failed: no run to bind
            if event.result.startswith("409"):
                s.log.refused(key)
                # each refusal is an attempt on the client-side timeline (a retry meets several)
                strategy = step.strategy or "enqueue"
                s.saw_refused(self._create_sent, step.text, strategy, event.error)
        if isinstance(step, Cancel):
            at = self._cancel_sent.pop(step.run_id, s.clock())
            if event.result.endswith((": interrupted", ": rolled back")):  # "run 1a2b…: …"
                # the client-side timeline's record of this client's cancels (no story here)
                s.saw(CancelSent(at, step.run_id, step.action))
                changed = self.know_cause(step.run_id, Cause("replaced"))
                if changed is not None:
                    s.post(msg.FateChanged(tid, changed.snapshot()))
            else:  # it had started (left alone) or was gone: not replaced by this one
                self.causes.pop(step.run_id, None)
        s.post(msg.PolicyStep(tid, key, step.describe(self.short), event.result))

    def _stop_waiting(self, key: str) -> None:
        if self.waiting:
            self.waiting = False
            self.session.post(msg.RetryWaiting(self.session.thread_id, key, None))

    # -- what the client knows ----------------------------------------------------------------

    async def situation(self, entry: Entry) -> Situation:
        """The thread's active runs in line order, from the session's record."""
        s = self.session
        if s.source != "story":
            await s.refresh_runs()  # polling may be a beat behind: read runs.list once now
        steer = await s.backend.takes_steer()
        now = s.clock()
        active = []
        for position, run_id in enumerate(s.log.active_run_ids()):
            run = s.log.run(run_id)
            if run is None:
                continue
            running = run.fate is Fate.RUNNING
            since = (run.started if running else None) or run.created or now
            active.append(
                ActiveRun(
                    run_id,
                    "running" if running else "pending",
                    max(now - since, 0.0),
                    position,
                    run.text or None,
                    self.label(run_id),
                    await self._saved(run_id) if position == 0 else None,
                    run_id in self.steer_runs,
                )
            )
        return Situation(entry.text, tuple(active), steer, self.thresholds)

    async def _saved(self, run_id: str) -> int | None:
        """Store items the run wrote so far: the story's writes, else the side-effects route."""
        s = self.session
        if s.source == "story":
            return sum(1 for writer in s.story.ledger.writers.values() if writer == run_id)
        return await s.backend.run_writes(s.thread_id or "", run_id)
