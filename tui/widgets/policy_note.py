"""The note under a message a client policy sent: a line of why it chose what it chose;
expanded (Enter or click), the plan's steps, what each did, and every SDK call it made.

The calls come from the app's one `CallLog` (tui/calllog.py), scoped to this plan.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.widgets import Static

from tui.calllog import Call
from tui.policies.catalog import BY_NAME
from tui.text import clip, short_id
from tui.widgets.titled import Titled

CALL_WIDTH = 110
"""A call per line here (its body excerpt cut); the whole call is in the app's CallLog."""


def policy_title(name: str) -> str:
    info = BY_NAME.get(name)
    return info.title if info else name


class PolicyNote(Titled):
    def __init__(self, policy: str, short: Callable[[str], str] = short_id) -> None:
        self.body = Static("", classes="policy-detail", markup=False)
        super().__init__(self.body, title="", collapsed=True, classes="policy-note")
        self.policy = policy
        self.why = ""
        self.steps: list[str] = []
        self.done: list[str] = []
        self.chose = ""
        self.status = ""
        self.calls: list[Call] = []
        self.short = short  # ids in the calls, as the app shows them

    def decided(self, why: str, steps: Sequence[str]) -> None:
        self.why, self.steps, self.done = why, list(steps), []
        self.chose, self.status, self.calls = "", "", []
        self._show()

    def step(self, step: str, result: str) -> None:
        if result:
            self.done.append(f"{step} → {result}")
            self._show()

    def finished(self, status: str, chose: str, calls: Sequence[Call]) -> None:
        self.status, self.chose, self.calls = status, chose, list(calls)
        self._show()

    def title_text(self) -> str:
        """`why: <why> → you chose 2: interrupt · 3 SDK calls` (the badge names the policy)."""
        chose = f" → you chose {self.chose}" if self.chose else ""
        n = len(self.calls)
        calls = f" · {n} SDK call{'s' if n != 1 else ''}" if self.status else ""
        return f"why: {self.why}{chose}{calls}"

    def detail_text(self) -> str:
        lines = ["plan:", *(f"  {s}" for s in self.steps)]
        if self.done:
            lines += ["did:", *(f"  {d}" for d in self.done)]
        if self.status:
            calls = (f"  {clip(c.line(self.short), CALL_WIDTH)}" for c in self.calls)
            lines += [f"SDK calls ({self.status}):", *calls]
        return "\n".join(lines)

    def _show(self) -> None:
        self.retitle(self.title_text())
        self.body.update(self.detail_text())
