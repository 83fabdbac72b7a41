"""What kind of message is this? Pure rules for the offline model: text in, a route out.

Why separate from the model: every rule is unit-testable without LangChain, a graph or a store.
The route says whether the model calls `UpdateMemory` (todo, user, instructions), answers a
question about the list, chats, or asks back (a short unclear phrase, or nothing understood:
never a new todo by mistake). Only the last human message is read, so an earlier request is
never applied twice (the enqueue scenario's second run); earlier turns only give `Context`
("mark it done", "yes" to "Should I add …?").

The phrasings live in `intents` (a table), what exactly changes in `planner`, dates in `dates`,
matching a phrase to an existing todo in `matching`, the words of a task in `phrases`.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from engine.models import intents
from engine.models.dates import find_date, parse_shift
from engine.models.matching import (
    IRREGULAR,
    has_content,
    tokens,
)
from engine.models.phrases import (
    ADD_PREFIX_RE,
    HAVE_RE,
    LEADIN_RE,
    TODO_WORDS,
    split_items,
    starts_with_verb,
)
from engine.models.profile import parse_profile

Route = Literal["todo", "user", "instructions", "question", "chat", "maybe", "unclear", "no"]

_INSTRUCTIONS_RE = re.compile(
    rf"\b(?:when(?:ever)?|if)\s+(?:you\s+)?(?:add|create|make|updat|sav|stor|put)\w*\b"
    rf".*\b{TODO_WORDS}"
    rf"|\bfrom now on\b|^(?:please\s+)?(?:always|never)\b.*\b{TODO_WORDS}",
    re.IGNORECASE,
)
_CHAT_RE = re.compile(
    r"^(?:hi|hello|hey|yo|good (?:morning|afternoon|evening)|thanks?(?: you)?|thx|ty|ok(?:ay)?"
    r"|cool|great|nice|awesome|perfect|bye|goodbye|see you|how are you|who are you|lol|haha"
    r"|hmm+|what can you do|help|yes|yeah|yep|no|nope|sure|fine|alright|all right|got it|undo"
    r"|whatever|nothing|idk|test|testing|你好|谢谢|算了|好的)\b",
    re.IGNORECASE,
)
_SMALL_TALK_RE = re.compile(
    r"^(?:how are you|who are you|what can you do|what do you do|what are you|help(?: me)?"
    r"|can you help(?: me)?|how does this work|how do (?:i|you) use (?:you|this))\W*$",
    re.IGNORECASE,
)
_YES_RE = re.compile(
    r"^(?:y|yes|yeah|yep|yup|sure|ok(?:ay)?|please(?: do)?|yes,? please|do it|go ahead"
    r"|add it|please add it|correct|right|sounds good"
    r"|好|好的|好啊|是|是的|对|对的|可以|行|加吧|添加吧)\W*$",
    re.IGNORECASE,
)
_NO_RE = re.compile(
    r"^(?:n|no|nope|nah|no,? thanks?(?: you)?|don't|never ?mind|不|不用|不用了|不要|算了|不了)\W*$",
    re.I,
)
_STATEMENT_RE = re.compile(
    r"^(?:i|i'm|im|i've|i'd|i'll|you|you're|we|we're|he|she|it|it's|they|they're|there|there's"
    r"|this|that|that's|here|who|why|maybe|well)\b|\b(?:is|are|was|were|am|been|seems?|seemed"
    r"|looks?|looked|feels?|felt|went|goes|had|has|have|did|does|got|will|would|can|could|might"
    r"|must|think|thought|know|knew|likes?|loves?|wants?|\w+n't)\b",
    re.IGNORECASE,
)
PRONOUNS = frozenset(
    {"it", "this", "that", "this one", "that one", "them", "those", "these", "the last one"}
    | {f"{d} {w}" for d in ("this", "that", "the") for w in ("task", "todo", "to-do", "item")}
)


def pronoun(ref: str | None) -> bool:
    return ref is not None and ref.lower() in PRONOUNS


_LIST_WORD = re.compile(r"\b(?:task|todo|to-do|item|reminder|one|entry)\b(?=\s+\S)", re.I)


@dataclass(frozen=True)
class Context:
    """What earlier turns tell the rules: the todo last touched, an add awaiting yes or no."""

    last_task: str | None = None
    proposal: str | None = None  # the human text the model asked "Should I add …?" about


NO_CONTEXT = Context()
PROPOSAL_PREFIX = "Should I add "


def is_yes(text: str) -> bool:
    """ "yes", "sure", "add it": an answer to "Should I add …?"."""
    return bool(_YES_RE.match(LEADIN_RE.sub("", text.strip())))


def context_from(history: list[tuple[str, str]]) -> Context:
    """Context from the turns before the last human message: (type, text) pairs, oldest first.

    Types are LangChain's: "human", "ai", "tool".
    """
    last = max((i for i, (kind, _) in enumerate(history) if kind == "human"), default=-1)
    before = history[:last] if last >= 0 else history
    proposal = None
    if before and before[-1][0] == "ai" and before[-1][1].startswith(PROPOSAL_PREFIX):
        proposal = next((t for k, t in reversed(before) if k == "human"), None)
    for kind, text in reversed(before):
        if kind == "tool" and (task := _task_named_in(text)):
            return Context(task, proposal)
    return Context(None, proposal)


def _task_named_in(tool_text: str) -> str | None:
    """The task a tool message (task_maistro's formats) last created or changed."""
    for block in reversed(tool_text.split("\n\n")):
        if block.startswith("New ToDo created:\nContent: "):
            try:
                return str(ast.literal_eval(block.split("Content: ", 1)[1]).get("task") or "")
            except (ValueError, SyntaxError, AttributeError):
                continue
        quoted = re.findall(r'"([^"]+)"', block)
        if block.startswith("Document ") and quoted:
            return quoted[-1] if "Renamed" in block else quoted[0]
    return None


def polite(text: str) -> str:
    return intents.normalize(LEADIN_RE.sub("", text.strip()))


def explicit_add(text: str) -> bool:
    """Does the clause start with an add command ("Add a ToDo to …", "remind me to …")?"""
    m = ADD_PREFIX_RE.match(LEADIN_RE.sub("", text.strip()))
    return bool(m and m.group(0).strip())


def reads_as_task(text: str, now: datetime) -> bool:
    """Is this clause a task even without "add"? An imperative ("call mom"), or a noun phrase
    with a deadline ("dentist appointment on Friday"); not a statement ("it's raining today")."""
    plain = polite(text)  # also without "I want to", "I'd like to"
    if explicit_add(text) or starts_with_verb(text) or starts_with_verb(plain):
        return True
    date = find_date(plain, now)
    if date and HAVE_RE.match(plain):  # "I have a dentist appointment on the 12th"
        return has_content(HAVE_RE.sub("", date.cut(plain)))
    if _STATEMENT_RE.search(plain):
        return False
    return bool(date and has_content(date.cut(plain)))


def might_be_task(text: str) -> bool:
    """A short phrase that is no statement ("milk", "Denver flights"): ask before adding it."""
    plain = polite(text)
    return has_content(plain) and len(plain.split()) <= 6 and not _STATEMENT_RE.search(plain)


def route(text: str, now: datetime, context: Context = NO_CONTEXT) -> Route:
    """How the model should treat the last human message (see module docstring)."""
    t = LEADIN_RE.sub("", text.strip())
    if context.proposal and _YES_RE.match(t):
        return "todo"
    if context.proposal and _NO_RE.match(t):
        return "no"
    if _INSTRUCTIONS_RE.search(t):
        return "instructions"
    if explicit_add(t):
        return "todo"
    if _SMALL_TALK_RE.match(t):
        return "chat"
    if intents.QUESTION_START.match(intents.normalize(t)):
        return "question"
    plain = polite(t)
    if any(valid_reading(r, now) for r in intents.change_readings(plain)) or re.search(
        rf"\b{TODO_WORDS}\b", t, re.I
    ):
        return "todo"
    if t.endswith("?"):
        return "question"
    if parse_profile(t):  # a fact about the user; "Ask Sam to call me back" states none
        return "user"
    if _CHAT_RE.match(plain) or not plain:
        return "chat"
    if any(reads_as_task(c, now) for c in split_items(t)):
        return "todo"
    return "maybe" if might_be_task(t) else "unclear"


def valid_reading(reading: intents.Reading, now: datetime) -> bool:
    """Slots that can mean what they stand for: a ref naming something, a date that is a date."""
    ref = reading.slots.get("ref")  # (a `deed` is checked against the todos by the planner)
    if ref is not None and (_LIST_WORD.search(ref) or not (has_content(ref) or pronoun(ref))):
        return False
    if "new" in reading.slots and not has_content(reading.slots["new"]):
        return False
    if "shift" in reading.slots and parse_shift(reading.slots["shift"]) is None:
        return False
    deed = reading.slots.get("deed", "")
    if deed and not _past_tense(deed.split()[0]):
        return False
    verbed = reading.slots.get("verbed")
    if verbed is not None and (" " in verbed or not _past_tense(verbed)):
        return False
    if "when" in reading.slots:
        when = reading.slots["when"]
        date = find_date(when, now)
        if date is None or tokens(date.cut(when)) - {"instead"}:
            return False
    return True


def _past_tense(word: str) -> bool:
    word = word.lower()
    return word in IRREGULAR or (word.endswith("ed") and len(word) > 4)


def merge_instructions(old: str, text: str) -> str:
    """Instructions are kept as sentences, newest last; a repeat is not added twice."""
    sentence = LEADIN_RE.sub("", text.strip())
    lines = [ln for ln in old.splitlines() if ln.strip()]
    return "\n".join(lines if sentence in lines else [*lines, sentence])
