"""The phrasings the offline model understands, as a table, and the one matcher that reads it.

Why a table: a learner should be able to read what the model understands (and add a phrasing)
without decoding regular expressions. Each phrasing is a template over whole words, matched
against a whole clause (lower-cased, polite lead-ins such as "please" or "can you" removed):

- `word` is that word; `a|b|c` any one of them; `_` joins words into one choice
  (`get_rid_of`); a trailing `?` makes the choice optional;
- `{ref}` names an existing todo, `{new}` is new task text, `{when}` a date phrase, `{shift}`
  an amount of time ("a week"), `{query}` the words of a search, `{deed}` something done in the
  past tense that names a todo whole ("booked the Denver flights"), and likewise `{thing}` and
  `{verbed}` (one word: "the Denver flights are booked");
- a leading `!` marks a phrasing that is a change even when it begins like a new task would
  ("move the dentist to Friday" is a reschedule, never a new task "Move the dentist").

The matcher only finds which templates fit and what fills the slots; whether `{ref}` really names
a todo and `{when}` a date is the planner's call (`rules`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

ONE_WORD_SLOTS = frozenset({"verbed"})

# Word groups a template can name as `<group>`.
WORDS: dict[str, str] = {
    "done": "done|complete|completed|finished",
    "list": "list|todos|to-dos|tasks|todo_list|to-do_list|items",
    "i": "i|i've|i_have|i'm|i_am|we|we've|we_have|we're|we_are",
    # who did something: "I called mom" is a deed, "I'm called Bob" a name (never "I'm <deed>")
    "did": "i|i've|i_have|we|we've|we_have",
    "to": "to|until|till|for|on|by",
    "everything": "everything|all|what|what's|stuff|the_stuff|the_ones|things",
    "already": "i've|i_have|that's|that_is|that_are|we've|already",
    "deadline": "deadline|due_date|date|due_time|time",
    "moved": "moved|pushed|postponed|rescheduled|delayed|shifted|bumped",
    "move": "move|push|postpone|reschedule|shift|bump|delay|defer|change|set|make|put|push_back",
    "delete": "delete|remove|cancel|scrap|drop|erase|ditch|nix|trash|discard|kill|axe",
    "clear": "clear|delete|remove|wipe|empty|erase|reset|scrap|purge|clear_out|get_rid_of",
    "open": "not_done|undone|open|incomplete|unfinished|not_finished|not_started|to_do|pending",
    "started": "in_progress|in-progress|started|ongoing|underway|doing|active|wip",
    "about": "about|for|with|on|mentioning|regarding|involving|related_to|called|named",
    "anything": "anything|something|a_todo|a_task|any_todos|any_tasks|an_item|any_items|"
    "a_reminder|any_reminders",
}

# Changes to the list, one template a line, tried in this order: the first intent with a
# template that fits (and slots that make sense) wins.
CHANGES: dict[str, str] = {
    "clear_done": """
        <clear>|archive|clean_up|clean_out|tidy_up all|every? of? the|my? <done>|old <list>|ones?
        clean_up|tidy_up|tidy my|the <list>
        <clear> <everything> <already>? <done>
    """,
    "clear_all": """
        <clear> all|everything of|on|in? my|the? whole|entire? todo|to-do? <list>?
        <clear> my|the whole|entire? todo|to-do? <list>
        start_over|start_fresh|start_from_scratch
    """,
    "complete_all": """
        mark|check|tick|set everything|all|all_of_them|it_all as|to? <done>
        <i> finished|done|completed|did everything|it_all
    """,
    "reopen": """
        reopen|re-open|unmark|uncheck|untick|undo|restore|revive {ref}
        mark|set|put|move|change|turn {ref} as|to|back_to|back_as? <open>
        {ref} is|was not|n't <done> after_all|yet?
        {ref} isn't|wasn't|is_not|was_not <done> after_all|yet?
        i|we didn't|haven't|did_not|have_not finish|<done>|do|complete {ref} after_all|yet?
    """,
    "complete": """
        mark|set|put|tick|check {ref} as|to? <done>
        check|tick|cross off {ref}
        check|tick|cross {ref} off
        <i> just|already|finally? finished|completed|did|done {ref}
        <i> done|finished with {ref}
        done|finished with {ref}
        finished|completed|done {ref}
        {ref} is|are|was|were|has_been|have_been now|all|finally|already? <done>|sorted|handled
        {ref} <done>
        <did> just|already|finally? {deed}
        {thing} is|are|was|were|has_been|have_been|got now|all|finally|already? {verbed}
    """,
    "start": """
        <i> just|now|already? started|began|begun|starting|beginning working|work? on? {ref}
        <i> now|currently? working_on|doing|on {ref}
        working_on {ref}
        mark|set|put|move|change|update|turn {ref} as|to|into? <started>
        {ref} is|are now? <started>
        start|begin working|work? on? {ref}
    """,
    "delete": """
        <delete> {ref}
        get_rid_of|forget|forget_about|never_mind|nevermind {ref}
        take|strike {ref} off|out my|the? <list>?
        i|we don't|do_not|no_longer need|have|want to? {ref} anymore|any_more?
        no_need to|for? {ref} anymore|any_more?
        {ref} is|are|was|has_been|got cancelled|canceled|off|not_needed|not_happening|called_off
        {ref} is|are no_longer|not needed|necessary|happening|relevant
    """,
    "reschedule": """
        !<move> {ref} back|out|forward? to|until|till {when}
        !<move> {ref} back|out|forward? by? {shift}
        <move> {ref} back|out|forward? <to>? {when}
        <move>|update|extend|adjust the? <deadline> of|for|on? {ref} <to>? {when}
        {ref} is|are now? due|<moved>|happening <to>? {when}
        {ref} should_be|has_to_be|must_be|needs_to_be|can_be <done>|ready? by|on|before? {when}
        {ref} has_been|was|got|is|were <moved> <to>? {when}
        do|finish {ref} {when} instead
    """,
    "rename": """
        rename|retitle|reword|relabel {ref} to|as|into {new}
        change|update|edit|set|fix|correct the? name|title|text|wording of|for|on? {ref} to|as {new}
        change|edit|update|correct|fix {ref} to_say|to_read|so_it_says|so_it_reads {new}
        change|edit|update|correct|make|turn {ref} into|to {new}
        {ref} should_be|should_say|should_read|should_be_called {new} instead?
    """,
}
# A search question names what it looks for: "anything about Denver?", "is milk on my list?".
SEARCHES = """
    do|did|have i|we have|add|put|got|save|write_down <anything> <about> {query}
    is|are there <anything> <about> {query}
    <anything>|todos|tasks <about> {query}
    find|search|search_for|look_for|look_up|find_me {query}
    did i|we add|save|put|write_down|list {query}
    do|did i|we need|have to {query}
    is|are {query} on|in my|the todo|to-do? <list>
    is|are|was|were {query} <done>|<started>|due|still_open
    how's|how_is|how_are {query} going|coming|coming_along|doing
    what_about|what's_the_status_of|what_is_the_status_of|status_of|how's|how_is|how_are {query}
    when|when's is|are? {query} due
    what's|what_is|when's|when_is the? <deadline> of|for|on {query}
    what did|do i|we say|write|add|put|note|write_down about {query}
    when_do|when_does|when_did {query} need_to_be_done|have_to_be_done|be_due|due
    show|show_me|list|give_me|tell_me_about everything|all|anything|todos|tasks? <about> {query}
"""
# Which question about the list, by the words it uses (first row that fits wins).
QUESTION_KINDS: tuple[tuple[str, str], ...] = (
    ("count", r"\bhow many\b|\bcount\b|\bnumber of\b"),
    ("overdue", r"\boverdue\b|\blate\b|\bpast[- ]due\b|\bbehind\b|\bmissed\b"),
    ("in_progress", r"\bin[- ]progress\b|\bworking on\b|\bstarted\b|\bongoing\b"),
    ("done", r"\b(?:done|finished|completed|accomplished|ticked off|checked off)\b"),
    ("next", r"\bnext\b|\bfirst\b|\bstart with\b|\bfocus on\b|\bpriorit|\bmost urgent\b|"
             r"\bwhat should i (?:do|work on|tackle)\b|\btackle\b"),
    ("summary", r""),
)  # fmt: skip
# How questions about the list begin (after "please"/"can you"): a request to show or tell.
QUESTION_START = re.compile(
    r"^(?:what|what's|whats|what're|which|how|when|where|is|are|am i|was|were|do i|do we|does|"
    r"did|have i|has|any|anything|show|list|give me|tell me|read me|read out|summari[sz]e|"
    r"summary|overview|display|let me see|find|search|look for|look up|can i see|could i see|"
    r"may i see|go over|walk me through|recap|check my|remind me (?:what|of what|of my))\b",
    re.IGNORECASE,
)
_POLITE = re.compile(
    r"^(?:(?:please|pls|plz|kindly|can you|could you|would you|will you|can u|could u|"
    r"i(?:'d| would) like (?:you )?to|i want (?:you )?to|i wanna|let's|lets|go ahead and|"
    r"ok(?:ay)?|so|and|also|now|then|oh|hey|um|uh|well)\b[,]?\s+)+",
    re.IGNORECASE,
)
_TAIL = re.compile(
    r"(?:,?\s+(?:please|pls|thanks|thank you|for me|now|right now|asap|thx|ty)"
    r"|,?\s+(?:from|in|on)\s+(?:my|the)\s+(?:todo\s+|to-do\s+)?(?:list|todos|to-dos|tasks))+$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Reading:
    """One way to read a clause: an intent and its slots (`ref`, `new`, `when`, `query`)."""

    intent: str
    slots: dict[str, str]
    strict: bool  # the phrasing cannot be a new task ("mark X done"), unlike "start X"


def normalize(clause: str, *, tail: bool = True) -> str:
    """Single spaces, straight quotes, no polite lead-ins or (with `tail`) trailing "please" or
    "from my list". Case is kept, so `{new}` keeps the user's capitals; templates match
    case-insensitively."""
    text = " ".join(clause.replace("’", "'").split()).strip(" .!?,;:")
    text = _POLITE.sub("", text)
    return (_TAIL.sub("", text) if tail else text).strip(" .!?,;:")


def _word(choice: str) -> str:
    return re.escape(choice).replace("_", " ")


@lru_cache(maxsize=4096)
def compile_template(template: str, shortest: int = 1) -> re.Pattern[str]:
    """A template → regex over "<normalized clause> " (every word is followed by one space).

    Slots are lazy; the first is at least `shortest` characters long (see `_fits`).
    """
    parts = []
    for token in template.split():
        optional = token.endswith("?")
        token = re.sub(r"<(\w+)>", lambda m: WORDS[m.group(1)], token.rstrip("?"))
        if token.startswith("{"):
            low = shortest if not any("(?P<" in p for p in parts) else 1
            name = token.strip("{}")
            body = rf"(?P<{name}>[^ ]+)" if name in ONE_WORD_SLOTS else rf"(?P<{name}>.{{{low},}}?)"
        else:
            choices = sorted(token.split("|"), key=len, reverse=True)  # "should_be_called" first
            body = "(?:" + "|".join(_word(c) for c in choices) + ")"
        parts.append(f"(?:{body} )?" if optional else f"{body} ")
    return re.compile("^" + "".join(parts) + "$", re.IGNORECASE)


def _fits(template: str, text: str) -> Iterator[dict[str, str]]:
    """Every slot filling of one template for a normalized clause, shortest first slot first.

    "rename a to b to c" fits as (ref "a", new "b to c") and (ref "a to b", new "c"); the
    planner picks the reading whose `{ref}` best names a todo.
    """
    shortest = 1
    while m := compile_template(template, shortest).match(text + " "):
        slots = {k: v.strip(" \"'") for k, v in m.groupdict().items() if v}
        yield slots
        first = next((v for v in m.groupdict().values() if v is not None), None)
        if first is None or len(first) < shortest:  # no slot, or one that cannot grow
            return
        shortest = len(first) + 1


# Phrasings that begin with a verb a new task may begin with ("start", "cancel", "drop", …) only
# count when `{ref}` names an existing todo; otherwise the clause is read as a new task.
_TENTATIVE_FIRST = frozenset({"start", "begin", "cancel", "drop", "skip", "change", "make", "turn",
                              "set", "move", "push", "forget", "kill", "do", "finish", "check",
                              "fix", "update", "edit", "correct", "lose"})  # fmt: skip


# A change ("move X to Friday", "rename A to B") is a short sentence. A longer clause is not
# read as one: its readings multiply with every " to " in it, each a regex compiled and tried,
# and the offline model runs on the server's event loop (a pasted 5 KB "move …" held every
# thread for 5 s).
CHANGE_MAX_CHARS = 300


@lru_cache(maxsize=1024)
def change_readings(text: str) -> tuple[Reading, ...]:
    """Every way the change table reads a normalized clause, in table order (cached: the model
    and the graph's update node read the same message); none for a clause too long to be one
    (`CHANGE_MAX_CHARS`)."""
    if len(text) > CHANGE_MAX_CHARS:
        return ()
    return tuple(_change_readings(text))


def _change_readings(text: str) -> Iterator[Reading]:
    first = text.split(" ", 1)[0].lower()
    for intent, templates in CHANGES.items():
        for line in templates.strip().splitlines():
            template = line.strip().removeprefix("!")
            strict = line.strip().startswith("!") or first not in _TENTATIVE_FIRST
            for slots in _fits(template, text):
                yield Reading(intent, slots, strict=strict)


def search_query(text: str) -> str | None:
    """The words a search question looks for, if it is one ("anything about Denver?" → denver)."""
    for template in SEARCHES.strip().splitlines():
        for slots in _fits(template, text):
            return slots["query"]
    return None


def question_kind(text: str) -> str:
    """Which question about the list a normalized clause asks (see QUESTION_KINDS)."""
    return next(kind for kind, pattern in QUESTION_KINDS if re.search(pattern, text, re.I))


def is_question(clause: str) -> bool:
    """Does a clause ask about the list (begins like a question, or ends with "?")?"""
    text = _POLITE.sub("", " ".join(clause.split()))
    return bool(QUESTION_START.match(text)) or clause.rstrip().endswith("?")
