"""Deadline and duration phrases → values, via `dateparser`.

Why a module of its own: the rules need "find the date phrase in this sentence, cut it out, turn
it into an end-of-day deadline", and that must be deterministic for a given clock. `dateparser`
does the calendar work (PREFER_DATES_FROM=future, RELATIVE_BASE=the injected clock); this file
only finds phrases and adds glue for what dateparser reads differently from people:

- "<weekday>", "by/on/this <weekday>": the next such day; today if today is that weekday.
- "next <weekday>": that weekday in next calendar week (weeks start on Monday), so from
  Wednesday 2024-11-13 "next Friday" is 2024-11-22 (as in the tutorial), not the 15th.
- "this weekend" / "the weekend": the coming Sunday (today if it is Sunday);
  "next weekend": Sunday of next week.
- "tomrrow"/"tmrw": tomorrow (the tutorial's typo).
- "end of day" is today, "end of the week" the coming Sunday, "end of the month" its last day.
Deadlines are the end of the day, 23:59:59, like the tutorial's `2024-11-30T23:59:59`.
"""

from __future__ import annotations

import calendar
import re
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta

import dateparser

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WD = "|".join(WEEKDAYS)
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_NUM = r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten)"
_ORD = r"\d{1,2}(?:st|nd|rd|th)?"
_DATE_CORE = (
    rf"(?:end\s+of\s+(?:the\s+)?(?:day(?:\s+today)?|week|month)"
    rf"|(?:this|next|the)\s+weekend|weekend"
    rf"|(?:this|next|coming)\s+(?:{_WD})|(?:{_WD})"
    rf"|tomorrow|tomrrow|tmrw|today|tonight"
    rf"|next\s+(?:week|month)|(?:in|within)\s+{_NUM}\s+(?:days?|weeks?|months?)"
    rf"|{_MONTH}\.?\s+{_ORD}(?:,?\s+\d{{4}})?|{_ORD}\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?|the\s+\d{{1,2}}(?:st|nd|rd|th))"
)
# An optional lead-in ("by", "due on", ...) is part of the phrase so it is cut from task text.
DATE_RE = re.compile(
    rf"(?:\b(?:by|on|before|until|till|due(?:\s+(?:on|by))?|no\s+later\s+than|for)\s+)?"
    rf"\b(?P<core>{_DATE_CORE})\b(?!'s)",
    re.IGNORECASE,
)
_DURATION_RE = re.compile(
    rf"(?:\b(?:it\s+)?(?:takes?|taking|will\s+take|'ll\s+take|should\s+take|needs?|about|around)"
    rf"\s+(?:about\s+|around\s+|roughly\s+)?(?P<n1>{_NUM}|half\s+an?|\d+\.\d+)\s*"
    rf"(?P<u1>minutes?|mins?|hours?|hrs?|h)\b"
    rf"|\(\s*(?P<n2>\d+(?:\.\d+)?)\s*(?P<u2>minutes?|mins?|hours?|hrs?|h)\s*\)"
    rf"|\b(?P<n3>\d+)[- ](?P<u3>minute|hour)\s+(?:task|job)\b)",
    re.IGNORECASE,
)
_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}


@dataclass(frozen=True)
class DatePhrase:
    """A date expression found in text: its span (to cut it out) and the resolved deadline."""

    start: int
    end: int
    text: str
    deadline: datetime


def _parse(phrase: str, base: datetime) -> datetime | None:
    settings = {"PREFER_DATES_FROM": "future", "RELATIVE_BASE": base}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dateparser.parse(
            phrase,
            languages=["en"],
            settings=settings,  # type: ignore[arg-type]
        )


def end_of_day(value: datetime) -> datetime:
    """Deadlines are whole days: 23:59:59, no timezone (the tutorial's format)."""
    return value.replace(hour=23, minute=59, second=59, microsecond=0, tzinfo=None)


def _next_week_base(now: datetime) -> datetime:
    # Glue, not arithmetic: the instant before next Monday, so dateparser's "<weekday>" lands
    # in next calendar week.
    monday = _parse("monday", now)
    assert monday is not None
    return monday.replace(hour=0, minute=0, second=0) - timedelta(seconds=1)


def resolve_date(core: str, now: datetime) -> datetime | None:
    """One date expression (without "by"/"on") → end-of-day deadline, or None."""
    phrase = " ".join(core.lower().split())
    phrase = re.sub(r"\b(tomrrow|tmrw)\b", "tomorrow", phrase)
    if phrase == "tonight" or phrase.startswith("end of day") or phrase == "end of the day":
        phrase = "today"
    elif phrase in ("end of week", "end of the week"):
        phrase = "this weekend"
    elif phrase in ("end of month", "end of the month"):
        last_day = calendar.monthrange(now.year, now.month)[1]
        return end_of_day(now.replace(day=last_day))
    base = now
    if phrase in ("this weekend", "the weekend", "weekend"):
        phrase = "sunday"
    elif phrase == "next weekend":
        phrase, base = "sunday", _next_week_base(now)
    m = re.fullmatch(rf"(this |next |coming )?({_WD})", phrase)
    if m:
        if m.group(1) == "next ":
            base = _next_week_base(now)
        elif m.group(2) == now.strftime("%A").lower() and base is now:
            return end_of_day(now)
        phrase = m.group(2)
    parsed = _parse(phrase, base)
    return end_of_day(parsed) if parsed else None


def find_date(text: str, now: datetime) -> DatePhrase | None:
    """The first resolvable date phrase in `text`, if any."""
    for m in DATE_RE.finditer(text):
        deadline = resolve_date(m.group("core"), now)
        if deadline is not None:
            return DatePhrase(m.start(), m.end(), m.group(0), deadline)
    return None


def find_duration(text: str) -> tuple[int, tuple[int, int]] | None:
    """A time estimate ("takes 30 min", "(2 hours)") → (minutes, span); "for 2 weeks" is none."""
    m = _DURATION_RE.search(text)
    if not m:
        return None
    raw = (m.group("n1") or m.group("n2") or m.group("n3")).lower()
    unit = (m.group("u1") or m.group("u2") or m.group("u3")).lower()
    amount = 0.5 if raw.startswith("half") else float(_WORDS.get(raw, raw))
    minutes = amount * 60 if unit.startswith("h") else amount
    return round(minutes), m.span()


def describe_day(deadline: datetime | str, now: datetime) -> str:
    """Human wording for a deadline: "today", "tomorrow", or "Friday, November 15"."""
    when = datetime.fromisoformat(deadline) if isinstance(deadline, str) else deadline
    if when.date() == now.date():
        return "today"
    if when.date() == (_parse("tomorrow", now) or now).date():
        return "tomorrow"
    return f"{when:%A}, {when:%B} {when.day}"
