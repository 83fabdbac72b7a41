"""The command palette's entries: every strategy, every client policy, and each keyed action.

Apart from the app so that its wiring stays short: the entries are data here, the app's actions
are their callbacks (`DoubletextApp.get_system_commands` yields these after Textual's own).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from textual.app import SystemCommand

from tui.policies.catalog import POLICIES
from tui.strategies import STRATEGIES

if TYPE_CHECKING:
    from tui.app import DoubletextApp

# (title, help, action): `action_<action>` of the app, unless `_special` names it
ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("Policies (F9)", "choose a client policy: keys 1–7", "policies"),
    ("Which strategy? (Ctrl+G)", "the decision tree of §7.2", "guide"),
    ("Compare the strategies", "the comparison table of §7.1", "compare"),
    ("Policy calls (F10)", "the latest policy's plan and SDK calls", "policy_calls"),
    ("Interrupt running run (Esc)", "runs.cancel(action=interrupt)", "cancel_interrupt"),
    ("Roll back running run (Ctrl+B)", "runs.cancel(action=rollback)", "cancel_rollback"),
    ("Hold message (Ctrl+L)", "park the composer's text; F5 fires it", "hold"),
    ("Fire held message (F5)", "send it with the selected strategy", "fire"),
    ("Slow motion (F6)", "model pace ×1 → ×3 → ×10 slower", "pace"),
    ("Toggle side panels (F7)", "runs and todos", "panels"),
    ("Timeline (F12)", "show and focus the thread's timeline; again: hide", "timeline"),
    ("Replies not kept (Ctrl+F)", "hide or show what a cut run streamed", "not_kept"),
    ("Inspect a run", "the highlighted run of the runs panel", "inspect_run"),
    ("Resend rejected message (Ctrl+R)", "with the selected strategy", "resend"),
    ("New thread (Ctrl+N)", "start an empty thread", "new_thread"),
    ("Threads (Ctrl+T)", "open or delete a thread", "switch_thread"),
    ("Reset demo (F8)", "new thread, this user's todos deleted", "reset_demo"),
    ("Set user id (Ctrl+O)", "whose todos to show", "set_user"),
    ("Export transcript (Ctrl+S)", "Markdown, with fates and causes", "export"),
    ("Copy last reply (Ctrl+Y)", "to the clipboard", "copy_reply"),
)


def _special(app: DoubletextApp) -> dict[str, Callable[[], None]]:
    """The entries whose action takes an argument."""
    return {
        "compare": lambda: app.action_guide("compare"),
        "cancel_interrupt": lambda: app.action_cancel("interrupt"),
        "cancel_rollback": lambda: app.action_cancel("rollback"),
    }


def commands(app: DoubletextApp) -> Iterator[SystemCommand]:
    """The app's own palette entries, in the order shown."""
    for s in STRATEGIES:
        yield SystemCommand(
            f"Strategy: {s.name} ({s.key.upper()})",
            s.description,
            lambda n=s.name: app.action_strategy(n),
        )
    for p in POLICIES:
        yield SystemCommand(
            f"Policy: {p.title} ({p.chapter or 'beyond the tutorial'})",
            p.description,
            lambda n=p.name: app.action_strategy(n),
        )
    special = _special(app)
    for title, help_text, action in ACTIONS:
        yield SystemCommand(
            title, help_text, special.get(action) or getattr(app, f"action_{action}")
        )
