"""Every policy's decision function over a table of situations (pure: no engine, no app)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tui.policies import BY_NAME, POLICIES, plan_for
from tui.policies.decide import SCENARIOS, choices_now
from tui.policies.guide import COLUMNS, COMPARISON, NEEDS, TREE, Leaf, Question, recommend
from tui.policies.merging import merged_text, unwrap
from tui.policies.plan import Ask, Cancel, Create, RetryOn409
from tui.policies.situation import ActiveRun, Situation, Thresholds, situation_from_runs

TEXT = "Add a ToDo to call mom"


def running(age: float, text: str | None = "Add a ToDo to buy milk", **kw) -> ActiveRun:
    return ActiveRun("11111111-aaaa", "running", age, 0, text, **kw)


def waiting(n: int, age: float = 0.5, text: str | None = "later", **kw) -> tuple[ActiveRun, ...]:
    return tuple(
        ActiveRun(f"{i + 2:08d}-bbbb", "pending", age, i + 1, f"{text} {i}", **kw) for i in range(n)
    )


def situation(*active: ActiveRun, steer: bool = False, **thresholds: float) -> Situation:
    return Situation(TEXT, tuple(active), steer, Thresholds(**thresholds))  # type: ignore[arg-type]


def only_create(plan) -> Create:
    assert len(plan.steps) == 1 and isinstance(plan.steps[0], Create), plan.steps
    return plan.steps[0]


# -- auto --------------------------------------------------------------------------------------

AUTO_TABLE = [
    # (situation, strategy, words the why must contain)
    (situation(), None, ["idle", "plain send"]),
    (situation(running(0.0)), "rollback", ["0.0 s", "younger than 5 s"]),
    (situation(running(2.1)), "rollback", ["has run 2.1 s", "younger than 5 s → rollback"]),
    (situation(running(4.99)), "rollback", ["5.0 s", "younger than 5 s"]),
    (situation(running(5.0)), "interrupt", ["5.0 s", "younger than 30 s → interrupt"]),
    (situation(running(29.9)), "interrupt", ["29.9 s"]),
    (situation(running(30.0)), "enqueue", ["30 s or older → enqueue"]),
    (situation(running(400)), "enqueue", ["400.0 s"]),
    (situation(running(1), *waiting(1)), "reject", ["2 runs active (1 running, 1 waiting)"]),
    (situation(running(60), *waiting(5)), "reject", ["6 runs active"]),
    (situation(running(1), *waiting(6)), "rollback", ["6 runs waiting: more than 5", "guard"]),
    (situation(*waiting(1)), "rollback", ["waited 0.5 s", "younger than 5 s"]),
    # configurable thresholds
    (situation(running(2.1), rollback_below_s=1), "interrupt", ["younger than 30 s"]),
    (situation(running(12), interrupt_below_s=10), "enqueue", ["10 s or older"]),
    (situation(running(1), *waiting(3), queue_limit=2), "rollback", ["3 runs waiting"]),
    (situation(running(1), *waiting(2), queue_limit=2), "reject", ["3 runs active"]),
]


@pytest.mark.parametrize(("s", "strategy", "words"), AUTO_TABLE)
def test_auto(s: Situation, strategy: str | None, words: list[str]) -> None:
    plan = plan_for("auto", s)
    step = only_create(plan)
    assert (step.strategy, step.text) == (strategy, TEXT)
    assert step.metadata == {"policy": "auto"}
    for word in words:
        assert word in plan.why, plan.why


# -- presets -----------------------------------------------------------------------------------

PRESETS = {"chat": "enqueue", "search": "rollback", "form": "interrupt"}
PRESETS |= {"transaction": "reject", "file": "interrupt"}


@pytest.mark.parametrize(("name", "strategy"), PRESETS.items())
@pytest.mark.parametrize("busy", [False, True])
def test_presets(name: str, strategy: str, busy: bool) -> None:
    s = situation(running(3)) if busy else situation()
    plan = plan_for(f"preset:{name}", s)
    assert only_create(plan).strategy == strategy
    assert plan.why.startswith(f"scenario {name} → {strategy}")
    assert ("idle" in plan.why) is not busy


def test_presets_cover_the_tutorials_table_and_unknown_names_fall_back_to_chat() -> None:
    assert {s.name: s.strategy for s in SCENARIOS} == PRESETS
    from tui.policies.decide import preset

    assert only_create(preset(situation(running(1)), "nonsense")).strategy == "enqueue"


# -- ask ---------------------------------------------------------------------------------------


def test_ask_idle_just_sends() -> None:
    plan = plan_for("ask", situation())
    assert only_create(plan).strategy is None and plan.ask is None


@pytest.mark.parametrize(
    ("run", "expect"),
    [
        (running(2.1, saved=1), ["run 11111111 has run 2.1 s and saved a todo"]),
        (running(7.25, saved=0), ["has run 7.2 s and saved nothing yet"]),
        (running(3, saved=3), ["saved 3 todos"]),
        (running(3), ["run 11111111 has run 3.0 s"]),
        (running(3, label="run 1"), ["run 1 has run 3.0 s"]),
    ],
)
def test_ask_busy_offers_the_four_strategies_with_what_each_does_now(run, expect) -> None:
    plan = plan_for("ask", situation(run))
    assert len(plan.steps) == 1 and isinstance(plan.steps[0], Ask)
    ask = plan.steps[0]
    assert [(c.key, c.strategy) for c in ask.choices] == [
        ("1", "enqueue"),
        ("2", "interrupt"),
        ("3", "rollback"),
        ("4", "reject"),
    ]
    for word in expect:
        assert word in ask.question and word in plan.why
    for choice in ask.choices:
        (step,) = choice.steps
        assert isinstance(step, Create) and (step.strategy, step.text) == (choice.strategy, TEXT)
    assert expect[0] in ask.choices[0].now  # enqueue: "Wait: run 1 has run 2.1 s …"
    kept = "the todo it saved stays" in ask.choices[1].now
    assert kept is bool(run.saved)


def test_an_ask_read_later_has_its_runs_older_by_as_much() -> None:
    ask = plan_for("ask", situation(running(2.1), *waiting(1, age=0.5))).ask
    assert ask is not None and ask.later is not None
    later = ask.later(1.25)
    assert "has run 3.4 s" in later.question and "3.4 s in" in later.choices[1].now
    assert [c.steps for c in later.choices] == [c.steps for c in ask.choices]


def test_ask_mentions_the_rest_of_the_line() -> None:
    choices = choices_now(situation(running(1), *waiting(2)))
    assert "(and 2 more)" in choices[0].now and "(and 2 more)" in choices[2].now


# -- retry -------------------------------------------------------------------------------------


@pytest.mark.parametrize("busy", [False, True])
def test_retry_rejects_then_backs_off(busy: bool) -> None:
    plan = plan_for("retry", situation(running(2.5)) if busy else situation())
    create, again = plan.steps
    assert isinstance(create, Create) and create.strategy == "reject"
    assert isinstance(again, RetryOn409) and again.delays == (1, 2, 4)
    assert plan.retry_schedule == (1.0, 2.0, 4.0)
    assert "1, 2, 4 s" in plan.why
    assert ("at most 3" in plan.why) is busy and ("2.5 s" in plan.why) is busy


def test_retry_schedule_is_configurable() -> None:
    from tui.policies.decide import retry

    assert retry(situation(running(1)), (0.1, 0.2)).retry_schedule == (0.1, 0.2)
    assert plan_for("auto", situation()).retry_schedule == ()


# -- merge -------------------------------------------------------------------------------------


def test_merge_idle_sends_as_is() -> None:
    plan = plan_for("merge", situation())
    assert only_create(plan).text == TEXT and only_create(plan).strategy is None


def test_merge_folds_the_running_message_in_and_rolls_back() -> None:
    plan = plan_for("merge", situation(running(1.5)))
    step = only_create(plan)
    assert step.strategy == "rollback"
    assert step.text == f"Context: Add a ToDo to buy milk\n\nCurrent request: {TEXT}"
    assert "1 earlier message folded in" in plan.why


def test_merge_takes_every_active_message_in_line_order() -> None:
    step = only_create(plan_for("merge", situation(running(1), *waiting(2))))
    assert step.text == (
        f"Context: Add a ToDo to buy milk\nlater 0\nlater 1\n\nCurrent request: {TEXT}"
    )


def test_merge_refuses_to_guess_an_unknown_text() -> None:
    plan = plan_for("merge", situation(running(1, text=None)))
    assert only_create(plan).strategy == "enqueue" and only_create(plan).text == TEXT
    assert "unknown" in plan.why


def test_merged_text_never_nests() -> None:
    once = merged_text(["buy milk"], "call mom")
    twice = merged_text([once], "pay rent")
    assert twice == "Context: buy milk\ncall mom\n\nCurrent request: pay rent"
    assert unwrap(twice) == ["buy milk", "call mom", "pay rent"]
    assert unwrap("plain") == ["plain"] and merged_text([], "x") == "x"


# -- keep latest -------------------------------------------------------------------------------


def test_keep_latest_idle_and_nothing_waiting() -> None:
    assert only_create(plan_for("keep-latest", situation())).strategy is None
    plan = plan_for("keep-latest", situation(running(3)))
    assert only_create(plan).strategy == "enqueue" and "nothing waiting" in plan.why


def test_keep_latest_cancels_what_waits_then_enqueues() -> None:
    line = waiting(2)
    plan = plan_for("keep-latest", situation(running(3), *line))
    *cancels, create = plan.steps
    assert cancels == [Cancel(r.run_id, "interrupt", "pending") for r in line]
    assert isinstance(create, Create) and create.strategy == "enqueue"
    assert "00000002, run 00000003 still waiting" in plan.why


# -- steer -------------------------------------------------------------------------------------


def test_steer_marks_the_run_when_the_server_can() -> None:
    plan = plan_for("steer", situation(running(2), steer=True))
    step = only_create(plan)
    assert step.strategy == "enqueue" and step.metadata == {"policy": "steer", "steer": True}
    assert "takes this in at its next model call" in plan.why


def test_steer_degrades_to_enqueue_and_says_so() -> None:
    plan = plan_for("steer", situation(running(2), steer=False))
    step = only_create(plan)
    assert step.strategy == "enqueue" and "steer" not in step.metadata
    assert plan.why == "server or graph cannot steer → enqueue"


def test_steer_behind_ordinary_waiting_runs_says_who_takes_it() -> None:
    plan = plan_for("steer", situation(running(2), *waiting(2), steer=True))
    assert "2 ordinary runs waiting ahead" in plan.why
    steered = plan_for("steer", situation(running(2), *waiting(1, steer=True), steer=True))
    assert "next model call" in steered.why
    assert only_create(plan_for("steer", situation(steer=True))).strategy is None


# -- the catalog -------------------------------------------------------------------------------


def test_every_policy_idle_sends_the_text_once() -> None:
    for info in POLICIES:
        plan = info.decide(situation())
        creates = [s for s in plan.steps if isinstance(s, Create)]
        assert len(creates) == 1 and creates[0].text == TEXT, info.name
        assert creates[0].metadata["policy"] == info.name
        assert plan.why and "\n" not in plan.why
    assert len(BY_NAME) == len(POLICIES) == 11


def test_every_busy_plan_says_why_with_a_number() -> None:
    s = situation(running(2.1, saved=1))
    for info in POLICIES:
        plan = info.decide(s)
        assert any(ch.isdigit() for ch in plan.why) or info.name.startswith(("preset", "steer"))
        assert plan.describe() and all(line[0].isdigit() for line in plan.describe())


# -- building a situation from runs.list -------------------------------------------------------


def test_situation_from_runs_orders_the_line_and_reads_ages_and_texts() -> None:
    now = datetime(2026, 1, 1, 12, 0, 10, tzinfo=UTC)

    def row(run_id: str, status: str, ago: float, text: str, **metadata) -> dict:
        created = (now - timedelta(seconds=ago)).isoformat()
        message = {"type": "human", "content": text}
        return {
            "run_id": run_id,
            "status": status,
            "created_at": created,
            "metadata": metadata,
            "kwargs": {"input": {"messages": [message]}},
        }

    rows = [
        row("c", "pending", 1.0, "third", steer=True),
        row("old", "success", 50, "done"),
        row("b", "pending", 2.0, "second"),
        row("a", "running", 4.5, "first"),
    ]
    s = situation_from_runs(rows, TEXT, now, labels={"a": "run 1"})
    assert [(r.run_id, r.position, r.age_s, r.text) for r in s.active] == [
        ("a", 0, 4.5, "first"),
        ("b", 1, 2.0, "second"),
        ("c", 2, 1.0, "third"),
    ]
    assert s.active[0].name == "run 1" and s.active[2].steer and not s.active[1].steer
    assert (s.queue_length, s.running, s.busy) == (2, s.active[0], True)
    role_style = {"kwargs": {"input": {"messages": [{"role": "user", "content": "hi"}]}}}
    z = situation_from_runs([{**row("z", "running", 1, "x"), **role_style}], TEXT, now)
    assert z.active[0].text == "hi"


# -- the guide ---------------------------------------------------------------------------------

NO, YES = False, True
TREE_TABLE = [
    ({"busy": False}, None, "idle"),
    ({"busy": True, "tight": True}, "reject", "reject"),
    ({"busy": True, "tight": False, "important": True, "wait": True}, "enqueue", "enqueue"),
    ({"busy": YES, "tight": NO, "important": YES, "wait": NO}, "interrupt", "interrupt_now"),
    ({"busy": True, "tight": False, "important": False, "context": True}, "interrupt", "interrupt"),
    ({"busy": True, "tight": False, "important": False, "context": False}, "rollback", "rollback"),
]


@pytest.mark.parametrize(("answers", "strategy", "leaf"), TREE_TABLE)
def test_decision_tree_recommends(answers, strategy, leaf) -> None:
    found = recommend(answers)
    assert found.leaf is not None and found.leaf.id == leaf and found.strategy == strategy
    assert [q.id for q, _ in found.path] == list(answers)


def test_decision_tree_stops_at_the_first_open_question() -> None:
    found = recommend({"busy": True, "tight": False})
    assert found.leaf is None and found.next_question is not None
    assert found.next_question.id == "important"
    assert recommend({}).next_question == TREE["busy"]


def test_decision_tree_is_whole() -> None:
    for node in TREE.values():
        if isinstance(node, Question):
            assert node.yes in TREE and node.no in TREE
    leaves = {n.strategy for n in TREE.values() if isinstance(n, Leaf)}
    assert leaves == {None, "reject", "enqueue", "interrupt", "rollback"}


def test_comparison_table_has_every_strategy_in_every_row() -> None:
    assert len(COMPARISON) == 9
    for row in COMPARISON:
        assert tuple(row.cells) == COLUMNS
    first = {s: c.text for s, c in COMPARISON[0].cells.items()}
    assert first == {
        "reject": "completes",
        "enqueue": "completes",
        "interrupt": "interrupted",
        "rollback": "deleted",
    }
    assert all(set(strategies) <= set(COLUMNS) for _, strategies in NEEDS)


def test_taken_runs_reads_the_steer_marks() -> None:
    from tui.policies.marks import taken_runs

    messages = [
        {"type": "human", "content": "a", "additional_kwargs": {}},
        {
            "type": "human",
            "content": "b",
            "additional_kwargs": {"steer": {"run_id": "r2", "taken_by": "r1"}},
        },
        {"type": "ai", "content": "c"},
        {"type": "human", "content": "d", "additional_kwargs": {"steer": {"run_id": "r3"}}},
    ]
    assert taken_runs(messages) == {"r2": "r1"}
