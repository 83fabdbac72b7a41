"""Planning: one message and the current todos → the changes to make (`TodoOp`s).

Why apart from `rules`: `rules` decides what kind of message this is (route) and whether its slots
make sense; this module walks the clauses of a todo message and decides exactly which todo
changes how — merged per todo, created todos patched in place, and a question back (`note`)
instead of a guess when a reference names no todo or several. Pure, no I/O: the chat model runs
it as a dry run on the prompt's list, the graph's `update_todos` for real on the store's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from engine.models import intents
from engine.models.dates import END_OF_DAY, find_date, find_duration, parse_shift
from engine.models.matching import Todo, rank, resolve, same_task, shares_words
from engine.models.phrases import LEADIN_RE, clean_task, split_items
from engine.models.rules import (
    NO_CONTEXT,
    Context,
    explicit_add,
    is_yes,
    polite,
    pronoun,
    reads_as_task,
    valid_reading,
)

_CORRECTION_RE = re.compile(r"^\s*(?:actually|sorry|i meant|no,|wait|instead|correction)", re.I)
_MODIFIER_RE = re.compile(
    r"^(?:please\s+)?(?:do (?:this|that|it)|it(?:'s| is)(?: due)?|(?:this|that) (?:is )?due|due|it"
    r"(?:'ll| will| should)? takes?|that takes|by|before|on)\b",
    re.IGNORECASE,
)
_EMPTY_TASK_RE = re.compile(r"^(?:remind me|(?:a )?reminder|(?:a )?(?:todo|task))$", re.I)
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


def _deed(reading: intents.Reading) -> str | None:
    """What a past-tense completion says was done: "booked the flights" (either word order)."""
    slots = reading.slots
    if "thing" in slots:
        return f"{slots['verbed']} {slots['thing']}"
    return slots.get("deed")


def _ref(reading: intents.Reading) -> str:
    return reading.slots.get("ref") or _deed(reading) or ""


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


def _patch(key: str, value: dict, fields: dict) -> TodoOp:
    """What differs between an existing todo and requested fields → one update/unchanged op.

    A "task" in `fields` is a rename (asked for, or a correction: "Actually, …")."""
    patch: dict[str, Any] = {}
    plans: list[str] = []
    subject = f'"{value.get("task", "")}"'
    new_task = fields.get("task", "")
    if new_task and new_task != value.get("task"):
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
        task = f'"{value.get("task")}"'
        if not status:
            said = f"{task} is already on your ToDo list."
        elif status == "not started":
            said = f"{task} is not done yet."
        else:
            said = f"{task} is already {status}."
        return TodoOp("unchanged", key, plan=said)
    plan = " and ".join(plans) + "."
    added = str(next(iter(patch.values())))
    return TodoOp("update", key, fields=patch, plan=plan[:1].upper() + plan[1:], added=added)


def _without_task(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if k != "task"}


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
                ops.append(_patch(key, self.existing[key], fields))
        ops += [TodoOp("delete", key, plan=plan) for key, plan in self.deleted.items()]
        return ops + [TodoOp("note", plan=note) for note in self.notes]

    def request(self, todo: Todo, fields: dict[str, Any]) -> None:
        """Ask for changes to a todo; "task" in `fields` renames it."""
        key, value = todo
        if any(value is c for c in self.created):
            value.update(fields)  # created in this message: still just fields
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
            self.request(target, _without_task(fields))
            return
        if not explicit_add(clause) and self.change(polite(clause), clause):
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
        if pronoun(ref):
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
            if any(pronoun(r.slots.get("ref")) for r in intents.change_readings(rest)):
                head, tail = first, rest
        readings = [
            r
            for r in intents.change_readings(tail)
            if valid_reading(r, self.now) and self._whole(r)
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
        elif pronoun(ref):
            self.notes.append("Which task do you mean? Please name it.")
        else:
            self.notes.append(f'I couldn\'t find "{_named(ref)}" on your ToDo list.')
        return True

    def _whole(self, reading: intents.Reading) -> bool:
        """A `{deed}` counts only when every word of it is in exactly one todo: "I booked the
        Denver flights" completes "Book flights to Denver"; "I loved the movie" is no change."""
        deed = _deed(reading)
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
            self.request(todo, {"task": clean_task(reading.slots["new"])})
        elif reading.intent == "reschedule" and "shift" in reading.slots:
            shift = parse_shift(reading.slots["shift"])
            assert shift is not None  # checked by _valid
            base = value.get("deadline") or datetime.combine(self.now.date(), END_OF_DAY)
            try:
                moved = datetime.fromisoformat(str(base)) + shift
            except (ValueError, OverflowError):  # past year 9999
                self.notes.append(f'I can\'t move "{value.get("task")}" that far.')
                return
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
        if not item["task"] or _EMPTY_TASK_RE.match(item["task"]):  # "Remind me tomorrow"
            if explicit_add(clause) or item["task"]:
                self.notes.append("What should I add to your ToDo list?")
            return
        hit = self._same(item["task"])
        if hit:  # the same task again patches it; after "Actually, …" it is also renamed
            self.request(hit, item if self.correction else _without_task(item))
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
    text: str, existing: list[Todo], now: datetime, context: Context = NO_CONTEXT
) -> list[TodoOp]:
    """The offline extractor: the last human message + current todos → list of changes.

    Changes to one todo within a message are merged into one op; a todo created earlier in the
    same message is patched in place (so "X. Do this by Friday." is one create). A clause that
    names no todo, or several, becomes a `note` (a question back), never a new todo by mistake.
    """
    if context.proposal and is_yes(text):
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
    return clean_task(parse_item(polite(text), now)["task"]) or text.strip()
