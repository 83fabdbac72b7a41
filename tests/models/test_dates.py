"""Deadline phrases against a fixed clock: Wednesday 2024-11-13."""

from __future__ import annotations

from datetime import datetime

import pytest

from engine.models.dates import describe_day, find_date, find_duration, parse_shift

WED = datetime(2024, 11, 13, 10, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("by Friday", "2024-11-15"),
        ("this weekend", "2024-11-17"),
        ("next weekend", "2024-11-24"),
        ("next Friday", "2024-11-22"),
        ("on Sunday", "2024-11-17"),
        ("tomorrow", "2024-11-14"),
        ("due tomrrow", "2024-11-14"),
        ("today", "2024-11-13"),
        ("by Nov 30th", "2024-11-30"),
        ("on 30 November 2024", "2024-11-30"),
        ("before 2024-12-01", "2024-12-01"),
        ("in 3 days", "2024-11-16"),
        ("next week", "2024-11-20"),
    ],
)
def test_deadlines_are_end_of_day(text, expected):
    found = find_date(f"Do the thing {text}.", WED)
    assert found is not None
    assert found.deadline.isoformat() == f"{expected}T23:59:59"


def test_weekday_rules_on_edge_days():
    friday, sunday = datetime(2024, 11, 15, 9), datetime(2024, 11, 17, 9)
    assert find_date("by Friday", friday).deadline.date().isoformat() == "2024-11-15"
    assert find_date("next Friday", friday).deadline.date().isoformat() == "2024-11-22"
    assert find_date("this weekend", sunday).deadline.date().isoformat() == "2024-11-17"
    assert find_date("next Friday", sunday).deadline.date().isoformat() == "2024-11-22"


def test_not_dates():
    assert find_date("Get cash and pay nanny for 2 weeks", WED) is None
    assert find_date("Order Ham for Thanksgiving", WED) is None
    assert find_date("drop by Yoga in person", WED) is None


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("it takes 30 minutes", 30),
        ("takes 2 hours", 120),
        ("(45 min)", 45),
        ("a 20-minute task", 20),
        ("should take half an hour", 30),
        ("for 2 weeks", None),
    ],
)
def test_durations(text, minutes):
    found = find_duration(text)
    assert (found[0] if found else None) == minutes


def test_describe_day():
    assert describe_day("2024-11-13T23:59:59", WED) == "today"
    assert describe_day("2024-11-14T23:59:59", WED) == "tomorrow"
    assert describe_day("2024-11-22T23:59:59", WED) == "Friday, November 22"


@pytest.mark.parametrize(
    ("text", "task", "deadline"),
    [
        ("I need to re-film lesson 5 by end of day today", "Re-film lesson 5", "2026-11-23"),
        ("Call mom by end of the week", "Call mom", "2026-11-29"),
        ("Finish the report by end of the month", "Finish the report", "2026-11-30"),
    ],
)
def test_end_of_period_deadlines(text: str, task: str, deadline: str) -> None:
    from engine.models.planner import plan_todo_changes

    (op,) = plan_todo_changes(text, [], datetime(2026, 11, 23, 10))  # a Monday
    assert op.fields["task"] == task
    assert op.fields["deadline"] == f"{deadline}T23:59:59"


MON = datetime(2026, 11, 30, 10, 0)  # Monday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("on the 8th", "2026-12-08T23:59:59"),  # the next 8th, not August
        ("by the 30th", "2026-11-30T23:59:59"),  # today is the 30th
        ("the 31st", "2026-12-31T23:59:59"),  # November has no 31st: the next month that does
        ("on the first of the month", "2026-12-01T23:59:59"),
        ("Dec 15", "2026-12-15T23:59:59"),
        ("January 5th", "2027-01-05T23:59:59"),
        ("on Nov 1", "2027-11-01T23:59:59"),  # passed this year: next year's
        ("in 2 hours", "2026-11-30T12:00:00"),
        ("tomorrow at 5pm", "2026-12-01T17:00:00"),
        ("at 5:30 pm on Friday", "2026-12-04T17:30:00"),
        ("at 9am", "2026-12-01T09:00:00"),  # 9am has passed today
        ("by noon", "2026-11-30T12:00:00"),
        ("end of the month", "2026-11-30T23:59:59"),
        ("end of next month", "2026-12-31T23:59:59"),
    ],
)
def test_more_date_forms(text, expected):
    found = find_date(f"Do the thing {text}", MON)
    assert found is not None and found.deadline.isoformat() == expected
    assert found.cut(f"Do the thing {text}") == "Do the thing"


@pytest.mark.parametrize(
    "text",
    [
        "Read the 5th chapter",
        "lesson 5th",
        "Feb 30",
        "at 3",
        "in 10000 years",  # past year 9999: no date, not a ValueError
        "in 99999999999 days",  # not an OverflowError
    ],
)
def test_more_not_dates(text):
    assert find_date(text, MON) is None


def test_shifts_and_times_in_words():
    assert parse_shift("a week") is not None and parse_shift("by 2 days") is not None
    assert parse_shift("a bit") is None
    assert describe_day("2026-12-01T17:00:00", MON) == "tomorrow at 5pm"
    assert describe_day("2026-12-04T15:30:00", MON) == "Friday, December 4 at 3:30pm"
    assert describe_day("2026-12-04", MON) == "Friday, December 4"


@pytest.mark.parametrize(
    ("text", "task"),
    [
        ("Plan the weekend trip", "Plan the weekend trip"),
        ("Prepare for the friday meeting", "Prepare for the friday meeting"),
        ("Prep monday standup notes", "Prep monday standup notes"),
        ("Book our Saturday dinner table", "Book our Saturday dinner table"),
    ],
)
def test_a_day_word_naming_a_thing_stays_in_the_task(text: str, task: str) -> None:
    from engine.models.planner import parse_item

    assert parse_item(text, WED) == {"task": task}


def test_a_day_word_naming_a_thing_leaves_a_real_deadline_to_be_found() -> None:
    found = find_date("Plan the weekend trip by Thursday", WED)
    assert found is not None and found.deadline.isoformat() == "2024-11-14T23:59:59"
    assert found.cut("Plan the weekend trip by Thursday") == "Plan the weekend trip"


@pytest.mark.parametrize(
    ("text", "expected", "rest"),
    [
        ("buy milk by Friday", "2024-11-15T23:59:59", "buy milk"),
        ("finish report this weekend", "2024-11-17T23:59:59", "finish report"),
        ("call mom friday afternoon", "2024-11-15T15:00:00", "call mom"),
        ("email Sam monday about the budget", "2024-11-18T23:59:59", "email Sam about the budget"),
        ("call mom friday before noon", "2024-11-15T12:00:00", "call mom"),
        ("Saturday brunch with Amy", "2024-11-16T23:59:59", "brunch with Amy"),
        ("gym monday at 7am", "2024-11-18T07:00:00", "gym"),
    ],
)
def test_a_day_word_that_says_when_is_still_a_deadline(text: str, expected: str, rest: str) -> None:
    found = find_date(text, WED)
    assert found is not None and found.deadline.isoformat() == expected
    assert found.cut(text) == rest


@pytest.mark.parametrize(
    ("text", "expected", "rest"),
    [
        ("call bob at 3pm EST", "2024-11-13T15:00:00", "call bob"),
        ("call bob at 3pm est tomorrow", "2024-11-14T15:00:00", "call bob"),
        ("call bob at 15:00 UTC", "2024-11-13T15:00:00", "call bob"),
        ("standup at 9:30am PT on friday", "2024-11-15T09:30:00", "standup"),
        ("meeting at 3pm UTC+2 on friday", "2024-11-15T15:00:00", "meeting"),
        ("call bob at 3 pm GMT-05:00", "2024-11-13T15:00:00", "call bob"),
        ("webinar friday at 11am CET with Ana", "2024-11-15T11:00:00", "webinar with Ana"),
    ],
)
def test_a_time_zone_after_a_time_is_cut_and_the_time_kept(
    text: str, expected: str, rest: str
) -> None:
    found = find_date(text, WED)
    assert found is not None and found.deadline.isoformat() == expected
    assert found.cut(text) == rest


def test_zone_letters_not_after_a_time_stay():
    found = find_date("Go to PT at 3pm", WED)
    assert found is not None and found.cut("Go to PT at 3pm") == "Go to PT"
    text = "book the 3pm pt session"  # a two-letter zone counts only in capitals
    assert find_date(text, WED).cut(text) == "book the pt session"


def test_a_time_range_is_not_a_zone_offset():
    text = "workshop 10:00-11:00"
    assert "11:00" in find_date(text, WED).cut(text)  # the range's end is no "-11:00" offset


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("email the landlord by wed", "2024-11-13"),  # today is Wednesday
        ("water plants on fri", "2024-11-15"),
        ("pick up dry cleaning thurs", "2024-11-14"),
        ("pay the gas bill by Tues", "2024-11-19"),
        ("call grandma next mon", "2024-11-18"),
        ("book the cabin until sat", "2024-11-16"),
        ("mow the lawn this Sun", "2024-11-17"),
    ],
)
def test_short_day_names(text: str, expected: str) -> None:
    found = find_date(text, WED)
    assert found is not None and found.deadline.isoformat() == f"{expected}T23:59:59"
    assert not any(word in found.cut(text).lower().split() for word in ("wed", "fri", "sat"))


@pytest.mark.parametrize("text", ["Buy sun cream", "Fix the sat nav", "Plan wed anniversary"])
def test_a_short_day_name_that_is_also_a_word_needs_a_lead_in(text: str) -> None:
    assert find_date(text, WED) is None
