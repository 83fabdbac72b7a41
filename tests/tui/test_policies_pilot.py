"""Each client policy through the app (tui/policies wired into the session), on the real
embedded engine: picked with its keys, double texted, and what the transcript, the run panel and
the server then show.

Most use the `slow` bench graph (`reply to: <msg>`), held by the thread's gate until the test
releases it, so message 1 is still running when the next goes out however loaded the machine;
steer uses the todo assistant at a pace that keeps its first
model call going while message 2 is queued.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from textual import events
from textual.widgets import OptionList

from tests.tui.helpers import (
    fate_of,
    hold,
    idle,
    ready,
    release,
    replies,
    run_panel,
    say,
    turn,
    turns,
    wait_until,
)
from tui.app import DoubletextApp
from tui.policies.decide import IDLE_CHOICE, IDLE_NOW
from tui.runstate import Fate
from tui.text import short_id
from tui.widgets.ask_dialog import AskDialog
from tui.widgets.composer import Composer
from tui.widgets.picker import StrategyPicker
from tui.widgets.policy_help import PolicyHelp
from tui.widgets.policy_menu import PolicyMenu
from tui.widgets.policy_note import PolicyNote
from tui.widgets.retry_countdown import RetryCountdown
from tui.widgets.timeline_pane import TimelinePane
from tui.widgets.why import WhyLine

SIZE = (150, 40)


def note(app: DoubletextApp, text: str) -> PolicyNote:
    return turn(app, text).query_one(PolicyNote)


def run_of(app: DoubletextApp, text: str) -> str | None:
    """The run id behind the (first) turn showing `text`."""
    return app.session.log.entries[turn(app, text).key].run_id


async def runs(app: DoubletextApp) -> list[dict[str, Any]]:
    found = await app.backend.client.runs.list(app.thread_id or "", limit=100)
    return sorted((dict(r) for r in found), key=lambda r: r["created_at"])


async def start(pilot, *keys: str, first: str = "one") -> None:
    """Pick the policy with `keys`, send `first` (the thread is idle: a plain send) and wait
    until its run is running. The thread's `slow` runs are held until the test calls `release`."""
    app = pilot.app
    await ready(pilot)
    await hold(app)
    await pilot.press(*keys)
    await say(pilot, first)
    await wait_until(pilot, lambda: fate_of(app, first) is Fate.RUNNING, 20, f"{first} running")


async def test_keep_latest_leaves_at_most_one_waiting(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, "f9", "5")
        assert app.strategy == "keep-latest"
        await say(pilot, "two")
        await wait_until(pilot, lambda: fate_of(app, "two") is Fate.QUEUED, 10, "two queued")
        await say(pilot, "three")
        await wait_until(pilot, lambda: fate_of(app, "three") is Fate.QUEUED, 10, "three queued")
        waiting = [r["run_id"] for r in await runs(app) if r["status"] == "pending"]
        assert waiting == [run_of(app, "three")]  # two was cancelled before three was sent
        await wait_until(pilot, lambda: fate_of(app, "two") is Fate.INTERRUPTED, 10)
        assert turn(app, "two").cause_text == "↳ replaced by a newer message (keep latest)"
        assert "still waiting → replaced by this one" in note(app, "three").why
        await release(app)
        await wait_until(pilot, lambda: idle(app) and replies(app, "three"), 30, "reply 3")
        assert replies(app, "one") == ["reply to: one"] and replies(app, "two") == []
        assert run_panel(app) == {"one": "done", "two": "interrupted", "three": "done"}
        assert [r["status"] for r in await runs(app)] == ["success", "interrupted", "success"]
        # The timeline names the policy that cut run 2, and its why says so (not "Esc").
        pane = app.chat.query_one(TimelinePane)
        await wait_until(pilot, lambda: any("Keep latest" in w for w in whys(app)), 10, "why")
        assert pane.shown.cut_label(pane.shown.ordered()[1]) == "keep latest"
        assert not any(w.startswith("Esc") for w in whys(app))


async def test_merge_leaves_one_message_with_both_texts(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, "f9", "4", first="buy milk")
        await say(pilot, "call mom")
        merged = "Context: buy milk\n\nCurrent request: call mom"
        await wait_until(pilot, lambda: fate_of(app, "buy milk") is Fate.ROLLED_BACK, 10)
        await release(app)
        await wait_until(pilot, lambda: idle(app) and replies(app, merged), 30, "the reply")
        assert "folded in as context, sent with rollback" in note(app, merged).why
        assert turn(app, merged).strategy == "rollback"
        messages = await app.backend.messages(app.thread_id or "")
        assert [m["type"] for m in messages] == ["human", "ai"]
        assert messages[0]["content"] == merged
        assert replies(app, merged) == [f"reply to: {merged}"]
        (run,) = await runs(app)  # message 1's run was rolled back: deleted
        assert run["run_id"] == run_of(app, merged)


async def _retry_counting_down(pilot) -> tuple[RetryCountdown, Composer]:
    """Retry picked, "one" running (held), "two" sent: until retry's countdown is under way."""
    app = pilot.app
    await start(pilot, "f9", "3")
    countdown = app.chat.query_one(RetryCountdown)
    await say(pilot, "two")
    await wait_until(pilot, lambda: countdown.wait is not None, 10, "the countdown")
    return countdown, app.chat.query_one(Composer)


async def test_retry_counts_down_is_cancellable_and_succeeds_once_run_one_ends(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        countdown, composer = await _retry_counting_down(pilot)
        assert countdown.display and "retry 1/3 in" in str(countdown.render())
        await pilot.press("escape")  # cancels the countdown, not run 1
        await wait_until(pilot, lambda: fate_of(app, "two") is Fate.WITHDRAWN, 5, "withdrawn")
        assert not countdown.display and fate_of(app, "one") is Fate.RUNNING
        assert composer.value == "two" and composer.cursor_position == 3
        assert len(await runs(app)) == 1  # nothing was sent after the 409

        await pilot.press("enter")  # again, and this time let it retry
        await wait_until(pilot, lambda: countdown.wait is not None, 10, "the countdown")
        await release(app)  # run 1 ends: a retry is accepted
        withdrawn, sent = [t for t in turns(app) if t.text == "two"]
        await wait_until(pilot, lambda: idle(app) and sent.replies(), 30, "reply 2")
        assert not countdown.display
        assert withdrawn.fate is Fate.WITHDRAWN and sent.fate is Fate.DONE
        assert [r.full_text for r in sent.replies()] == ["reply to: two"]
        done = sent.query_one(PolicyNote)
        assert done.status == "created"
        assert any("409" in line for line in done.done) and done.done[-1].endswith("created")
        assert [c.status for c in done.calls if c.method == "POST"][-1] == 200
        assert [r["status"] for r in await runs(app)] == ["success", "success"]


async def test_retry_stops_counting_down_when_the_thread_is_deleted(make_app) -> None:
    """Another client deletes the thread during retry's countdown: the countdown stops, the
    message ends with the thread ('no longer exists', said once), and no retry is sent."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        countdown, _ = await _retry_counting_down(pilot)
        app.notes.clear()

        def creates() -> int:
            return sum(
                c.method == "POST" and c.path.endswith("/runs") for c in app.backend.calls.calls
            )

        posts = creates()
        try:
            await app.backend.delete_thread(app.thread_id or "")
        finally:
            await release(app)
        await wait_until(pilot, lambda: fate_of(app, "two") is Fate.ERROR, 10, "two ended")
        await wait_until(pilot, lambda: not countdown.display, 5, "the countdown gone")
        await pilot.pause(1.5)  # past retry 1's wait: nothing more is sent
        assert fate_of(app, "two") is Fate.ERROR
        assert "no longer exists" in (turn(app, "two").cause_text or "")
        assert creates() == posts
        assert [n for n in app.notes if "no longer exists" in n[0]] == app.notes[:1], app.notes
        assert len(app.notes) == 1, app.notes


@pytest.mark.parametrize("source", ["story", "poll"])
async def test_every_refused_retry_is_on_the_timeline(make_app, source: str) -> None:
    """Each 409 retry met is a rejected attempt on the timeline, whether the server tells the
    story or the client rebuilds it from what it saw (it used to see only the last refusal of
    a message, and none of a retry that then got through)."""
    app = make_app(sources=(source,))
    async with app.run_test(size=SIZE) as pilot:
        countdown, _ = await _retry_counting_down(pilot)
        await wait_until(pilot, lambda: countdown.wait and countdown.wait.attempt == 2, 10)
        await release(app)  # run 1 ends: retry 2 is accepted
        await wait_until(pilot, lambda: idle(app) and replies(app, "two"), 30, "reply 2")
        refused = [c for c in note(app, "two").calls if c.status == 409]
        assert len(refused) == 2
        pane = app.chat.query_one(TimelinePane)
        await wait_until(pilot, lambda: len(pane.shown.ordered()) == 2, 10, "both lanes")
        assert [b.text for b in pane.shown.bounces] == ["two", "two"]


def strip_cancel_reason(app: DoubletextApp) -> None:
    """List runs as langgraph dev does: without `cancel_reason`."""
    real = app.backend.runs

    async def without_reason(thread_id: str):
        return [{k: v for k, v in r.items() if k != "cancel_reason"} for r in await real(thread_id)]

    app.backend.runs = without_reason  # type: ignore[method-assign]


@pytest.mark.parametrize("reasons", [True, False], ids=["story", "no-cancel-reason"])
async def test_steer_answers_both_in_one_reply_and_shows_the_taken_run(
    make_app, reasons: bool
) -> None:
    first, second = "Add a ToDo to buy milk", "Add a ToDo to call mom"
    if reasons:
        app = make_app("task_maistro", base_pace=0.6)
    else:  # runs.list alone, with no cancel_reason: the steer marks still name the cut
        app = make_app("task_maistro", base_pace=0.6, sources=("poll",))
        strip_cancel_reason(app)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, "f9", "6", first=first)
        app.chat.query_one(Composer).value = second  # in well before run 1's tool step ends
        await pilot.press("enter")
        await wait_until(pilot, lambda: idle(app) and replies(app, second), 30, "the reply")
        assert "takes this in at its next model call" in note(app, second).why
        taken = turn(app, second)
        taker = run_of(app, first) or ""
        short = short_id(taker, app.session.log.run_ids())
        marked = f"↳ taken in by run {short} (steer)", "steer → enqueue · taken in"
        # polled, the taken run's end is read a moment after the reply shows
        await wait_until(
            pilot, lambda: (taken.cause_text, taken.badge_text) == marked, 10, "the taken-in mark"
        )
        (reply,) = replies(app, second)  # one reply, after the message it took in …
        assert "Buy milk" in reply and "Call mom" in reply  # … answers both
        assert replies(app, first) == []
        assert [r["status"] for r in await runs(app)] == ["success", "interrupted"]
        # On the timeline run 2 was cut by steer; no why claims its message never arrived.
        pane = app.chat.query_one(TimelinePane)
        await wait_until(pilot, lambda: pane.shown.ordered()[1].cut is not None, 10, "the cut")
        assert pane.shown.cut_label(pane.shown.ordered()[1]) == "steer"
        await pilot.pause(0.3)
        assert not any("never added" in w or "cause unknown" in w for w in whys(app))


@pytest.mark.parametrize("source", ["story", "poll"])
async def test_auto_picks_by_age_and_says_why(make_app, source: str) -> None:
    app = make_app(sources=(source,))
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, "f9", "1")
        await say(pilot, "two")
        await wait_until(pilot, lambda: fate_of(app, "one") is Fate.ROLLED_BACK, 10)
        why = note(app, "two").why
        assert re.fullmatch(r"run \w{8} has run \d+\.\d s: younger than 5 s → rollback", why)
        assert turn(app, "two").badge_text.startswith("auto → rollback · ")
        await release(app)
        await wait_until(pilot, lambda: idle(app) and replies(app, "two"), 30, "reply 2")
        title = str(note(app, "two").title)
        # Observing costs runs.list and the side-effects route, unless the story told both.
        observed = ["GET", "GET"] if source == "poll" else []
        calls = note(app, "two").calls
        assert [c.method for c in calls] == [*observed, "POST"]
        count = f"{len(calls)} SDK call{'s' if len(calls) > 1 else ''}"
        assert title.startswith(f"why: {why}") and title.endswith(f" · {count}")


async def test_ask_offers_the_four_strategies_on_keys_1_to_4(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, "f9", "2")
        assert not isinstance(app.screen, AskDialog)  # idle: it just sent
        composer = app.chat.query_one(Composer)

        async def answer(text: str, key: str) -> None:
            composer.value = text
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, AskDialog), 10, "the dialog")
            assert "What should happen to your new message?" in str(
                app.screen.query_one("#ask-question").render()
            )
            await pilot.press(key)
            await wait_until(pilot, lambda: not isinstance(app.screen, AskDialog), 5)

        await answer("two", "1")  # enqueue
        await wait_until(pilot, lambda: fate_of(app, "two") is Fate.QUEUED, 10)
        await answer("three", "4")  # reject: 409, the text comes back
        await wait_until(pilot, lambda: fate_of(app, "three") is Fate.REJECTED, 10)
        assert composer.value == "three"
        await answer("four", "3")  # rollback: one and two erased
        await wait_until(pilot, lambda: fate_of(app, "four") is Fate.RUNNING, 10)
        await answer("five", "2")  # interrupt four
        await wait_until(pilot, lambda: fate_of(app, "four") is Fate.INTERRUPTED, 10)
        await release(app)
        await wait_until(pilot, lambda: idle(app) and replies(app, "five"), 30, "reply 5")
        assert run_panel(app) == {
            "one": "rolled back",
            "two": "rolled back",
            "three": "rejected",
            "four": "interrupted",
            "five": "done",
        }
        assert str(note(app, "five").title).startswith("why: thread busy (run ")
        assert "→ you chose 2: interrupt" in str(note(app, "five").title)


async def test_the_ask_dialog_counts_while_open_and_stops_when_closed(make_app) -> None:
    """While run 1 is held, the dialog's "has run 1.1 s" (and the choices' "1.1 s in") go on
    counting; once closed, its timer is gone with it."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, "f9", "2")
        await say(pilot, "two")
        await wait_until(pilot, lambda: isinstance(app.screen, AskDialog), 10, "the dialog")
        dialog = app.screen

        def said() -> tuple[str, str]:
            question = str(dialog.query_one("#ask-question").render())
            interrupt = str(dialog.query_one(OptionList).get_option("2").prompt)
            return question, interrupt

        def age(text: str) -> float:
            return float(re.search(r"(\d+\.\d) s", text).group(1))

        first = said()
        assert "has run" in first[0] and " s in;" in first[1]
        later = lambda: age(said()[0]) >= age(first[0]) + 0.3  # noqa: E731
        await wait_until(pilot, later, 10, "the age counted on")
        question, interrupt = said()
        assert age(interrupt) == age(question)  # the choices count too
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, AskDialog), 5, "closed")
        await wait_until(pilot, lambda: not dialog.is_running, 5, "its timer stopped")
        closed_at = dialog.open_s
        await release(app)
        await wait_until(pilot, lambda: idle(app) and replies(app, "one"), 30, "run 1 done")
        assert dialog.open_s == closed_at


@pytest.mark.parametrize("source", ["story", "poll"])
async def test_the_ask_dialog_sees_run_1_end_while_it_is_open(make_app, source: str) -> None:
    """Left open while run 1 finishes, the dialog stops counting run 1's age and says that any
    choice now starts the message at once; the choice still sends with its strategy."""
    app = make_app() if source == "story" else make_app(sources=("poll",))
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, "f9", "2")
        await say(pilot, "two")
        await wait_until(pilot, lambda: isinstance(app.screen, AskDialog), 10, "the dialog")
        dialog = app.screen
        question = lambda: str(dialog.query_one("#ask-question").render())  # noqa: E731
        assert "has run" in question()
        await release(app)
        await wait_until(pilot, lambda: replies(app, "one"), 30, "run 1 answered")
        await wait_until(pilot, lambda: question() == IDLE_NOW, 10, "the dialog saw it end")
        assert str(dialog.query_one(OptionList).get_option("2").prompt).endswith(IDLE_CHOICE)
        await pilot.press("2")
        await wait_until(pilot, lambda: idle(app) and replies(app, "two"), 30, "reply 2")
        assert run_panel(app) == {"one": "done", "two": "done"}
        assert "→ you chose 2: interrupt" in str(note(app, "two").title)


async def test_a_preset_chosen_by_name_in_the_palette(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*("space" if c == " " else c for c in "search preset"))
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.strategy == "preset:search", 5, "the preset")
        picker = app.chat.query_one(StrategyPicker)
        assert str(picker.query_one("#chip-preset").render()) == "search"
        await start(pilot, first="hotels in Paris")
        await say(pilot, "hotels in Tokyo")
        await wait_until(pilot, lambda: fate_of(app, "hotels in Paris") is Fate.ROLLED_BACK, 10)
        await release(app)
        await wait_until(pilot, lambda: idle(app) and replies(app, "hotels in Tokyo"), 30)
        assert note(app, "hotels in Tokyo").why == (
            "scenario search → rollback: the user changed what to search for; "
            "the old results are useless"
        )


def whys(app: DoubletextApp) -> list[str]:
    return [w.line for w in app.chat.query(WhyLine)]


async def test_a_retry_called_off_while_a_draft_is_typed_keeps_the_draft(make_app) -> None:
    """Esc during retry's countdown with a new draft in the composer: the draft stays, and the
    notification does not claim the withdrawn text is back in the composer."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        _, composer = await _retry_counting_down(pilot)
        await pilot.press("d", "r", "a", "f", "t", "escape")
        await wait_until(pilot, lambda: fate_of(app, "two") is Fate.WITHDRAWN, 5, "withdrawn")
        await wait_until(pilot, lambda: any("Not sent" in n for n, _ in app.notes), 5, "a note")
        await release(app)
        assert composer.value == "draft"
        (withdrawn,) = [n for n, _ in app.notes if "Not sent" in n]
        assert "back in the composer" not in withdrawn
        await wait_until(pilot, lambda: idle(app), 30)


async def test_a_key_in_the_same_read_as_f9_picks_in_the_menu(make_app) -> None:
    """F9 and 2 in one terminal read (a laggy link, tmux): the 2 picks policy 2 in the menu, it
    does not land in the composer behind a menu left open. F9 over another dialog still does
    nothing."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        for key, character in (("f9", None), ("2", "2")):  # as the driver posts one read
            app.post_message(events.Key(key, character))
        await wait_until(pilot, lambda: app.strategy == "ask", 5, "policy 2 (ask) picked")
        assert app.screen is app.chat
        assert app.chat.query_one(Composer).value == ""

        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: isinstance(app.screen, PolicyHelp), 5, "the guide open")
        await pilot.press("f9")
        assert isinstance(app.screen, PolicyHelp)
        assert not any(isinstance(s, PolicyMenu) for s in app.screen_stack)


async def test_keep_latest_names_its_cut_where_runs_carry_no_cancel_reason(make_app) -> None:
    """langgraph dev lists a cancelled run without `cancel_reason`: the timeline built from what
    this client saw still knows keep latest cut run 2 (its own cancel), not 'cause unknown'."""
    app = make_app(sources=("poll",))
    strip_cancel_reason(app)
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, "f9", "5")
        await say(pilot, "two")
        await wait_until(pilot, lambda: fate_of(app, "two") is Fate.QUEUED, 10, "two queued")
        await say(pilot, "three")
        await wait_until(pilot, lambda: fate_of(app, "two") is Fate.INTERRUPTED, 10)
        await release(app)
        await wait_until(pilot, lambda: idle(app) and replies(app, "three"), 30, "reply 3")
        pane = app.chat.query_one(TimelinePane)
        await wait_until(pilot, lambda: any("Keep latest" in w for w in whys(app)), 10, "why")
        assert pane.shown.cut_label(pane.shown.ordered()[1]) == "keep latest"
        assert not any("cause unknown" in w for w in whys(app))
