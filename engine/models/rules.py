"""Pure intent parsing for the offline model: text in, decisions out, no I/O.

Why separate from the model: every rule here is unit-testable without LangChain, a graph or a
store, and the same functions serve both the chat model (which memory to update) and the graph's
offline extractor (what exactly to change in the ToDo list). Only the last human message drives
an update, so an earlier request is never applied twice (the enqueue scenario's second run).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from engine.models.dates import find_date, find_duration
from engine.models.phrases import LEADIN_RE as _LEADIN_RE
from engine.models.phrases import TODO_WORDS as _TODO_WORDS
from engine.models.phrases import clean_task, split_items

Intent = Literal["todo", "user", "instructions", "summary", "chat"]

_INSTRUCTIONS_RE = re.compile(
    rf"\b(?:when(?:ever)?|if)\s+(?:you\s+)?(?:add|create|make|updat|sav|stor|put)\w*\b"
    rf".*\b{_TODO_WORDS}"
    rf"|\bfrom now on\b|^(?:please\s+)?(?:always|never)\b.*\b{_TODO_WORDS}",
    re.IGNORECASE,
)
_SUMMARY_RE = re.compile(
    r"\b(?:summar\w*|overview|what(?:'?s| is| do i have)? (?:on|in) my|what do i (?:have|need)"
    r"|show (?:me )?(?:all )?my|list (?:all )?(?:of )?my|what(?:'?s| is| are)? (?:due|left|pending)"
    r"|anything due|how many (?:todos?|tasks?)|read (?:me )?my|what are my)\b",
    re.IGNORECASE,
)
# A question about the list, even when it contains "I need to": "what do I need to do today?".
_ASK_RE = re.compile(
    r"^(?:so\s+)?(?:what(?:'s| is| are)?\s+(?:do\s+i|i)\s+(?:have|need|got)\s+"
    r"(?:to\s+do|on|left|due|pending)\b|what(?:'s| is)?\s+(?:up\s+)?next\b"
    r"|what\s+(?:should|shall|can|must|do)\s+i\s+(?:do|work on|focus on|tackle|start with)\b"
    r"|(?:is there\s+)?anything\s+(?:else\s+)?(?:due|left|pending|overdue|to do|on my)\b"
    r"|do i have\s+(?:anything|any\s+\w+|much)\b"
    r"|what(?:'s| is)\s+(?:on\s+)?(?:my|the)\s+(?:plate|agenda|schedule)\b)",
    re.IGNORECASE,
)
_ADD_RE = re.compile(
    r"\b(?:add|create|make|put|new|remind me|schedule|set up|don't forget"
    r"|i (?:need|have|must|should)"
    r" to)\b",
    re.IGNORECASE,
)
_DONE_RE = re.compile(
    r"\b(?:mark(?:ed)?\b.*\b(?:as\s+)?(?:done|completed?|finished)|check(?:ed)? off|tick(?:ed)? off"
    r"|i(?:'ve| have)?\s+(?:just\s+)?(?:finished|completed|done)\b|(?:is|are)\s+(?:now\s+)?"
    r"(?:done|finished|completed?)\b)",
    re.IGNORECASE,
)
_DELETE_RE = re.compile(
    r"\b(?:delete|remove|get rid of|scrap|forget about|take\b.*\boff)\b"
    r"|\bdrop\b(?!\s+(?:by|off|in)\b)",
    re.IGNORECASE,
)
_RESCHEDULE_RE = re.compile(
    r"\b(?:change|move|push|postpone|reschedule|update|set|shift|bump|make)\b.*?"
    r"\b(?:deadline|due date|due)\b|\b(?:move|push|postpone|reschedule|shift|bump)\b",
    re.IGNORECASE,
)
_PROFILE_RE = re.compile(
    r"\bmy name(?:'s| is)\b|\bi(?:'m| am) called\b|\bcall me\b|\bi live in\b"
    r"|\bi(?:'m| am) (?:from|based in|living in)\b|\bi work (?:as|at|for)\b|\bmy job is\b"
    r"|\bi(?:'m| am) an? (?:\w+ )?\w*(?:er|or|ist"
    r"|ian|ant|ent|ect|eon|nurse|chef|doctor|lawyer|pilot)\b|\bi (?:really )?(?:like|love|enjoy)\b"
    r"|\bmy (?:wife|husband|partner|son|daughter|friend|boss|brother|sister|mom|dad|mother|father)"
    r"(?:'s name)? is\b",
    re.IGNORECASE,
)
_CHAT_RE = re.compile(
    r"^(?:hi|hello|hey|yo|good (?:morning|afternoon|evening)|thanks?(?: you)?|thx|ok(?:ay)?"
    r"|cool|great"
    r"|nice|bye|goodbye|see you|how are you|who are you|what can you do|help)\b",
    re.IGNORECASE,
)
_CORRECTION_RE = re.compile(r"^\s*(?:actually|sorry|i meant|no,|wait|instead|correction)", re.I)
_MODIFIER_RE = re.compile(
    r"^(?:please\s+)?(?:do (?:this|that|it)|it(?:'s| is)(?: due)?|(?:this|that) (?:is )?due|due|it"
    r"(?:'ll| will| should)? takes?|that takes|by|before|on)\b",
    re.IGNORECASE,
)
_VERBS_RE = re.compile(
    r"\b(?:mark(?:ed)?|check(?:ed)?|tick(?:ed)?|finished|completed?|done|delete|remove|get rid of"
    r"|scrap|forget about|drop|take|off|as|i've|i have|i|just|is|are|now)\b",
    re.IGNORECASE,
)
_STOP = frozenset(
    {
        "a",
        "an",
        "the",
        "to",
        "for",
        "with",
        "and",
        "or",
        "of",
        "in",
        "on",
        "at",
        "by",
        "my",
        "his",
        "her",
        "their",
        "our",
        "your",
        "this",
        "that",
        "it",
        "is",
        "be",
        "do",
        "add",
        "create",
        "todo",
        "to-do",
        "task",
        "tasks",
        "list",
        "item",
        "new",
        "please",
        "me",
        "mark",
        "done",
        "as",
        "from",
        "off",
        "delete",
        "remove",
        "change",
        "move",
        "deadline",
        "due",
        "date",
        "set",
        "update",
        "one",
        "about",
    }
)


@dataclass
class TodoOp:
    """One change to the ToDo list, already decided; the graph only applies it to the store."""

    kind: Literal["create", "update", "unchanged", "delete"]
    key: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)  # create: filled fields; update: patch
    plan: str = ""
    added: str = ""  # update: "Added content" (the first changed value)


def classify(text: str) -> Intent:
    """Which memory (if any) a human message should update, or how to answer it."""
    t = _LEADIN_RE.sub("", text.strip())
    if _INSTRUCTIONS_RE.search(t):
        return "instructions"
    if _ASK_RE.search(t) or (_SUMMARY_RE.search(t) and not _ADD_RE.search(t)):
        return "summary"
    if re.search(rf"\b{_TODO_WORDS}\b", t, re.I) or _ADD_RE.search(t) or _DONE_RE.search(t):
        return "todo"
    if _PROFILE_RE.search(t):
        return "user"
    if _CHAT_RE.search(t) or t.endswith("?") or len(t.split()) < 2:
        return "chat"
    return "todo"  # "err on the side of updating the todo list" (original prompt)


def words(text: str) -> set[str]:
    """Content words for fuzzy matching (lower-case, crude plural stripping, no stop words)."""
    out = set()
    for w in re.findall(r"[a-z0-9']+", text.lower()):
        w = w.removesuffix("'s")
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        if w not in _STOP and len(w) > 1:
            out.add(w)
    return out


def match_todo(
    ref: str, existing: list[tuple[str, dict]], *, loose: bool = False
) -> tuple[str, dict] | None:
    """The existing todo `ref` most plausibly means, or None.

    Strict: most of the shorter side's words shared. Loose (a correction, or an explicit
    reference such as "mark X done"): any shared content word, best score wins.
    """
    ref_words = words(ref)
    best: tuple[float, str, dict] | None = None
    for key, value in existing:
        task_words = words(str(value.get("task", "")))
        shared = ref_words & task_words
        if not shared:
            continue
        score = len(shared) / max(1, min(len(ref_words), len(task_words)))
        task = str(value.get("task", "")).lower()
        ratio = difflib.SequenceMatcher(None, ref.lower(), task).ratio()
        if (loose or score >= 0.67) and (best is None or (score, ratio) > (best[0], 0)):
            best = (score + ratio / 10, key, value)
    return (best[1], best[2]) if best else None


def parse_item(text: str, now: datetime) -> dict[str, Any]:
    """One todo phrase → filled fields {task, deadline?, time_to_complete?} (deadline as ISO)."""
    fields: dict[str, Any] = {}
    rest = text
    date = find_date(rest, now)
    if date:
        fields["deadline"] = date.deadline.isoformat()
        rest = rest[: date.start] + rest[date.end :]
    duration = find_duration(rest)
    if duration:
        fields["time_to_complete"] = duration[0]
        rest = rest[: duration[1][0]] + rest[duration[1][1] :]
    return {"task": clean_task(rest), **fields}


def _patch(value: dict, fields: dict, correction: bool) -> TodoOp:
    """What differs between an existing todo and requested fields → one update/unchanged op."""
    patch: dict[str, Any] = {}
    plans: list[str] = []
    subject = f'"{value.get("task", "")}"'
    new_task = fields.get("task", "")
    if correction and new_task and words(new_task) != words(str(value.get("task", ""))):
        patch["task"] = new_task
        plans.append(f'renamed {subject} to "{new_task}"')
        subject = "its"
    of = "its" if subject == "its" else f"the {{}} of {subject}"
    for name, label, unit in (
        ("deadline", "deadline", ""),
        ("time_to_complete", "time estimate", " minutes"),
    ):
        if fields.get(name) and fields[name] != value.get(name):
            patch[name] = fields[name]
            shown = str(fields[name])[:10] if name == "deadline" else fields[name]
            target = f"its {label}" if of == "its" else of.format(label)
            plans.append(f"set {target} to {shown}{unit}")
    if fields.get("status") and fields["status"] != value.get("status"):
        patch["status"] = fields["status"]
        plans.append(f"marked {subject} as {fields['status']}".replace("marked its", "marked it"))
    key = fields.get("__key__")
    if not patch:
        return TodoOp("unchanged", key, plan=f'"{value.get("task")}" is already on your ToDo list.')
    plan = " and ".join(plans) + "."
    added = str(next(iter(patch.values())))
    return TodoOp("update", key, fields=patch, plan=plan[:1].upper() + plan[1:], added=added)


def plan_todo_changes(text: str, existing: list[tuple[str, dict]], now: datetime) -> list[TodoOp]:
    """The offline extractor: the last human message + current todos → list of changes.

    Changes to one todo within a message are merged into one op; a todo created earlier in the
    same message is patched in place (so "X. Do this by Friday." is one create).
    """
    todos = list(existing)
    created: list[dict[str, Any]] = []
    updates: dict[str, dict[str, Any]] = {}  # key -> requested fields (merged)
    deleted: dict[str, str] = {}
    correction = bool(_CORRECTION_RE.search(text))
    mentions_list = bool(re.search(rf"\b{_TODO_WORDS}\b", text, re.I))
    last: tuple[str, dict] | None = None

    def request(hit: tuple[str, dict], fields: dict[str, Any]) -> None:
        key, value = hit
        if any(value is c for c in created):
            value.update({k: v for k, v in fields.items() if k != "task" or correction})
        else:
            updates.setdefault(key, {}).update(fields)

    for raw in split_items(text):
        clause = _LEADIN_RE.sub("", raw).strip(" .!")
        if not clause:
            continue
        if _MODIFIER_RE.search(clause) and last is not None:  # "Do this by Friday."
            request(last, {k: v for k, v in parse_item(clause, now).items() if k != "task"})
            continue
        if _DONE_RE.search(clause) or _DELETE_RE.search(clause):
            ref = _VERBS_RE.sub(" ", clause)
            hit = match_todo(ref, todos, loose=True)
            if hit and _DONE_RE.search(clause):
                request(hit, {"status": "done"})
                last = hit
                continue
            if hit:
                deleted[hit[0]] = f'Removed "{hit[1].get("task")}" from the ToDo list.'
                todos = [t for t in todos if t[0] != hit[0]]
                continue
            if mentions_list:
                continue  # "delete the dentist todo" with no such todo: nothing to do
        item = parse_item(clause, now)
        if _RESCHEDULE_RE.search(clause) and not _ADD_RE.search(clause):
            hit = match_todo(
                re.sub(_RESCHEDULE_RE.pattern, " ", item["task"], flags=re.I), todos, loose=True
            )
            if hit:
                request(hit, {k: v for k, v in item.items() if k != "task"})
                last = hit
                continue
        if not item["task"]:
            continue
        hit = match_todo(item["task"], todos, loose=correction)
        if hit:
            request(hit, item if correction else {k: v for k, v in item.items() if k != "task"})
            last = hit
            continue
        created.append(item)
        last = (f"new-{len(created)}", item)
        todos.append(last)
    values = dict(existing)
    ops = [TodoOp("create", None, fields=item) for item in created]
    for key, fields in updates.items():
        if key not in deleted:
            ops.append(_patch(values[key], {**fields, "__key__": key}, correction))
    ops += [TodoOp("delete", key, plan=plan) for key, plan in deleted.items()]
    return ops


def parse_profile(text: str) -> dict[str, Any]:
    """Profile facts in one message → partial Profile fields."""
    out: dict[str, Any] = {}
    name = re.search(
        r"\b(?:my name(?:'s| is)|i(?:'m| am) called|call me)\s+"
        r"((?-i:[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?))",
        text,
        re.I,
    )
    if name:
        out["name"] = name.group(1).strip().title()
    loc = re.search(
        r"\bi(?:'m| am)? (?:live|living|based|from)\s+(?:in\s+)?"
        r"([A-Z][\w .'-]*?)(?=[,.!?]|\s+and\b|$)",
        text,
        re.I,
    )
    if loc:
        out["location"] = loc.group(1).strip()
    job = re.search(
        r"\b(?:i work as|my job is|i(?:'m| am))\s+an?\s+"
        r"([\w -]+?)(?=[,.!?]|\s+and\b|\s+at\b|$)",
        text,
        re.I,
    )
    if job and re.search(_PROFILE_RE, job.group(0)) and "called" not in job.group(0).lower():
        out["job"] = job.group(1).strip()
    work = re.search(r"\bi work (?:at|for)\s+([\w &.'-]+?)(?=[,.!?]|\s+and\b|$)", text, re.I)
    if work and "job" not in out:
        out["job"] = f"works at {work.group(1).strip()}"
    likes = re.search(r"\bi (?:really )?(?:like|love|enjoy)\s+([\w ,'-]+?)(?=[.!?]|$)", text, re.I)
    if likes:
        parts = re.split(r",\s*(?:and\s+)?|\s+and\s+", likes.group(1))
        out["interests"] = [i.strip() for i in parts if i.strip()]
    rel = re.search(
        r"\bmy (wife|husband|partner|son|daughter|friend|boss|brother|sister|mom"
        r"|dad|mother|father)(?:'s name)? is(?: called| named)?\s+((?-i:[A-Z][\w'-]*))",
        text,
        re.I,
    )
    if rel:
        out["connections"] = [f"{rel.group(2).title()} ({rel.group(1).lower()})"]
    return out


def merge_profile(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """New facts replace scalars and extend lists (no duplicates)."""
    merged = {"name": None, "location": None, "job": None, "connections": [], "interests": []}
    merged.update(old or {})
    for k, v in new.items():
        if isinstance(v, list):
            merged[k] = [*merged.get(k, []), *[x for x in v if x not in merged.get(k, [])]]
        else:
            merged[k] = v
    return merged


def merge_instructions(old: str, text: str) -> str:
    """Instructions are kept as sentences, newest last; a repeat is not added twice."""
    sentence = _LEADIN_RE.sub("", text.strip())
    lines = [ln for ln in old.splitlines() if ln.strip()]
    return "\n".join(lines if sentence in lines else [*lines, sentence])
