"""What the offline model says: pure functions from what it can see (messages, prompt) to text.

Why pure: the model must answer only from its input (the system prompt's `<todo>` list, the tool
messages, the human text) — exactly what a hosted model sees — so replies stay deterministic and
unit-testable. Tool-message texts are the graph's (task_maistro's) formats, parsed back here.
"""

from __future__ import annotations

import ast
import re
from datetime import date, datetime, timedelta
from typing import Any

from engine.models import intents
from engine.models.dates import DATE_RE, describe_day, resolve_date
from engine.models.matching import mentions
from engine.models.profile import parse_profile

_NEW_RE = re.compile(r"^New ToDo created:\nContent: (.*)$", re.S)
_UPDATED_RE = re.compile(r"^Document \S+ updated:\nPlan: (.*?)\nAdded content: .*$", re.S)
_PLAN_RE = re.compile(r"^Document \S+ (?:unchanged|deleted):\n(?:Plan: )?(.*)$", re.S)
_NOTE_RE = re.compile(r"^No change:\n(.*)$", re.S)
_REMOVED_RE = re.compile(r'^Removed "(.*)" from the ToDo list\.$', re.S)
_MARKED_RE = re.compile(r'^Marked "([^"]*)" as ([a-z ]+)\.$')
_OPEN = ("not started", "in progress")


def parse_prompt_todos(system_text: str) -> list[dict[str, Any]]:
    """The `<todo>` section of task_maistro's system prompt: one dict repr per line."""
    m = re.search(r"<todo>(.*?)</todo>", system_text, re.S)
    out = []
    for line in (m.group(1) if m else "").splitlines():
        try:
            value = ast.literal_eval(line.strip())
        except (ValueError, SyntaxError):
            continue
        if isinstance(value, dict) and value.get("task"):
            out.append(value)
    return out


def _days(text: str, now: datetime) -> str:
    """ISO dates in a plan ("2024-11-17", "2024-11-17T17:00") → "Sunday, November 17"."""
    return re.sub(r"\d{4}-\d{2}-\d{2}(?:T[\d:]+)?", lambda m: describe_day(m.group(0), now), text)


def _todo_phrase(
    fields: dict[str, Any], now: datetime, due: bool = True, status: bool = False
) -> str:
    text = f'"{fields.get("task", "")}"'
    extras = []
    if due and fields.get("deadline"):
        extras.append(f"due {describe_day(str(fields['deadline']), now)}")
    if fields.get("time_to_complete"):
        extras.append(f"about {fields['time_to_complete']} minutes")
    if fields.get("status") in ("in progress", "done") or (status and fields.get("status")):
        extras.append(str(fields["status"]))
    return text + (f" ({', '.join(extras)})" if extras else "")


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _sentence(plan: str) -> str:
    return f"I've {plan[:1].lower()}{plan[1:]}"


def reply_after_tool(tool_texts: list[str], human_text: str, now: datetime) -> str:
    """The plain-text answer after the update node(s) answered the tool call."""
    created: list[str] = []
    removed: list[str] = []
    marked: dict[str, list[str]] = {}  # status -> tasks: one sentence per status, in its place
    sentences: list[str | tuple[str]] = []
    for text in tool_texts:
        if text.startswith("Cancelled"):
            sentences.append("That update was cancelled, so nothing changed.")
        elif text == "updated profile":
            sentences.append(_profile_reply(human_text))
        elif text == "updated instructions":
            sentences.append("Got it, I'll follow that whenever I update your ToDo list.")
        for block in text.split("\n\n") if text.startswith(("New ", "Document ", "No ")) else []:
            if m := _NEW_RE.match(block):
                try:
                    created.append(_todo_phrase(ast.literal_eval(m.group(1)), now))
                except (ValueError, SyntaxError):
                    created.append("a new task")
            elif m := _UPDATED_RE.match(block):
                plan = m.group(1).strip()
                if status := _MARKED_RE.match(plan):
                    if status.group(2) not in marked:
                        sentences.append((status.group(2),))
                    marked.setdefault(status.group(2), []).append(f'"{status.group(1)}"')
                else:
                    sentences.append(_sentence(_days(plan, now)))
            elif m := _PLAN_RE.match(block):
                plan = _days(m.group(1).strip(), now)
                if gone := _REMOVED_RE.match(plan):
                    removed.append(f'"{gone.group(1)}"')
                elif block.split(":")[0].endswith("deleted"):
                    sentences.append(_sentence(plan))
                else:
                    sentences.append(f"{plan} Nothing to change.")
            elif m := _NOTE_RE.match(block):
                sentences.append(m.group(1).strip())
    said = [
        s if isinstance(s, str) else f"I've marked {_join(marked[s[0]])} as {s[0]}."
        for s in sentences
    ]
    if removed:
        said.insert(0, f"I've removed {_join(removed)} from your ToDo list.")
    if created:
        noun = "" if len(created) == 1 else f"{len(created)} tasks: "
        said.insert(0, f"I've added {noun}{_join(created)} to your ToDo list.")
    if not said:
        return "I couldn't find a matching item on your ToDo list, so nothing changed."
    return " ".join(said)


def _profile_reply(human_text: str) -> str:
    facts = parse_profile(human_text)
    if facts.get("name"):
        return f"Nice to meet you, {facts['name']}! What can I help you get done?"
    if facts.get("location"):
        return f"Good to know you're in {facts['location']}. Anything to add to your ToDo list?"
    return "Thanks for telling me, I'll keep that in mind. Anything to add to your ToDo list?"


_WEEK_RE = re.compile(r"\b(this|next)\s+week\b", re.I)


def _day(when: date) -> str:
    return f"{when:%A}, {when:%B} {when.day}"


def _period(human_text: str, now: datetime) -> tuple[str, str, str] | None:
    """The span a question asks about → (label, first ISO day or "", last ISO day), or None.

    "today" and "this week" include overdue open items (they still need doing today/this week);
    another day ("due tomorrow", the tutorial's question) means exactly that day, "by <day>" up
    to it.
    """
    if week := _WEEK_RE.search(human_text):
        monday = now.date() - timedelta(days=now.weekday())
        if week.group(1).lower() == "this":
            return (
                f"this week (by {_day(monday + timedelta(days=6))})",
                "",
                (monday + timedelta(days=6)).isoformat(),
            )
        start, end = monday + timedelta(days=7), monday + timedelta(days=13)
        return f"next week ({_day(start)} to {_day(end)})", start.isoformat(), end.isoformat()
    m = DATE_RE.search(human_text)
    day = resolve_date(m.group("core"), now) if m else None
    if m is None or day is None:
        return None
    label = describe_day(day.replace(hour=23, minute=59, second=59), now)
    label = label if "," in label else f"{label} ({day:%A}, {day:%B} {day.day})"
    by = bool(re.search(r"\b(?:by|before|until)\b", m.group(0), re.I)) or day.date() == now.date()
    iso = day.date().isoformat()
    return (f"by {label}" if by else label), ("" if by else iso), iso


def _count(items: list[Any], noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def _lines(items: list[dict[str, Any]], now: datetime, due: bool = True) -> str:
    return "\n".join(f"- {_todo_phrase(t, now, due=due)}" for t in items)


def _by_deadline(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda t: str(t.get("deadline") or "9999"))


def answer_question(human_text: str, todos: list[dict[str, Any]], now: datetime) -> str:
    """Answer a question about the list: a search, or one of `intents.QUESTION_KINDS`."""
    text = intents.normalize(human_text, tail=False)  # "is milk on my list?" needs its tail
    query = intents.search_query(text)
    if query is not None:
        return search_reply(query, todos, now)
    kind = intents.question_kind(text)
    open_items = [t for t in todos if t.get("status", "not started") in _OPEN]
    if kind == "count":
        done = len(todos) - len(open_items)
        finished = f" and {done} done" if done else ""
        return f"You have {_count(open_items, 'open item')}{finished} on your ToDo list."
    if kind == "overdue":
        late = [t for t in open_items if t.get("deadline") and str(t["deadline"]) < now.isoformat()]
        if not late:
            return "Nothing on your ToDo list is overdue."
        return f"{_count(late, 'item')} overdue:\n{_lines(_by_deadline(late), now)}"
    if kind in ("in_progress", "done"):
        status = "in progress" if kind == "in_progress" else "done"
        found = [t for t in todos if t.get("status") == status]
        if not found:
            return f"Nothing on your ToDo list is {status} yet."
        return f"{_count(found, 'item')} {status}:\n" + "\n".join(
            f"- {_todo_phrase({**t, 'status': None}, now)}" for t in found
        )
    return summary_reply(human_text, todos, now, next_up=kind == "next")


def search_reply(query: str, todos: list[dict[str, Any]], now: datetime) -> str:
    """ "Do I have anything about Denver?" → the todos that mention it."""
    found = [v for _, v in mentions(query, [(str(i), t) for i, t in enumerate(todos)])]
    what = re.sub(r"^(?:the|my|a|an)\s+", "", query.strip(" ?"), flags=re.I)
    what = re.sub(r"\s+(?:todo|to-do|task|item|reminder|one)s?$", "", what, flags=re.I)
    if not found:
        return f'Nothing on your ToDo list mentions "{what}".'
    lines = "\n".join(f"- {_todo_phrase(t, now, status=True)}" for t in found)
    return f'Found {_count(found, "item")} about "{what}":\n{lines}'


def summary_reply(
    human_text: str, todos: list[dict[str, Any]], now: datetime, *, next_up: bool = False
) -> str:
    """Answer "summary of my ToDos due tomorrow" / "what's on my list" / "what's next?"."""
    show_done = bool(re.search(r"\b(?:done|finished|completed)\b", human_text, re.I))
    items = [t for t in todos if show_done or t.get("status") not in ("done", "archived")]
    period = _period(human_text, now)
    if period is None:
        if not items:
            return "Your ToDo list is empty. Tell me what you need to get done and I'll add it."
        if next_up:
            first = _by_deadline(items)[0]
            others = f" You have {_count(items[1:], 'other open item')}." if items[1:] else ""
            return f"Next up: {_todo_phrase(first, now)}.{others}"
        return f"You have {_count(items, 'item')} on your ToDo list:\n{_lines(items, now)}"
    label, first, last = period
    due = [t for t in items if t.get("deadline") and first <= str(t["deadline"])[:10] <= last]
    if not due:
        others = f" You have {_count(items, 'other open item')}." if items else ""
        return f"Nothing on your ToDo list is due {label}.{others}"
    return f"Here's what's due {label}:\n{_lines(due, now, due=first != last)}"


def chat_reply(human_text: str) -> str:
    """Small talk: short, friendly, steering back to the ToDo list."""
    t = human_text.lower()
    if re.search(r"\bthank|\bthx\b|^ty\b", t):
        return "You're welcome! Let me know if anything else comes up."
    if re.search(r"\bhow are you\b", t):
        return "I'm doing well, thanks for asking! What can I help you get done today?"
    if re.search(r"\b(?:bye|goodbye|see you)\b", t):
        return "Bye for now! Your ToDo list will be here when you get back."
    if re.search(r"^(?:hi|hello|hey|yo|good (?:morning|afternoon|evening))\b", t):
        return (
            "Hi! I'm your task assistant. Tell me what you need to get done and I'll keep "
            "your ToDo list up to date."
        )
    if re.search(r"^(?:help|what can you do|who are you)\b", t):
        return HELP
    return "I can add, update, complete or summarize your ToDos. What would you like to do?"


HELP = (
    'I keep your ToDo list. Try: "Add a ToDo to call mom tomorrow at 5pm", "mark call mom '
    'done", "move the dentist to Friday", "rename the Denver task to Book flights to Boston", '
    '"delete the laundry", "clear all completed tasks", or ask "what\'s due this week?", '
    '"what\'s overdue?", "anything about Denver?".'
)
UNCLEAR = (
    "Sorry, I didn't catch that. Do you want to add a task, change one, or hear what's on your "
    "ToDo list?"
)


def proposal_reply(task: str, known: list[dict[str, Any]]) -> str:
    """The question asked about a short phrase that may or may not be a task: "milk"."""
    if known:
        names = " or ".join(f'"{t.get("task")}"' for t in known[:2])
        return f"Do you mean {names}? I can mark it done, move it, rename it or delete it."
    return f'Should I add "{task}" to your ToDo list?'


def declined_reply() -> str:
    return "OK, I won't add it. What would you like to do instead?"
