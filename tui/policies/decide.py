"""One pure decision function per policy: a Situation in, a Plan (steps + why) out.

Each `why` is one plain line with the numbers it decided by, e.g. "run 1 has run 2.1 s: younger
than 5 s → rollback". The chapters named are the tutorial's (double-texting-tutorial §7–§10).
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.policies.merging import merged_text
from tui.policies.plan import (
    POLICY_KEY,
    STEER_KEY,
    Ask,
    Cancel,
    Choice,
    Create,
    Plan,
    RetryOn409,
    Strategy,
)
from tui.policies.situation import ActiveRun, Situation


def secs(value: float) -> str:
    return f"{value:.1f} s"


def age_phrase(run: ActiveRun) -> str:
    """ "run 1 has run 2.1 s" (running) or "run 2 has waited 0.4 s" (pending)."""
    verb = "has run" if run.status == "running" else "has waited"
    return f"{run.name} {verb} {secs(run.age_s)}"


def saved_phrase(run: ActiveRun) -> str:
    if run.saved is None:
        return ""
    if run.saved == 0:
        return "saved nothing yet"
    return "saved a todo" if run.saved == 1 else f"saved {run.saved} todos"


def now_phrase(run: ActiveRun) -> str:
    """ "run 1 has run 2.1 s and saved a todo": what the user is about to affect."""
    saved = saved_phrase(run)
    return f"{age_phrase(run)} and {saved}" if saved else age_phrase(run)


def _busy_summary(s: Situation) -> str:
    waiting = s.queue_length
    running = 1 if s.running else 0
    return f"{len(s.active)} runs active ({running} running, {waiting} waiting)"


def _create(policy: str, strategy: Strategy | None, text: str, **extra: object) -> Create:
    return Create(strategy, text, {POLICY_KEY: policy, **extra})


def _plain(policy: str, s: Situation, why: str = "thread idle → plain send") -> Plan:
    return Plan(policy, (_create(policy, None, s.text),), why)


# -- scenario presets (§7.3, §7.4) -------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    name: str
    strategy: Strategy
    reason: str
    example: tuple[str, str]
    """The tutorial's two messages for this scenario (translated)."""


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "chat",
        "enqueue",
        "both messages stand on their own and each deserves a reply",
        ("Hello", "Help me check the weather"),
    ),
    Scenario(
        "search",
        "rollback",
        "the user changed what to search for; the old results are useless",
        ("Search hotels in Paris", "No, search hotels in Tokyo"),
    ),
    Scenario(
        "form",
        "interrupt",
        "keep what was filled in so far; the user may go on filling",
        ("My name is …", "Wait, let me think again"),
    ),
    Scenario(
        "transaction",
        "reject",
        "a money transfer allows no uncertainty: the first must finish alone",
        ("Transfer 1000 to account A", "No, to account B"),
    ),
    Scenario(
        "file",
        "interrupt",
        "the big file takes long; the small one matters more now",
        ("Analyse this big file", "Wait, look at this small file first"),
    ),
)
SCENARIO_BY_NAME = {s.name: s for s in SCENARIOS}


def preset(s: Situation, scenario: str) -> Plan:
    """§7.4's table: a scenario name picks the strategy (unknown names → chat, as there)."""
    chosen = SCENARIO_BY_NAME.get(scenario, SCENARIO_BY_NAME["chat"])
    policy = f"preset:{chosen.name}"
    step = _create(policy, chosen.strategy, s.text)
    if not s.busy:
        why = f"scenario {chosen.name} → {chosen.strategy} (thread idle, so it simply runs)"
    else:
        why = f"scenario {chosen.name} → {chosen.strategy}: {chosen.reason}"
    return Plan(policy, (step,), why)


# -- auto (§8.1 + the queue guard of §10.1) ----------------------------------------------------


def auto(s: Situation) -> Plan:
    t = s.thresholds
    if not s.busy:
        return _plain("auto", s)
    if s.queue_length > t.queue_limit:
        strategy: Strategy = "rollback"
        why = f"{s.queue_length} runs waiting: more than {t.queue_limit} → rollback (queue guard)"
    elif len(s.active) > 1:
        strategy, why = "reject", f"{_busy_summary(s)}: several → reject"
    else:
        run = s.active[0]
        if run.age_s < t.rollback_below_s:
            strategy = "rollback"
            why = f"{age_phrase(run)}: younger than {t.rollback_below_s:g} s → rollback"
        elif run.age_s < t.interrupt_below_s:
            strategy = "interrupt"
            why = f"{age_phrase(run)}: younger than {t.interrupt_below_s:g} s → interrupt"
        else:
            strategy = "enqueue"
            why = f"{age_phrase(run)}: {t.interrupt_below_s:g} s or older → enqueue"
    return Plan("auto", (_create("auto", strategy, s.text),), why)


# -- ask (§8.2) --------------------------------------------------------------------------------


ASK_ORDER: tuple[Strategy, ...] = ("enqueue", "interrupt", "rollback", "reject")


def _choices(s: Situation, lines: dict[Strategy, str]) -> tuple[Choice, ...]:
    """The four strategies on keys 1–4 in the tutorial's order, each sending `s.text`."""
    return tuple(
        Choice(str(i), strategy, lines[strategy], (_create("ask", strategy, s.text),))
        for i, strategy in enumerate(ASK_ORDER, 1)
    )


def choices_now(s: Situation) -> tuple[Choice, ...]:
    """The four strategies, keys 1–4 in the tutorial's order, each saying what it does now."""
    first = s.first
    assert first is not None, "only a busy thread has choices"
    label = first.name
    others = len(s.active) - 1
    also = f" (and {others} more)" if others else ""
    kept = "; the todo it saved stays" if first.saved else ""
    lines: dict[Strategy, str] = {
        "enqueue": f"Wait: {now_phrase(first)}; it finishes{also}, then yours runs.",
        "interrupt": (
            f"Stop {label}{also} now, {secs(first.age_s)} in; its message stays, unanswered{kept}."
        ),
        "rollback": (
            f"Erase {label}{also} and its message as if never sent"
            f"{' (the todo it saved is not undone)' if first.saved else ''}; answer only yours."
        ),
        "reject": f"Send with reject: refused (409) while {label} works; your text comes back.",
    }
    return _choices(s, lines)


IDLE_NOW = "The runs you were asked about have ended: whatever you choose, yours starts at once."
IDLE_CHOICE = "Nothing left to wait for, stop or erase: sent with this strategy, it starts now."


def asking(s: Situation) -> Ask:
    """The question and the four choices for a busy thread, and how they read later.

    Asked again once the thread went idle (a dialog left open while run 1 finished), each choice
    still sends with its strategy, and says that with nothing to wait for, stop or erase, the
    message simply starts."""
    first = s.first
    if first is None:
        return Ask(IDLE_NOW, _choices(s, dict.fromkeys(ASK_ORDER, IDLE_CHOICE)))
    question = f"{now_phrase(first)}. What should happen to your new message?"
    return Ask(question, choices_now(s), later=lambda seconds: asking(s.aged(seconds)))


def ask(s: Situation) -> Plan:
    if not s.busy:
        return _plain("ask", s)
    first = s.first
    assert first is not None
    why = f"thread busy ({now_phrase(first)}) → you choose"
    return Plan("ask", (asking(s),), why)


# -- retry (§9.2) ------------------------------------------------------------------------------


def retry(s: Situation, delays: tuple[float, ...] = (1.0, 2.0, 4.0)) -> Plan:
    waits = ", ".join(f"{d:g}" for d in delays)
    steps = (_create("retry", "reject", s.text), RetryOn409(delays))
    if not s.busy:
        why = f"thread idle → send with reject (on 409: retry after {waits} s)"
    else:
        first = s.first
        assert first is not None
        why = (
            f"{age_phrase(first)} → reject now, retry after {waits} s"
            f" (at most {len(delays)}) until it is done"
        )
    return Plan("retry", steps, why)


# -- merge (§10.3) -----------------------------------------------------------------------------


def merge(s: Situation) -> Plan:
    if not s.busy:
        return _plain("merge", s, "nothing running to merge → plain send")
    unknown = [r.name for r in s.active if r.text is None]
    if unknown:
        why = f"the text of {', '.join(unknown)} is unknown, so it cannot be merged → enqueue"
        return Plan("merge", (_create("merge", "enqueue", s.text),), why)
    earlier = [r.text for r in s.active if r.text is not None]
    names = ", ".join(r.name for r in s.active)
    n = len(earlier)
    why = (
        f"{names} not answered yet → {n} earlier message{'s' if n > 1 else ''} folded in as"
        " context, sent with rollback so nothing you said is lost"
    )
    return Plan("merge", (_create("merge", "rollback", merged_text(earlier, s.text)),), why)


# -- keep latest (ember-concurrency's keepLatest) ----------------------------------------------


def keep_latest(s: Situation) -> Plan:
    if not s.busy:
        return _plain("keep-latest", s)
    create = _create("keep-latest", "enqueue", s.text)
    waiting = s.pending
    if not waiting:
        first = s.first
        assert first is not None
        return Plan("keep-latest", (create,), f"nothing waiting → enqueue behind {first.name}")
    cancels = tuple(Cancel(r.run_id, "interrupt", only_if="pending") for r in waiting)
    names = ", ".join(r.name for r in waiting)
    why = f"{names} still waiting → replaced by this one: cancel, then enqueue (at most 1 waits)"
    return Plan("keep-latest", (*cancels, create), why)


# -- steer -------------------------------------------------------------------------------------


def steer(s: Situation) -> Plan:
    if not s.busy:
        return _plain("steer", s)
    first = s.first
    assert first is not None
    if not s.steer:
        why = "server or graph cannot steer → enqueue"
        return Plan("steer", (_create("steer", "enqueue", s.text),), why)
    create = _create("steer", "enqueue", s.text, **{STEER_KEY: True})
    ahead = [r for r in s.pending if not r.steer]
    if ahead:
        why = (
            f"{len(ahead)} ordinary run{'s' if len(ahead) > 1 else ''} waiting ahead → queued"
            " as steer: the run working when it reaches the front takes it in"
        )
    else:
        why = (
            f"{age_phrase(first)} → {first.name} takes this in at its next model call"
            " (if it has none left, this runs next)"
        )
    return Plan("steer", (create,), why)
