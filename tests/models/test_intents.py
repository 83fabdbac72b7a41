"""The phrasing table's template language and its matcher."""

from __future__ import annotations

import re

import pytest

from engine.models import intents
from engine.models.intents import CHANGES, SEARCHES, WORDS, compile_template, normalize


def _fits(template: str, text: str) -> list[dict[str, str]]:
    return list(intents._fits(template, text))


def test_template_syntax():
    # choices, multi-word choices, optional words, slots; case-insensitive, case kept in slots
    assert _fits("mark {ref} as? done|finished", "Mark Call Mom done") == [{"ref": "Call Mom"}]
    assert _fits("get_rid_of {ref}", "get rid of the milk") == [{"ref": "the milk"}]
    assert _fits("mark {ref} as? done", "mark milk as finished") == []
    assert _fits("<delete> {ref}", "scrap the milk") == [{"ref": "the milk"}]


def test_every_split_of_two_slots_is_offered():
    found = _fits("rename {ref} to {new}", "rename a to b to c")
    assert found == [{"ref": "a", "new": "b to c"}, {"ref": "a to b", "new": "c"}]


def test_longer_choices_win_over_their_prefixes():
    found = _fits("{ref} should_be|should_be_called {new}", "the passport should be called X")
    assert found[0] == {"ref": "the passport", "new": "X"}


def test_the_table_compiles_and_names_only_known_word_groups():
    lines = [ln for t in CHANGES.values() for ln in t.strip().splitlines()]
    lines += SEARCHES.strip().splitlines()
    assert len(lines) > 50
    for line in lines:
        assert set(re.findall(r"<(\w+)>", line)) <= set(WORDS), line
        compile_template(line.strip().removeprefix("!"))


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("clear all completed tasks", "clear_done"),
        ("delete everything", "clear_all"),
        ("mark milk as not done", "reopen"),
        ("mark milk as done", "complete"),
        ("set Denver flights to in progress", "start"),
        ("Cancel the laundry reminder", "delete"),
        ("The dentist got moved to the 8th", "reschedule"),
        ("Rename the Denver task to Book flights to Boston", "rename"),
    ],
)
def test_first_reading(text, intent):
    assert intents.change_readings(normalize(text))[0].intent == intent


def test_normalize_drops_politeness_and_list_tails():
    assert normalize("Could you please delete the milk from my list, thanks!") == "delete the milk"
    assert normalize("Is milk on my list?", tail=False) == "Is milk on my list"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("how many are left", "count"),
        ("what's overdue", "overdue"),
        ("what am I working on", "in_progress"),
        ("what have I finished", "done"),
        ("what should I do first", "next"),
        ("what's on my list", "summary"),
    ],
)
def test_question_kinds(text, kind):
    assert intents.question_kind(text) == kind


def test_a_clause_too_long_to_be_a_change_has_no_change_reading():
    """A pasted wall of "x to y to …" is no "move"/"rename": each " to " would be one more
    reading to compile and try, on the server's event loop."""
    short = normalize("move buy milk to friday")
    assert intents.change_readings(short)[0].intent == "reschedule"
    wall = normalize("move buy milk " + " ".join(f"to step {i}" for i in range(60)) + " to friday")
    assert len(wall) > intents.CHANGE_MAX_CHARS
    assert intents.change_readings(wall) == ()
