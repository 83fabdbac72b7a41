"""Transcript → Markdown, from plain data so it is testable without widgets.

Each message carries its strategy and its fate with the cause, as the transcript shows them
("interrupted by run 1a2b3c4d (F2 interrupt)").
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ExportTurn:
    text: str
    strategy: str
    fate: str
    replies: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)


def to_markdown(turns: list[ExportTurn], *, thread_id: str, assistant: str) -> str:
    lines = ["# doubletext transcript", "", f"- thread: `{thread_id}`"]
    lines += [f"- assistant: `{assistant}`", ""]
    for turn in turns:
        quoted = turn.text.replace("\n", "\n> ")
        user = f"~~{quoted}~~" if turn.fate.startswith("rolled back") else quoted
        meta = f" _({turn.strategy}, {turn.fate})_" if turn.strategy else ""
        lines += [f"**You:**{meta}", "", f"> {user}", ""]
        lines += [f"- 🔧 {tool}" for tool in turn.tools]
        if turn.tools:
            lines.append("")
        for reply in turn.replies:
            lines += ["**Assistant:**", "", reply, ""]
    return "\n".join(lines).rstrip() + "\n"
