"""Which existing todo a phrase means, by the words they share.

Why a module of its own: "the Denver task" must find "Book flights to Denver", "chapter two" must
not be "chapter one", and "the flights" with two flight todos is a question, not a guess. The
rule: content words only (stop words and list words dropped, light stemming so "flights" meets
"flight" and "mounting" meets "mount"), numbers normalized ("two", "2nd", "second" → "2") and
treated as distinguishing: when both sides carry numbers, they must agree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

Todo = tuple[str, dict[str, Any]]  # (store key, ToDo value)

_STOP_TEXT = """
    a an the this that these those it its it's them they their there here to for with and or of
    in on at by from into onto about as up out off over my mine your our his her me we us you i
    i'm i've is are was were be been being am do does did done have has had will would should
    can could please just also now then so too very really some any all every other another
    todo todos to-do to-dos task tasks item items reminder reminders list thing things entry
    which what one's ones
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
NUMBERS = {
    "one": "1", "first": "1", "two": "2", "second": "2", "three": "3", "third": "3",
    "four": "4", "fourth": "4", "five": "5", "fifth": "5", "six": "6", "sixth": "6",
    "seven": "7", "seventh": "7", "eight": "8", "eighth": "8", "nine": "9", "ninth": "9",
    "ten": "10", "tenth": "10", "eleven": "11", "twelve": "12",
}  # fmt: skip
IRREGULAR = {
    "paid": "pay", "bought": "buy", "sent": "send", "made": "make", "took": "take",
    "wrote": "write", "got": "get", "went": "go", "did": "do", "gave": "give", "brought": "bring",
    "sold": "sell", "met": "meet", "left": "leave", "rang": "ring", "ate": "eat", "told": "tell",
    "found": "find", "spoke": "speak", "drove": "drive", "hung": "hang", "fed": "feed",
    "read": "read",
}  # fmt: skip


def _stem(word: str) -> str:
    """Crude, but the same on both sides: "flights"→"flight", "booked"/"booking"→"book"."""
    word = IRREGULAR.get(word, word)
    for suffix, keep in (("ies", "y"), ("xes", "x"), ("ches", "ch"), ("shes", "sh"), ("ing", ""),
                         ("ed", ""), ("s", "")):  # fmt: skip
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)] + keep
            if not keep and word[-1] == word[-2] and word[-1] not in "lsfz":
                word = word[:-1]  # "shopping" → "shop", "planned" → "plan"
            break
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


# A word in any script ("josé", "买牛奶"), or one emoji ("buy 🥛" is not "buy 🍞").
_WORD_RE = re.compile(r"[^\W_](?:[^\W_]|['-])*|[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]")


@lru_cache(maxsize=8192)
def tokens(text: str) -> frozenset[str]:
    """Content words (stemmed) and numbers (as digits) of a phrase (cached: tasks recur)."""
    out = set()
    for raw in _WORD_RE.findall(text.lower().replace("’", "'")):
        word = raw.removesuffix("'s").strip("'-")
        ordinal = re.fullmatch(r"(\d+)(?:st|nd|rd|th)", word)
        if ordinal:
            out.add(ordinal.group(1))
        elif word in NUMBERS:
            out.add(NUMBERS[word])
        elif word and word not in STOP_WORDS:
            out.add(word if word.isdigit() else _stem(word))
    return frozenset(out)


def _split(words: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    numbers = frozenset(w for w in words if w.isdigit())
    return words - numbers, numbers


def _numbers_clash(ref: frozenset[str], task: frozenset[str], *, exact: bool) -> bool:
    """Both name numbers and they disagree ("chapter 2" vs "chapter 1")."""
    if not ref or not task:
        return False
    return ref != task if exact else not ref <= task


@dataclass(frozen=True)
class Match:
    """How well a reference fits a todo: share of the reference found, share of the task named."""

    todo: Todo
    found: float
    covered: float


def rank(ref: str, todos: Sequence[Todo]) -> list[Match]:
    """Todos sharing a content word with `ref`, best first; numbers must not clash."""
    ref_words, ref_numbers = _split(tokens(ref))
    matches = []
    for todo in todos:
        task_words, task_numbers = _split(tokens(str(todo[1].get("task", ""))))
        shared = ref_words & task_words
        if not shared or _numbers_clash(ref_numbers, task_numbers, exact=False):
            continue
        found = len(shared) / len(ref_words)
        matches.append(Match(todo, found, len(shared) / max(1, len(task_words))))
    return sorted(matches, key=lambda m: (m.found, m.covered), reverse=True)


def resolve(ref: str, todos: Sequence[Todo]) -> list[Todo]:
    """The todo(s) `ref` most plausibly names: [] none, [one] found, [a, b, …] ambiguous.

    Found means at least half of the reference's content words are in the task; a tie between
    the best candidates (on both measures) is ambiguous.
    """
    best = [m for m in rank(ref, todos) if m.found >= 0.5]
    if not best:
        return []
    top = (best[0].found, best[0].covered)
    return [m.todo for m in best if (m.found, m.covered) == top]


def same_task(new: str, old: str) -> bool:
    """Is a requested new task the same as an existing one? (so it is patched, not duplicated)

    Only if the new one says nothing the old one does not (every content word of it is in the
    old: "buy milk and eggs" is not "Buy milk", its eggs would be lost) and names at least two
    thirds of the old one ("book flights" is "Book flights to Denver", but "milk" or "buy" alone
    is not "Buy milk": one shared word is an overlap, not a repeat).
    """
    new_words, new_numbers = _split(tokens(new))
    old_words, old_numbers = _split(tokens(old))
    if new_numbers != old_numbers or not new_words or not new_words <= old_words:
        return False
    return 3 * len(new_words) >= 2 * len(old_words)


def shares_words(ref: str, task: str) -> bool:
    """Any content word in common (a correction: "Actually, … Yoga …")."""
    ref_words, ref_numbers = _split(tokens(ref))
    task_words, task_numbers = _split(tokens(task))
    clash = _numbers_clash(ref_numbers, task_numbers, exact=True)
    return bool(ref_words & task_words) and not clash


def mentions(query: str, todos: Sequence[Todo]) -> list[Todo]:
    """Todos that mention any content word of `query` (for "anything about Denver?")."""
    words, numbers = _split(tokens(query))
    found = []
    for todo in todos:
        task_words, task_numbers = _split(tokens(str(todo[1].get("task", ""))))
        clash = _numbers_clash(numbers, task_numbers, exact=False)
        if (words & task_words and not clash) or (not words and numbers & task_numbers):
            found.append(todo)
    return found


def has_content(text: str) -> bool:
    """Does a phrase name anything (not just "it", "the one", "I'm")?"""
    return bool(tokens(text))
