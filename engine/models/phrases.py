"""Phrase-level rules: where a todo's words start and end, and where one todo ends.

Why a module of its own: `rules` decides *what* to change; this file only decides *which words*
make up each task — stripping lead-ins ("No wait, I also need to …"), add-commands ("Add a todo:",
"remind me to") and splitting a message into several todos only where it is clearly a list.
A comma is a list separator only when what follows it is itself a task (starts with a verb, or
sits in an explicit "todos: …" list and is not a continuation such as "lesson 5").
"""

from __future__ import annotations

import re

TODO_WORDS = r"(?:todos?|to-dos?|tasks?|list|reminders?)"

LEADIN_RE = re.compile(
    r"^\s*(?:(?:never\s*mind|actually|also|oh|and|ok(?:ay)?|so|sorry|wait|please|hey|hi|well"
    r"|no(?=\s*[,.!]|\s+wait\b))\b[,.!]?\s*)+",
    re.IGNORECASE,
)
# "make"/"put"/"schedule"/"set up" are commands only before a todo word ("make a todo to …"):
# "Make dinner reservations" is itself the task.
_ARTICLE = r"(?:(?:a|an|another|the|these|some|me\s+a)\s+)?(?:new\s+)?"
_ITEM = r"(?:todo|to-do|to do|task|item|reminder)s?\b"
ADD_PREFIX_RE = re.compile(
    r"^(?:(?:can|could|would|will) (?:you|u)\s+)?(?:(?:please|pls|plz)\s+)?(?:also\s+)?(?:"
    rf"(?:add|create)\b\s*{_ARTICLE}(?:{_ITEM}\s*)?(?:item\b\s*)?"
    r"(?:(?:to|for|about)\s+|[:\-–]\s*)?"
    rf"|new\s+{_ITEM}\s*(?:(?:to|for|about)\s+|[:\-–]\s*)?"
    rf"|(?:make|put|set|set up|schedule)\s+{_ARTICLE}{_ITEM}\s*(?:(?:to|for|about)\s+|[:\-–]\s*)?"
    r"|remind me(?:\s+to\s+|\s*:\s*|\s+about\s+)"
    r"|(?:don't|do not) (?:let me )?forget(?:\s+to\s+|\s*:\s*|\s+(?:about\s+)?)"
    r"|(?:i(?:'ve|'d)?\s+)?(?:(?:also|really|still|just)\s+)?"
    r"(?:(?:need|have|got|ought)\s+to|must|should|gotta)\s+"
    rf"|{_ITEM}\s*[:\-–]?\s*)",
    re.IGNORECASE,
)
# "I want to learn Spanish": the task is "learn Spanish".
WISH_RE = re.compile(
    r"^(?:i(?:'d| would) (?:really )?like to|i (?:really )?want to|i wanna)\s+", re.IGNORECASE
)
# "I have a dentist appointment on Friday": the task is "dentist appointment".
HAVE_RE = re.compile(r"^(?:i|we)(?:'ve| have)?\s+(?:got\s+|have\s+)?(?:an?|my)\s+", re.I)
TAIL_RE = re.compile(
    r"\s*\b(?:to|on|onto|in)\s+(?:my|the)\s+(?:[a-z-]+\s+)?(?:list|todos?)\b", re.I
)
# Imperative verbs a todo usually starts with; only used to tell "buy milk, call mom" (a list)
# from "re-film Module 6, lesson 5" (one task). Unknown verbs just mean "don't split here".
_VERB_TEXT = """
    add answer apply arrange ask attend back backup bake bathe book borrow bring brush buy call
    cancel change charge check clean clear collect confirm contact cook copy create cut defrost
    deliver deposit do download drink drop dust eat edit email empty exercise feed fetch file
    fill film finish fix fold follow get give go grab hang help hire hoover install invite iron
    jog join learn leave look mail make meditate meet message mop mount move mow order
    organise organize pack paint pay phone pick plan plant polish post practice practise prepare
    print prune put quit rake read record recycle refill register remember renew rent repair
    replace reply research reserve respond return review ring run schedule scrub see sell send
    set shop shovel sign sort start stop study submit sweep swim take talk tell test text thank
    throw tidy transfer trim try unsubscribe update upload vacuum visit wake walk wash watch
    water wrap write
"""
VERBS = frozenset(_VERB_TEXT.split())
_CONTINUATION_RE = re.compile(
    r"^(?:\d|[a-z]+\s+\d+\b|(?:with|at|for|in|on|by|from|of|including|which|who|then|due|it"
    r"|this|that|takes?|about|around)\b)",
    re.IGNORECASE,
)


# Words that end a request, not a task: "call mom on Sunday instead", "buy milk too".
_FILLER_TAIL_RE = re.compile(r"(?<=\w)[\s,]+(?:instead|too|as well)$", re.IGNORECASE)


def clean_task(text: str) -> str:
    """A todo phrase without lead-ins, add-commands or "to my list"; first letter upper-case."""
    text = WISH_RE.sub("", LEADIN_RE.sub("", text))
    prefix = ADD_PREFIX_RE.match(text)
    text = LEADIN_RE.sub("", text[prefix.end() if prefix else 0 :]).strip()
    if prefix and re.search(r"\b(?:for|about|forget)\s*$", prefix.group(0), re.I):
        text = re.sub(r"^the\s+", "", text, flags=re.I)  # "a reminder for the dentist"
    text = TAIL_RE.sub("", HAVE_RE.sub("", text))
    text = re.sub(r"\s+", " ", text).strip(" ,;:.!?-\"'")
    text = re.sub(r"\s+(?:and|,)$", "", text)
    text = _FILLER_TAIL_RE.sub("", text)
    return text[:1].upper() + text[1:]


def starts_with_verb(text: str) -> bool:
    """Does this phrase (after lead-ins and add-commands) start like a task: "call mom"?"""
    first = re.match(r"[a-z]+(?:-[a-z]+)?", clean_task(text).lower())
    word = first.group(0).removeprefix("re-") if first else ""
    return word in VERBS or (word.removeprefix("re") in VERBS and len(word) > 4)


def _is_task(piece: str, listed: bool) -> bool:
    """Is a comma-separated piece a todo of its own? Lists are permissive, prose is strict."""
    if not piece.strip(" .") or _CONTINUATION_RE.match(LEADIN_RE.sub("", piece).strip()):
        return False
    return listed or starts_with_verb(piece)


def _split_list(body: str, listed: bool) -> list[str]:
    """ "a, b and c" → [a, b, c]; a piece that is not a task stays glued to the one before."""
    pieces = re.split(r"(,\s*(?:and\s+)?|\s+and\s+)", body)
    if not listed and len(pieces) > 1 and not any(s.startswith(",") for s in pieces[1::2]):
        return [body]  # "get cash and pay nanny": no comma, so no list
    out = [pieces[0]]
    for sep, piece in zip(pieces[1::2], pieces[2::2], strict=True):
        is_and = sep.strip().lower() == "and"
        if _is_task(piece, listed) and (not is_and or starts_with_verb(piece)):
            out.append(piece)
        else:
            out[-1] += sep + piece
    return out


def split_items(text: str) -> list[str]:
    """Several todos in one message: lines/bullets, sentences, "; ", or "todos: a, b and c"."""
    parts: list[str] = []
    for line in re.split(r"\n+|;\s*", text):
        line = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", line)
        parts += [s for s in re.split(r"(?<=[.!?])\s+", line) if s.strip(" .!?")]
    out: list[str] = []
    for part in parts:
        for chunk in re.split(r"\s+and (?:also |another(?: one)? to |remind me to )", part):
            chunk = LEADIN_RE.sub("", chunk)  # "No wait, …": the comma is not a list
            m = re.match(
                rf"^(.*?\b(?:{TODO_WORDS}|things|items)\b\s*(?:to|:)?\s*)(.+)$", chunk, re.I
            )
            header = bool(
                m and re.search(r"\b(?:todos|to-dos|tasks|things|items)\b|:", m.group(1), re.I)
            )
            body = m.group(2) if m and header else chunk
            out += _split_list(body, listed=header) if re.search(r",|\band\b", body) else [chunk]
    return out
