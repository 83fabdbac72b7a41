"""Deadline and duration phrases → values, via `python-dateutil`.

Why a module of its own: the rules need "find the date phrase in this sentence, cut it out, turn
it into a deadline", deterministic for a given clock. The phrases people type come in a handful of
forms, so `FORMS` below is a table: one pattern per form and the dateutil call that resolves it
(`relativedelta` for "in 3 days", "Friday", "end of the month"; `rrule` for "the next 8th", "the
next Dec 15"; `dateutil.parser` for clock times and numeric dates). No calendar arithmetic by hand,
no file access (safe on an event loop), ~20 µs a phrase. What the forms mean:

- "Friday", "by/on/this Friday": the next Friday, today if it is Friday; "next Friday": Friday of
  next calendar week (weeks start on Monday), so from Wednesday 2024-11-13 it is 2024-11-22.
- "this weekend" / "the weekend" / "end of the week": the coming Sunday; "next weekend": the one
  after. "end of the month / year": its last day.
- "the 8th", "by the 15th", "on 8th": the next such day of a month (today if today is the 8th).
- "Dec 15", "January 5th", "5 Jan": the next such date (a given year is kept as given).
- "in 3 days", "2 weeks from now", "next week / month": relative to now; "in 2 hours",
  "in 30 minutes": an exact time.
- a clock time ("at 5pm", "by 17:30", "noon") sets the deadline's time; alone it means the next
  such time (today, or tomorrow if it has passed).
- a day word naming a thing ("Plan the weekend trip", "the friday meeting") is no deadline and
  stays in the task (see `_names_a_thing`).
Deadlines without a time are the end of the day, 23:59:59, like the tutorial's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from functools import lru_cache

from dateutil import parser as dateutil_parser
from dateutil.relativedelta import MO, SU, relativedelta
from dateutil.rrule import MONTHLY, YEARLY, rrule

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = (
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"
)  # fmt: skip
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
# A weekday, in full or short ("fri", "thurs"); short names that are also words ("sun", "sat",
# "wed", "mon") count only after a lead-in or "this/next" (see `find_date`).
_SHORT_DAYS = "mon|tues|tue|wed|thurs|thur|thu|fri|sat|sun"
_WD = "|".join(WEEKDAYS) + "|" + _SHORT_DAYS
_WORD_LIKE_DAYS = frozenset({"mon", "wed", "sat", "sun"})
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "a couple of": 2, "a few": 3, "couple of": 2, "few": 3,
}  # fmt: skip
_NUM = (
    r"(?:\d+|a couple of|a few|couple of|few|an?|one|two|three|four|five|six|seven|eight|nine"
    r"|ten|eleven|twelve)"
)
_UNIT = r"(?:minute|hour|day|week|month|year)"
_ORDINAL_TEXT = """first second third fourth fifth sixth seventh eighth ninth tenth eleventh
    twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"""
_ORDINAL_WORDS = _ORDINAL_TEXT.split()
_ORDINAL_WORDS += [f"twenty-{w}" for w in _ORDINAL_WORDS[:9]] + ["thirtieth", "thirty-first"]
_DAY_WORD = "|".join(sorted(_ORDINAL_WORDS, key=len, reverse=True))
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
_ORD = r"(?P<day>\d{1,2})(?:st|nd|rd|th)"
END_OF_DAY = time(23, 59, 59)

Resolver = Callable[[re.Match[str], datetime], datetime | None]


def _today(now: datetime) -> datetime:
    return datetime.combine(now.date(), END_OF_DAY)


def _number(text: str) -> int:
    return int(text) if text.isdigit() else NUMBER_WORDS[text]


def _weekday(m: re.Match[str], now: datetime) -> datetime:
    index = next(i for i, name in enumerate(WEEKDAYS) if name[:2] == m["wd"][:2])
    day = relativedelta(weekday=index)
    if m["which"] == "next":  # in next calendar week: from next Monday on
        return _today(now) + relativedelta(days=+1, weekday=MO) + day
    return _today(now) + day


def _weekend(m: re.Match[str], now: datetime) -> datetime:
    sunday = _today(now) + relativedelta(weekday=SU)
    return sunday + relativedelta(weeks=+1) if m["which"] == "next" else sunday


def _end_of(m: re.Match[str], now: datetime) -> datetime:
    shift = relativedelta(**{m["unit"] + "s": +1}) if m["which"] == "next" else relativedelta()
    base = _today(now) + shift
    if m["unit"] == "week":
        return base + relativedelta(weekday=SU)
    if m["unit"] == "month":
        return base + relativedelta(day=31)
    return base + relativedelta(month=12, day=31)


def _relative(m: re.Match[str], now: datetime) -> datetime:
    unit, n = m["unit"], m["n"]
    if unit == "minute" or unit == "hour":  # an exact time, to the minute
        minutes = 30 if n.startswith("half") else _number(n) * (60 if unit == "hour" else 1)
        return now.replace(second=0, microsecond=0) + relativedelta(minutes=minutes)
    return _today(now) + relativedelta(**{unit + "s": 1 if n.startswith("half") else _number(n)})


def _next_occurrence(now: datetime, **rule: int) -> datetime | None:
    """The first day ≥ today matching an rrule (e.g. bymonthday=8), within eight years."""
    start = datetime.combine(now.date(), END_OF_DAY)
    freq = YEARLY if "bymonth" in rule else MONTHLY
    found = rrule(freq, dtstart=start, until=start + relativedelta(years=8), **rule)
    return next(iter(found), None)


def _day_of_month(m: re.Match[str], now: datetime) -> datetime | None:
    digits = m["day"].rstrip("stndrh")
    day = int(digits) if digits.isdigit() else _ORDINAL_WORDS.index(m["day"]) + 1
    return _next_occurrence(now, bymonthday=day) if 1 <= day <= 31 else None


def _next_month_day(m: re.Match[str], now: datetime) -> datetime | None:
    first = now + relativedelta(months=+1, day=1)
    return _day_of_month(m, first)


def _month_day(m: re.Match[str], now: datetime) -> datetime | None:
    month, day = _MONTHS.index(m["mon"][:3]) + 1, int(m["day"])
    if m["year"]:
        try:
            return datetime(int(m["year"]), month, day, 23, 59, 59)
        except ValueError:
            return None
    return _next_occurrence(now, bymonth=month, bymonthday=day) if 1 <= day <= 31 else None


def _numeric(m: re.Match[str], now: datetime) -> datetime | None:
    """ISO 2024-12-01 or US 12/1(/2024); without a year, the next such date."""
    try:
        when = dateutil_parser.parse(m[0], default=_today(now), dayfirst=False, yearfirst=True)
    except (ValueError, OverflowError):
        return None
    if "/" in m[0] and m[0].count("/") == 1 and when < _today(now):
        when += relativedelta(years=+1)
    return datetime.combine(when.date(), END_OF_DAY)


def _plus_days(days: int) -> Resolver:
    return lambda m, now: _today(now) + relativedelta(days=days)


def _plus_one(m: re.Match[str], now: datetime) -> datetime:
    return _today(now) + relativedelta(**{m["unit"] + "s": +1})


# The date forms: (pattern of the phrase, how to resolve it). Patterns see lower-case text with
# single spaces; group names are the resolvers' inputs.
FORMS: tuple[tuple[str, Resolver], ...] = (
    (r"(?:the )?day after tomorrow", _plus_days(2)),
    (r"today|tonight|this evening|eod|(?:the )?end of (?:the )?day(?: today)?", _plus_days(0)),
    (r"tomorrow|tomorow|tomrrow|tmrw|tmr", _plus_days(1)),
    (rf"(?:(?P<which>this|next|coming) )?(?P<wd>{_WD})", _weekday),
    (r"(?:(?P<which>this|next|the) )?weekend", _weekend),
    (r"(?:the )?end of (?:(?P<which>the|this|next) )?(?P<unit>week|month|year)", _end_of),
    (r"next (?P<unit>week|month|year)", _plus_one),
    (rf"(?:in|within) (?P<n>{_NUM}|half an?) (?P<unit>{_UNIT})s?", _relative),
    (rf"(?P<n>{_NUM}) (?P<unit>{_UNIT})s? from now", _relative),
    (rf"(?:the )?(?P<day>\d{{1,2}}(?:st|nd|rd|th)?|{_DAY_WORD}) of next month", _next_month_day),
    (rf"(?P<mon>{_MONTH})\.? {_DAY}(?:,? {_YEAR})?", _month_day),
    (rf"(?:the )?{_DAY} (?:of )?(?P<mon>{_MONTH})(?:,? {_YEAR})?", _month_day),
    (rf"(?:the )?{_ORD}(?: of (?:the|this) month)?", _day_of_month),
    (rf"the (?P<day>{_DAY_WORD})(?: of (?:the|this) month)?", _day_of_month),
    (r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}(?:/\d{2,4})?", _numeric),
)


def _unnamed(pattern: str) -> str:
    return re.sub(r"\(\?P<\w+>", "(?:", pattern)


_CORE = "|".join(f"(?:{_unnamed(p)})" for p, _ in FORMS).replace(" ", r"\s+")
_LEAD = r"by|on|before|until|till|due(?:\s+(?:on|by))?|no\s+later\s+than|for|at|from"
# An optional lead-in ("by", "due on", ...) is part of the phrase so it is cut from the task text.
DATE_RE = re.compile(
    rf"(?:\b(?P<lead>{_LEAD})\s+)?\b(?P<core>{_CORE})\b(?!'s)(?!\s*(?:am|pm)\b)", re.IGNORECASE
)
_COMPILED = tuple((re.compile(p), resolve) for p, resolve in FORMS)
# A time zone written after a clock time ("3pm EST", "15:00 UTC+2", "9am PT"): cut from the task
# with the time. The time is kept as written, not converted: deadlines are naive local times (as
# the tutorial stores them) and the user's own zone is unknown, so any conversion would be a guess.
# Two-letter zones count only in capitals ("the 3pm pt session" is physical therapy); a bare
# offset only with "+" ("10:00-11:00" is a range).
_ZONE = (
    r"(?:(?:utc|gmt)(?:\s*[+-]\d{1,2}(?::?\d{2})?)?|[ecmp][sd]t|ak[sd]t|hst|bst|ist|jst|kst|hkt"
    r"|sgt|msk|wet|west|eet|eest|cet|cest|ae[sd]t|ac[sd]t|awst|nz[sd]t|(?-i:[ECMP]T)|\+\d{2}:?\d{2})"
)
TIME_RE = re.compile(
    r"(?:\b(?:at|by|before|around|@)\s+)?\b(?P<clock>\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)"
    rf"|(?<![\d/-])\d{{1,2}}:\d{{2}}(?![\d:])|noon|midday|midnight)(?:\s*{_ZONE})?(?=\W|$)",
    re.IGNORECASE,
)
_ORDINAL_RE = re.compile(rf"(?:the\s+)?(?:\d+(?:st|nd|rd|th)|{_DAY_WORD})", re.IGNORECASE)
_WORD_AFTER_RE = re.compile(r"\s+(?!(?:at|and|or|so|then|please|instead|too|as|by)\b)[a-z]", re.I)
_CLOCK_WORDS = {
    "noon": "12:00", "midday": "12:00", "midnight": "23:59:59",
    "morning": "9:00", "afternoon": "15:00", "evening": "18:00", "night": "20:00",
}  # fmt: skip
_PART_OF_DAY_RE = re.compile(r"\s+(?:in the\s+)?(?P<clock>morning|afternoon|evening|night)\b", re.I)
# A day word that can name a thing ("the friday meeting", "the weekend trip"), and the words that,
# following it, still say when rather than what ("friday afternoon", "monday about the budget").
_DAY_NAME_RE = re.compile(rf"(?:the\s+)?(?:weekend|{_WD})", re.IGNORECASE)
_WHEN_TEXT = """morning afternoon evening night noon midnight at by before after around until till
    to for from in on with without about re regarding and or but so then please pls instead too as
    if when latest eod cob asap sharp first this next week is are will would should"""
_WHEN_WORDS = frozenset(_WHEN_TEXT.split())
_NEXT_WORD_RE = re.compile(r"\s+(?P<word>[a-z]+)\b", re.IGNORECASE)
_WORD_BEFORE_RE = re.compile(r"[a-z']+\s+$", re.IGNORECASE)


def _names_a_thing(m: re.Match[str], text: str) -> bool:
    """Is a day word an adjective of the task ("Plan the weekend trip", "Prep monday standup
    notes") rather than its deadline? Then it stays in the task and sets no deadline.

    Why no deadline: the word says *which* trip or meeting, not when the task is due. A deadline
    read from it would be a guess, and often a wrong one ("weekend" resolves to Sunday, after the
    trip has begun; "the friday meeting" may be a weekly one), and a wrong deadline is trusted
    silently while a missing one is plain to see and easy to add ("do it by Thursday").
    It is an adjective when it has a word before it (a task's first word is when: "Saturday
    brunch with Amy"), no lead-in ("by Friday"), no "this/next" ("this weekend") and is followed
    by a word that says what, not when ("friday afternoon", "monday at 9", "friday about …").
    """
    if m["lead"] or not _DAY_NAME_RE.fullmatch(m["core"]):
        return False
    if not _WORD_BEFORE_RE.search(text, 0, m.start()):
        return False
    after = _NEXT_WORD_RE.match(text, m.end())
    if after is None or after["word"].lower() in _WHEN_WORDS:
        return False
    rest = text[after.start("word") :]
    return not (DATE_RE.match(rest) or TIME_RE.match(rest))


@dataclass(frozen=True)
class DatePhrase:
    """A deadline found in text: the spans to cut out, and the resolved deadline."""

    spans: tuple[tuple[int, int], ...]
    deadline: datetime
    timed: bool  # a time of day was given (else the deadline is the end of the day)
    has_day: bool = True  # False for a bare clock time ("at 5pm"): today or tomorrow

    @property
    def start(self) -> int:
        return min(s for s, _ in self.spans)

    def cut(self, text: str) -> str:
        """`text` without the date and time phrases."""
        for start, end in sorted(self.spans, reverse=True):
            text = text[:start] + " " + text[end:]
        return re.sub(r"\s+", " ", text).strip()


def resolve_date(core: str, now: datetime) -> datetime | None:
    """One date expression (without "by"/"on") → deadline (end of day unless exact), or None
    (also for a date past year 9999: "in 10000 years")."""
    phrase = " ".join(core.lower().split())
    for pattern, resolve in _COMPILED:
        m = pattern.fullmatch(phrase)
        if m:
            try:
                return resolve(m, now)
            except (ValueError, OverflowError):
                return None
    return None


_SHIFT_RE = re.compile(rf"(?:by\s+)?(?P<n>{_NUM})\s+(?P<unit>{_UNIT})s?", re.IGNORECASE)


def parse_shift(text: str) -> relativedelta | None:
    """An amount of time to move a deadline by: "a week", "by 2 days", "three hours"."""
    m = _SHIFT_RE.fullmatch(" ".join(text.lower().split()))
    return relativedelta(**{m["unit"] + "s": _number(m["n"])}) if m else None


def _clock(text: str, day: datetime) -> datetime | None:
    spoken = _CLOCK_WORDS.get(text.lower(), text.replace(".", ""))
    try:
        return dateutil_parser.parse(spoken, default=day.replace(hour=0, minute=0, second=0))
    except (ValueError, OverflowError):
        return None


@lru_cache(maxsize=4096)
def find_date(text: str, now: datetime) -> DatePhrase | None:
    """The first resolvable date phrase in `text` and a clock time beside it, if any (cached:
    a message is read by the model, then by the graph's update node)."""
    date: tuple[re.Match[str], datetime] | None = None
    for m in DATE_RE.finditer(text):
        if _ORDINAL_RE.fullmatch(m["core"]) and (
            _WORD_AFTER_RE.match(text, m.end()) or not (m["lead"] or m["core"][0] in "tT")
        ):
            continue  # "the 5th lesson", "lesson 5th" are no dates; "on 8th", "the 8th" are
        if not m["lead"] and m["core"].lower() in _WORD_LIKE_DAYS and m.span() != (0, len(text)):
            continue  # "sun cream", "sat nav"; "by sat", "this sun" and a bare "sat" are days
        if _names_a_thing(m, text):
            continue  # "the weekend trip": which trip, not when
        deadline = resolve_date(m["core"], now)
        if deadline is not None:
            date = (m, deadline)
            break
    clock = TIME_RE.search(text)
    if clock and date and date[0].start() <= clock.start() < date[0].end():
        clock = None
    if date and clock is None:  # "tomorrow morning", "Friday afternoon"
        clock = _PART_OF_DAY_RE.match(text, date[0].end())
    if date is None and clock is None:
        return None
    if date is not None and (clock is None or date[1].time() != END_OF_DAY):
        return DatePhrase((date[0].span(),), date[1], date[1].time() != END_OF_DAY)
    assert clock is not None
    day = date[1] if date else now
    when = _clock(clock["clock"], day)
    if when is None:
        return DatePhrase((date[0].span(),), date[1], False) if date else None
    if date is None and when <= now:
        when += relativedelta(days=+1)  # "at 9am" at 10:00 means tomorrow
    spans = (clock.span(),) + ((date[0].span(),) if date else ())
    return DatePhrase(spans, when, when.time() != END_OF_DAY, has_day=date is not None)


_DURATION_RE = re.compile(
    rf"(?:\b(?:it\s+)?(?:takes?|taking|will\s+take|'ll\s+take|should\s+take|needs?|about|around)"
    rf"\s+(?:about\s+|around\s+|roughly\s+)?(?P<n1>{_NUM}|half\s+an?|\d+\.\d+)\s*"
    rf"(?P<u1>minutes?|mins?|hours?|hrs?|h)\b"
    rf"|\(\s*(?P<n2>\d+(?:\.\d+)?)\s*(?P<u2>minutes?|mins?|hours?|hrs?|h)\s*\)"
    rf"|\b(?P<n3>\d+)[- ](?P<u3>minute|hour)\s+(?:task|job)\b)",
    re.IGNORECASE,
)


def find_duration(text: str) -> tuple[int, tuple[int, int]] | None:
    """A time estimate ("takes 30 min", "(2 hours)") → (minutes, span); "for 2 weeks" is none."""
    m = _DURATION_RE.search(text)
    if not m:
        return None
    raw = (m["n1"] or m["n2"] or m["n3"]).lower()
    unit = (m["u1"] or m["u2"] or m["u3"]).lower()
    amount = 0.5 if raw.startswith("half") else float(NUMBER_WORDS.get(raw, raw))
    minutes = amount * 60 if unit.startswith("h") else amount
    return round(minutes), m.span()


def _clock_text(when: datetime) -> str:
    hour = when.hour % 12 or 12
    minutes = f":{when.minute:02d}" if when.minute else ""
    return f"{hour}{minutes}{'am' if when.hour < 12 else 'pm'}"


def describe_day(deadline: datetime | str, now: datetime) -> str:
    """Human wording for a deadline: "today", "tomorrow at 5pm", or "Friday, November 15"."""
    if isinstance(deadline, str):  # a bare date ("2024-11-17", as in plans) is a whole day
        deadline = datetime.fromisoformat(deadline if "T" in deadline else f"{deadline}T23:59:59")
    when = deadline
    days = (when.date() - now.date()).days
    day = {0: "today", 1: "tomorrow"}.get(days, f"{when:%A}, {when:%B} {when.day}")
    return day if when.time() == END_OF_DAY else f"{day} at {_clock_text(when)}"


def deadline_text(deadline: datetime) -> str:
    """ISO text a ToDo stores: seconds kept, no timezone (the tutorial's format)."""
    return deadline.replace(microsecond=0, tzinfo=None).isoformat()
