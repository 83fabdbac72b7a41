"""Pure todo rules for the offline model: text in, decisions out, no I/O.

Why separate from the model: every rule is unit-testable without LangChain, a graph or a store,
and the same functions serve both the chat model (answer, ask back, or call `UpdateMemory`) and
the graph's offline extractor (what exactly to change in the ToDo list). Only the last human
message drives an update, so an earlier request is never applied twice (the enqueue scenario's
second run); earlier turns only give `Context` ("mark it done", "yes" to "Should I add …?").

The phrasings themselves live in `intents` (a table), dates in `dates`, matching a phrase to an
existing todo in `matching`, the words of a task in `phrases`.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from engine.models import intents
from engine.models.dates import END_OF_DAY, find_date, find_duration, parse_shift
from engine.models.matching import (
    IRREGULAR,
    Todo,
    has_content,
    rank,
    resolve,
    same_task,
    shares_words,
    tokens,
)
from engine.models.phrases import (
    ADD_PREFIX_RE,
    HAVE_RE,
    LEADIN_RE,
    TODO_WORDS,
    clean_task,
    split_items,
    starts_with_verb,
)
from engine.models.profile import PROFILE_RE

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
    r"|whatever|nothing|idk|test|testing)\b",
    re.IGNORECASE,
)
_SMALL_TALK_RE = re.compile(
    r"^(?:how are you|who are you|what can you do|what do you do|what are you|help(?: me)?"
    r"|can you help(?: me)?|how does this work|how do (?:i|you) use (?:you|this))\W*$",
    re.IGNORECASE,
)
_YES_RE = re.compile(
    r"^(?:y|yes|yeah|yep|yup|sure|ok(?:ay)?|please(?: do)?|yes,? please|do it|go ahead"
    r"|add it|please add it|correct|right|sounds good)\W*$",
    re.IGNORECASE,
)
_NO_RE = re.compile(r"^(?:n|no|nope|nah|no,? thanks?(?: you)?|don't|never ?mind)\W*$", re.I)
_CORRECTION_RE = re.compile(r"^\s*(?:actually|sorry|i meant|no,|wait|instead|correction)", re.I)
_MODIFIER_RE = re.compile(
    r"^(?:please\s+)?(?:do (?:this|that|it)|it(?:'s| is)(?: due)?|(?:this|that) (?:is )?due|due|it"
    r"(?:'ll| will| should)? takes?|that takes|by|before|on)\b",
    re.IGNORECASE,
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


def _pronoun(ref: str | None) -> bool:
    return ref is not None and ref.lower() in PRONOUNS


_LIST_WORD = re.compile(r"\b(?:task|todo|to-do|item|reminder|one|entry)\b(?=\s+\S)", re.I)
_STATUS = {"complete": "done", "start": "in progress", "reopen": "not started"}


@dataclass
class TodoOp:
    """One change to the ToDo list, already decided; the graph only applies it to the store.

    `note` changes nothing: it is a question or remark for the user ("Which one do you mean…").
    """

    kind: Literal["create", "update", "unchanged", "delete", "note"]
    key: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)  # create: filled fields; update: patch
    plan: str = ""
    added: str = ""  # update: "Added content" (the first changed value)


@dataclass(frozen=True)
class Context:
    """What earlier turns tell the rules: the todo last touched, an add awaiting yes or no."""

    last_task: str | None = None
    proposal: str | None = None  # the human text the model asked "Should I add …?" about


PROPOSAL_PREFIX = "Should I add "


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


def _polite(text: str) -> str:
    return intents.normalize(LEADIN_RE.sub("", text.strip()))


def explicit_add(text: str) -> bool:
    """Does the clause start with an add command ("Add a ToDo to …", "remind me to …")?"""
    m = ADD_PREFIX_RE.match(LEADIN_RE.sub("", text.strip()))
    return bool(m and m.group(0).strip())


def reads_as_task(text: str, now: datetime) -> bool:
    """Is this clause a task even without "add"? An imperative ("call mom"), or a noun phrase
    with a deadline ("dentist appointment on Friday"); not a statement ("it's raining today")."""
    if explicit_add(text) or starts_with_verb(text):
        return True
    plain = _polite(text)
    date = find_date(plain, now)
    if date and HAVE_RE.match(plain):  # "I have a dentist appointment on the 12th"
        return has_content(HAVE_RE.sub("", date.cut(plain)))
    if _STATEMENT_RE.search(plain):
        return False
    return bool(date and has_content(date.cut(plain)))


def might_be_task(text: str) -> bool:
    """A short phrase that is no statement ("milk", "Denver flights"): ask before adding it."""
    plain = _polite(text)
    return has_content(plain) and len(plain.split()) <= 6 and not _STATEMENT_RE.search(plain)


def route(text: str, now: datetime, context: Context = Context()) -> Route:
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
    plain = _polite(t)
    if any(_valid(r, now) for r in intents.change_readings(plain)) or re.search(
        rf"\b{TODO_WORDS}\b", t, re.I
    ):
        return "todo"
    if t.endswith("?"):
        return "question"
    if PROFILE_RE.search(t):
        return "user"
    if _CHAT_RE.match(plain) or not plain:
        return "chat"
    if any(reads_as_task(c, now) for c in split_items(t)):
        return "todo"
    return "maybe" if might_be_task(t) else "unclear"


def _valid(reading: intents.Reading, now: datetime) -> bool:
    """Slots that can mean what they stand for: a ref naming something, a date that is a date."""
    ref = reading.slots.get("ref")
    if reading.intent == "complete" and "deed" in reading.slots:
        ref = None  # checked against the todos by the planner
    if ref is not None and (_LIST_WORD.search(ref) or not (has_content(ref) or _pronoun(ref))):
        return False
    if "new" in reading.slots and not has_content(reading.slots["new"]):
        return False
    if "shift" in reading.slots and parse_shift(reading.slots["shift"]) is None:
        return False
    deed = reading.slots.get("deed", "")
    if deed and not _past_tense(deed.split()[0]):
        return False
    if "when" in reading.slots:
        when = reading.slots["when"]
        date = find_date(when, now)
        if date is None or tokens(date.cut(when)) - {"instead"}:
            return False
    return True


def _ref(reading: intents.Reading) -> str:
    return reading.slots.get("ref") or reading.slots.get("deed", "")


def _past_tense(word: str) -> bool:
    word = word.lower()
    return word in IRREGULAR or (word.endswith("ed") and len(word) > 4)


def parse_item(text: str, now: datetime) -> dict[str, Any]:
    """One todo phrase → filled fields {task, deadline?, time_to_complete?} (deadline as ISO)."""
    fields: dict[str, Any] = {}
    rest = text
    date = find_date(rest, now)
    if date:
        fields["deadline"] = date.deadline.isoformat()
        rest = date.cut(rest)
    duration = find_duration(rest)
    if duration:
        fields["time_to_complete"] = duration[0]
        rest = rest[: duration[1][0]] + rest[duration[1][1] :]
    return {"task": clean_task(rest), **fields}


def _shown(deadline: str) -> str:
    return deadline[:10] if deadline.endswith(END_OF_DAY.isoformat()) else deadline[:16]


def _patch(key: str, value: dict, fields: dict, correction: bool) -> TodoOp:
    """What differs between an existing todo and requested fields → one update/unchanged op."""
    patch: dict[str, Any] = {}
    plans: list[str] = []
    subject = f'"{value.get("task", "")}"'
    new_task = fields.get("task", "")
    if new_task and (fields.get("__rename__") or correction) and new_task != value.get("task"):
        patch["task"] = new_task
        plans.append(f'renamed {subject} to "{new_task}"')
        subject = "its"
    for name, label, unit in (
        ("deadline", "deadline", ""),
        ("time_to_complete", "time estimate", " minutes"),
    ):
        if fields.get(name) and fields[name] != value.get(name):
            patch[name] = fields[name]
            shown = _shown(fields[name]) if name == "deadline" else fields[name]
            target = f"its {label}" if subject == "its" else f"the {label} of {subject}"
            plans.append(f"set {target} to {shown}{unit}")
    status = fields.get("status")
    if status and status != value.get("status", "not started"):
        patch["status"] = status
        plans.append(f"marked {subject} as {status}".replace("marked its", "marked it"))
    if not patch:
        task = value.get("task")
        said = {
            None: f'"{task}" is already on your ToDo list.',
            "not started": f'"{task}" is not done yet.',
        }.get(status, f'"{task}" is already {status}.')
        return TodoOp("unchanged", key, plan=said)
    plan = " and ".join(plans) + "."
    added = str(next(iter(patch.values())))
    return TodoOp("update", key, fields=patch, plan=plan[:1].upper() + plan[1:], added=added)


def _named(ref: str) -> str:
    """A reference as the user meant it: "the dentist todo" → "dentist"."""
    ref = re.sub(r"^(?:the|my|a|an|that|this)\s+", "", ref.strip(), flags=re.I)
    return re.sub(r"\s+(?:todo|to-do|task|item|reminder|one|entry)s?$", "", ref, flags=re.I)


def _join(items: list[str], word: str = "or") -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {word} " + items[-1]


class _Planner:
    """Walks the clauses of one message, collecting changes; see `plan_todo_changes`."""

    def __init__(self, existing: list[Todo], now: datetime, context: Context, text: str) -> None:
        self.existing = dict(existing)
        self.todos: list[Todo] = list(existing)  # alive: minus deleted, plus created
        self.now = now
        self.context = context
        self.created: list[dict[str, Any]] = []
        self.updates: dict[str, dict[str, Any]] = {}
        self.deleted: dict[str, str] = {}
        self.notes: list[str] = []
        self.last: Todo | None = None
        self.correction = bool(_CORRECTION_RE.search(text))
        self.adding = explicit_add(text)

    # -- outcome ------------------------------------------------------------------------------

    def ops(self) -> list[TodoOp]:
        ops = [TodoOp("create", None, fields=item) for item in self.created]
        for key, fields in self.updates.items():
            if key not in self.deleted:
                ops.append(_patch(key, self.existing[key], fields, self.correction))
        ops += [TodoOp("delete", key, plan=plan) for key, plan in self.deleted.items()]
        return ops + [TodoOp("note", plan=note) for note in self.notes]

    def request(self, todo: Todo, fields: dict[str, Any]) -> None:
        key, value = todo
        if any(value is c for c in self.created):
            value.update({k: v for k, v in fields.items() if k != "task" or self.correction})
        else:
            self.updates.setdefault(key, {}).update(fields)
        self.last = todo

    # -- one clause ---------------------------------------------------------------------------

    def clause(self, raw: str) -> None:
        clause = LEADIN_RE.sub("", raw).strip(" .!")
        if not clause:
            return
        if _MODIFIER_RE.search(clause) and (target := self.last or self._recent()):
            fields = parse_item(clause, self.now)
            self.request(target, {k: v for k, v in fields.items() if k != "task"})
            return
        if not explicit_add(clause) and self.change(_polite(clause), clause):
            return
        if self.adding or self.correction or reads_as_task(clause, self.now):
            self.add(clause)

    def _recent(self) -> Todo | None:
        """The todo an earlier turn created or changed ("Do this by Friday", "mark it done")."""
        if not self.context.last_task:
            return None
        found = [t for t in self.todos if t[1].get("task") == self.context.last_task]
        return found[0] if found else None

    def _candidates(self, ref: str, head: str | None) -> list[Todo]:
        if _pronoun(ref):
            if head is not None:
                return resolve(head, self.todos)
            target = self.last or self._recent()
            return [target] if target else []
        return resolve(ref, self.todos)

    def change(self, text: str, clause: str) -> bool:
        """Apply the first intent of the change table that fits; False if none (or only a
        tentative one that names no todo, so the clause may be a new task)."""
        head, tail = None, text
        if ", " in text:  # "I called mom, mark it as done": "it" is what came before
            first, rest = text.rsplit(", ", 1)
            if any(_pronoun(r.slots.get("ref")) for r in intents.change_readings(rest)):
                head, tail = first, rest
        readings = [
            r for r in intents.change_readings(tail) if _valid(r, self.now) and self._whole(r)
        ]
        if not readings:
            return False
        intent = readings[0].intent
        readings = [r for r in readings if r.intent == intent]
        if intent in ("clear_done", "clear_all"):
            self.clear(done_only=intent == "clear_done")
            return True
        if intent == "complete_all":
            for todo in [t for t in self.todos if t[1].get("status") not in ("done", "archived")]:
                self.request(todo, {"status": "done"})
            return True
        best: tuple[tuple[float, float, int], intents.Reading, Todo] | None = None
        ambiguous: list[Todo] = []
        for reading in readings:
            ref = _ref(reading)
            found = self._candidates(ref, head)
            if len(found) == 1:
                ranked = next((m for m in rank(ref, found)), None)
                score = (ranked.found, ranked.covered, -len(ref)) if ranked else (1.0, 1.0, 0)
                if best is None or score > best[0]:
                    best = (score, reading, found[0])
            elif len(found) > 1 and not ambiguous:
                ambiguous = found
        if best is not None:
            self.apply(best[1], best[2])
            return True
        ref = _ref(readings[0])
        if several := self._several(ref):
            for todo in several:
                self.apply(readings[0], todo)
            return True
        if not ambiguous and not readings[0].strict and reads_as_task(clause, self.now):
            return False  # "Cancel the gym membership": a new task, not a change
        if ambiguous:
            names = _join([f'"{t[1].get("task")}"' for t in ambiguous])
            self.notes.append(f"Which one do you mean: {names}?")
        elif _pronoun(ref):
            self.notes.append("Which task do you mean? Please name it.")
        else:
            self.notes.append(f'I couldn\'t find "{_named(ref)}" on your ToDo list.')
        return True

    def _whole(self, reading: intents.Reading) -> bool:
        """A `{deed}` counts only when every word of it is in exactly one todo: "I booked the
        Denver flights" completes "Book flights to Denver"; "I loved the movie" is no change."""
        deed = reading.slots.get("deed")
        if deed is None:
            return True
        found = resolve(deed, self.todos)
        return len(found) == 1 and all(m.found == 1.0 for m in rank(deed, found))

    def _several(self, ref: str) -> list[Todo]:
        """ "milk and eggs" → both, when each part names exactly one todo."""
        parts = [p for p in re.split(r",\s*(?:and\s+)?|\s+and\s+", ref) if p.strip()]
        if len(parts) < 2:
            return []
        found = [resolve(p, self.todos) for p in parts]
        todos = [f[0] for f in found if len(f) == 1]
        keys = {t[0] for t in todos}
        return todos if len(todos) == len(parts) and len(keys) == len(todos) else []

    def apply(self, reading: intents.Reading, todo: Todo) -> None:
        key, value = todo
        if reading.intent in _STATUS:
            self.request(todo, {"status": _STATUS[reading.intent]})
        elif reading.intent == "delete":
            if not any(value is c for c in self.created):
                self.deleted[key] = f'Removed "{value.get("task")}" from the ToDo list.'
            else:
                self.created.remove(value)
            self.todos = [t for t in self.todos if t[0] != key]
        elif reading.intent == "rename":
            self.request(todo, {"task": clean_task(reading.slots["new"]), "__rename__": True})
        elif reading.intent == "reschedule" and "shift" in reading.slots:
            shift = parse_shift(reading.slots["shift"])
            assert shift is not None  # checked by _valid
            base = value.get("deadline") or datetime.combine(self.now.date(), END_OF_DAY)
            moved = datetime.fromisoformat(str(base)) + shift
            self.request(todo, {"deadline": moved.isoformat()})
        elif reading.intent == "reschedule":
            self.request(todo, {"deadline": self._when(reading.slots["when"], value)})

    def _when(self, phrase: str, value: dict[str, Any]) -> str:
        """A new deadline; a bare time ("to 5pm") keeps the day of the current deadline."""
        date = find_date(phrase, self.now)
        assert date is not None  # checked by _valid
        when = date.deadline
        if not date.has_day and value.get("deadline"):
            day = datetime.fromisoformat(str(value["deadline"]))
            when = day.replace(hour=when.hour, minute=when.minute, second=0)
        return when.isoformat()

    def clear(self, *, done_only: bool) -> None:
        doomed = [t for t in self.todos if not done_only or t[1].get("status") == "done"]
        for todo in doomed:
            self.apply(intents.Reading("delete", {}, strict=True), todo)
        if not doomed:
            self.notes.append(
                "There are no finished tasks to clear."
                if done_only
                else "Your ToDo list is already empty."
            )

    def add(self, clause: str) -> None:
        item = parse_item(clause, self.now)
        if not item["task"]:
            if explicit_add(clause):
                self.notes.append("What should I add to your ToDo list?")
            return
        hit = self._same(item["task"])
        if hit:
            keep = {k: v for k, v in item.items() if k != "task" or self.correction}
            self.request(hit, keep)
            return
        self.created.append(item)
        self.last = (f"new-{len(self.created)}", item)
        self.todos.append(self.last)

    def _same(self, task: str) -> Todo | None:
        """An existing todo this new one repeats (or, after "Actually, …", corrects)."""
        for todo in self.todos:
            finished = todo[1].get("status") in ("done", "archived")
            if not finished and same_task(task, str(todo[1].get("task", ""))):
                return todo  # a finished one is not a duplicate: "buy milk" again is new
        if self.correction:
            ranked = [m.todo for m in rank(task, self.todos)]
            return next((t for t in ranked if shares_words(task, str(t[1].get("task")))), None)
        return None


def plan_todo_changes(
    text: str, existing: list[Todo], now: datetime, context: Context = Context()
) -> list[TodoOp]:
    """The offline extractor: the last human message + current todos → list of changes.

    Changes to one todo within a message are merged into one op; a todo created earlier in the
    same message is patched in place (so "X. Do this by Friday." is one create). A clause that
    names no todo, or several, becomes a `note` (a question back), never a new todo by mistake.
    """
    if context.proposal and _YES_RE.match(LEADIN_RE.sub("", text.strip())):
        planner = _Planner(existing, now, context, context.proposal)
        planner.adding = True
        text = context.proposal
    else:
        planner = _Planner(existing, now, context, text)
    for raw in split_items(text):
        planner.clause(raw)
    return planner.ops()


def proposal_task(text: str, now: datetime) -> str:
    """The task "Should I add …?" names for a short unclear message."""
    return clean_task(parse_item(text, now)["task"]) or text.strip()


def merge_instructions(old: str, text: str) -> str:
    """Instructions are kept as sentences, newest last; a repeat is not added twice."""
    sentence = LEADIN_RE.sub("", text.strip())
    lines = [ln for ln in old.splitlines() if ln.strip()]
    return "\n".join(lines if sentence in lines else [*lines, sentence])
