"""What a thread session tells the UI, as Textual Messages named for things that happened.

A `ThreadSession` posts these to the chat screen, whose widgets react with `@on`; they then
bubble to the app, which keeps its state (`connection`, `busy`, `source`, …) in reactive vars.
Every message names its thread, so a late message from a session that was closed (the user
switched threads) is recognisable and ignored. Entries are snapshots: safe to keep.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from textual.message import Message

from tui.calllog import Call
from tui.history import TurnSpec
from tui.ledger import TodoRow
from tui.policies.runner import RetryWait
from tui.runstate import Entry
from tui.timeline.client_side import ClientView
from tui.timeline.model import Timeline


@dataclass
class SessionMessage(Message):
    thread_id: str | None


@dataclass
class ConnectionChanged(SessionMessage):
    """`state`: connecting · online · reconnecting · failed (with `detail`)."""

    state: str
    detail: str = ""


@dataclass
class ThreadOpened(SessionMessage):
    """The session's thread is known (created, reopened or switched to)."""

    created: bool = False


@dataclass
class ThreadLoaded(SessionMessage):
    """The thread as the server tells it: turns in order, and every entry behind them."""

    turns: Sequence[TurnSpec] = ()
    entries: Sequence[Entry] = ()


@dataclass
class SourceChosen(SessionMessage):
    """Where fates come from: `story`, `lifecycle` or `poll`; `blind_spots`: what it can't know."""

    source: str = "poll"
    blind_spots: str = ""


@dataclass
class MessageSent(SessionMessage):
    """The user sent a message: show it at once (before the server has answered)."""

    entry: Entry = field(default_factory=lambda: Entry("", "", ""))


@dataclass
class RunAccepted(SessionMessage):
    """A run exists for an entry: one of ours was created, or another client's was seen."""

    entry: Entry = field(default_factory=lambda: Entry("", "", ""))


@dataclass
class FateChanged(SessionMessage):
    """An entry's fate, cause, queue position or attempt changed."""

    entry: Entry = field(default_factory=lambda: Entry("", "", ""))


@dataclass
class Rejected(SessionMessage):
    """The server refused one of our messages (409 while the thread was busy)."""

    entry: Entry = field(default_factory=lambda: Entry("", "", ""))


@dataclass
class ReplyDelta(SessionMessage):
    """Streamed text (or a whole message) for the reply `message_id` of entry `key`.

    The most frequent message (one per token): it stops at the screen, the app has no use for it.
    """

    bubble = False

    key: str = ""
    message_id: str = ""
    text: str = ""
    whole: bool = False


@dataclass
class ToolActivity(SessionMessage):
    """A tool call being assembled, or a tool's result, in entry `key`'s turn."""

    key: str = ""
    widget_key: str = ""
    title: str = ""
    detail: str = ""
    kind: str = "call"  # or "result"


@dataclass
class ReplyEnded(SessionMessage):
    """The run's stream closed: stop streaming its replies."""

    key: str = ""


@dataclass
class TurnSettled(SessionMessage):
    """A finished run's turn must show exactly these messages (what the thread kept)."""

    key: str = ""
    kept: Sequence[Mapping[str, Any]] = ()


@dataclass
class TodosChanged(SessionMessage):
    """The user's todos with who wrote them; `problem` when the store could not be read."""

    rows: Sequence[TodoRow] = ()
    problem: str = ""


@dataclass
class Notice(SessionMessage):
    """Something to tell the user in a notification."""

    text: str = ""
    title: str = ""
    severity: str = "information"


@dataclass
class StoryEvent(SessionMessage):
    """One event of the thread's story (STORY_CONTRACT.md), as it arrived or was replayed on a
    load or resync: the timeline folds it. A repeated `seq` is ignored by the timeline."""

    bubble = False

    event: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class TimelineBuilt(SessionMessage):
    """No story on this server: the timeline rebuilt from what this client saw (its sends and
    cancels, `runs.list` snapshots, lifecycle events, the history), blind spots included."""

    bubble = False

    timeline: Timeline = field(default_factory=Timeline)
    quiet: bool = False
    """Nothing in flight and the history read since the last run ended: its whys are final."""
    view: ClientView | None = None
    """What it was built from (a view that pins clock-dependent parts rebuilds from it)."""


# -- client policies (tui/policies): what a policy decided and did for one message ---------------


@dataclass
class Withdrawn(SessionMessage):
    """A policy's message was called off before any run existed (Esc in the ask dialog, or the
    retry countdown cancelled): its text goes back to the composer."""

    entry: Entry = field(default_factory=lambda: Entry("", "", ""))


@dataclass
class PolicyDecided(SessionMessage):
    """A policy decided for entry `key`: its `why` in one line, and the plan's steps."""

    key: str = ""
    policy: str = ""
    why: str = ""
    steps: Sequence[str] = ()


@dataclass
class PolicyStep(SessionMessage):
    """A plan step began (`result` empty) or ended ("run 1a2b3c4d created", "409: …")."""

    key: str = ""
    step: str = ""
    result: str = ""


@dataclass
class RetryWaiting(SessionMessage):
    """The retry policy waits before sending again (`wait`: a runner `RetryWait`), or stopped
    waiting (`wait` None)."""

    key: str = ""
    wait: RetryWait | None = None


@dataclass
class PolicyFinished(SessionMessage):
    """The plan ran: `status` created · rejected · cancelled · failed, `chose` what the user
    picked (ask), and every SDK call it made, observing included (from the one `CallLog`)."""

    key: str = ""
    status: str = ""
    chose: str = ""
    calls: Sequence[Call] = ()
