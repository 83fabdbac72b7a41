"""The one-line why a settled double text gets in the transcript (`tui.timeline.why` words it).

Placed right after the turn of the message that settled it (the newcomer, the run that was cut,
or the rejected message), so a reloaded thread reads in order too.
"""

from __future__ import annotations

from textual.widgets import Static

from tui.widgets.transcript import Transcript, Turn


class WhyLine(Static):
    def __init__(self, key: str, line: str) -> None:
        super().__init__(f"⤷ {line}", classes="why", markup=False)
        self.key = key
        self.line = line


async def place_why(transcript: Transcript, why: WhyLine, turn: Turn | None) -> None:
    """After `turn` (and the whys already after it), or at the end when there is no turn."""
    children = list(transcript.children)
    if turn is None or turn not in children:
        await transcript.mount(why)
        return
    anchor = children.index(turn)
    while anchor + 1 < len(children) and isinstance(children[anchor + 1], WhyLine):
        anchor += 1
    await transcript.mount(why, after=children[anchor])
