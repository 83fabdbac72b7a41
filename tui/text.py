"""Small text helpers for narrow places: one line, a short label, labels that stay distinct."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence


def first_line(text: str, limit: int = 70) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def one_line(text: str) -> str:
    """`text` on one line, without control characters: for files and drawings, where an ESC
    would reach the reader's terminal (or make an SVG ill-formed) and a newline breaks a list."""
    kept = (ch for ch in text if ch.isspace() or unicodedata.category(ch) != "Cc")
    return " ".join("".join(kept).split())


def clip(text: str, width: int) -> str:
    """One line of at most `width` characters, cut at a word when one fits, with `…`."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > width // 2 else cut).rstrip() + "…"


def _shared_words(a: list[str], b: list[str]) -> int:
    n = 0
    while n < min(len(a), len(b)) - 1 and a[n] == b[n]:
        n += 1
    return n


def distinct_labels(texts: Sequence[str], width: int) -> list[str]:
    """Labels of at most `width` characters that tell similar messages apart.

    "Add a ToDo to buy milk" and "Add a ToDo to call mom" cut to 14 characters would both read
    "Add a ToDo to…"; words a text shares with another at the start are dropped instead:
    "…buy milk", "…call mom".
    """
    words = [t.split() for t in texts]
    labels = []
    for mine in words:
        text = " ".join(mine)
        if len(text) <= width:
            labels.append(text)
            continue
        # only against other texts: the same text again (a resent message) has no words that
        # tell it apart, and would be cut down to its last word
        shared = max((_shared_words(mine, w) for w in words if w != mine), default=0)
        if shared:
            labels.append(clip("…" + " ".join(mine[shared:]), width))
        else:
            labels.append(clip(text, width))
    return labels


SHORT_ID_MIN = 8


def _shared(a: str, b: str) -> int:
    """Length of the common prefix."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def short_id(run_id: str, among: Iterable[str] = ()) -> str:
    """A run id as people read it: its shortest prefix of at least 8 characters that no other
    run of the thread shares (git-style), so it can still be searched for in logs.

    uuid7 ids start with a millisecond timestamp: runs made within about a minute share their
    first 8 hex digits, so a fixed 8 would show them all alike (checkpoint ids, time-ordered
    too, are shortened the same way among the thread's checkpoints). A prefix never ends on a
    `-`."""
    length = SHORT_ID_MIN
    for other in among:
        if other != run_id:
            length = max(length, _shared(run_id, other) + 1)
    while length < len(run_id) and run_id[length - 1] == "-":
        length += 1
    return run_id[: min(length, len(run_id))]


class ShortIds:
    """Run ids as people read them: `short_id` among the thread's runs seen so far (`learn`
    them before showing any), or `run-1`, `run-2`, … in order of appearance when `stable`
    (deterministic snapshots)."""

    def __init__(self, stable: bool = False) -> None:
        self.stable = stable
        self.names: dict[str, str] = {}
        self.known: set[str] = set()

    def learn(self, run_ids: Iterable[str | None]) -> bool:
        """Runs of the shown thread: a short id must tell each of them apart. True when a new
        one lengthens the short id of a run already known (what shows it must show it anew)."""
        new = {r for r in run_ids if r and r not in self.known}
        if self.stable or not new:
            self.known.update(new)
            return False
        near = {k for k in self.known for r in new if _shared(k, r) >= SHORT_ID_MIN}
        before = {k: short_id(k, self.known) for k in near}
        self.known.update(new)
        return any(short_id(k, self.known) != shown for k, shown in before.items())

    def forget(self) -> None:
        """Another thread is shown: its runs are the ones to tell apart."""
        self.known.clear()

    def __call__(self, run_id: str) -> str:
        if not self.stable:
            self.known.add(run_id)
            return short_id(run_id, self.known)
        return self.names.setdefault(run_id, f"run-{len(self.names) + 1}")
