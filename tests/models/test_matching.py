"""Which todo a phrase names: shared content words, numbers as distinguishing words."""

from __future__ import annotations

from engine.models.matching import mentions, resolve, same_task, tokens

TODOS = [
    ("k1", {"task": "Read chapter one"}),
    ("k2", {"task": "Book flights to Denver"}),
    ("k3", {"task": "Book hotel in Boston"}),
    ("k4", {"task": "Mount dresser to the wall"}),
    ("k5", {"task": "Call mom"}),
    ("k6", {"task": "Call the bank"}),
]


def _keys(ref: str) -> list[str]:
    return [key for key, _ in resolve(ref, TODOS)]


def test_numbers_distinguish_and_are_normalized():
    assert tokens("chapter two") == tokens("Chapter 2") == tokens("the 2nd chapter")
    assert _keys("chapter two") == []
    assert _keys("chapter 1") == _keys("the first chapter") == ["k1"]
    assert not same_task("read chapter two", "Read chapter one")
    assert same_task("read chapter 1", "Read chapter one")


def test_one_word_reference_finds_its_todo():
    assert _keys("the Denver task") == ["k2"]
    assert _keys("the Denver flights") == ["k2"]
    assert _keys("mounting the dresser") == ["k4"]  # stems: mounting → mount
    assert _keys("the dresser one") == ["k4"]  # "one" only matters against another number


def test_a_tie_is_ambiguous_and_nothing_shared_is_none():
    assert _keys("the call") == ["k5", "k6"]
    assert _keys("book") == ["k2", "k3"]
    assert _keys("groceries") == []
    assert _keys("it") == []


def test_search_mentions_any_word_but_respects_numbers():
    assert [k for k, _ in mentions("Denver", TODOS)] == ["k2"]
    assert [k for k, _ in mentions("booking", TODOS)] == ["k2", "k3"]
    assert mentions("chapter two", TODOS) == []


def test_words_in_any_script_and_emoji_are_content():
    assert tokens("buy 🥛") == {"buy", "🥛"} and tokens("买牛奶") == {"买牛奶"}
    assert not same_task("buy 🍞", "Buy 🥛") and not same_task("买面包", "买牛奶")
    assert tokens("Call José") == {"call", "josé"} and tokens("foo_bar") == {"foo", "bar"}


def test_a_duplicate_says_nothing_new_and_most_of_the_old():
    # the same words, give or take stop words, stems and order
    assert same_task("buy some milk", "Buy milk") and same_task("Call my mom", "Call mom")
    assert same_task("book Denver flights", "Book flights to Denver")
    # most of an existing task, nothing more: already covered
    assert same_task("book flights", "Book flights to Denver")
    assert same_task("buy milk", "Buy milk and eggs")
    # one word of a longer task is no duplicate of it
    assert not same_task("buy", "Buy milk") and not same_task("milk", "Buy milk")
    assert not same_task("call", "Call mom")
    # a new word is something the old task does not say
    assert not same_task("buy milk and eggs", "Buy milk")
    assert not same_task("call mom about Thanksgiving", "Call mom")
    assert not same_task("buy oat milk", "Buy milk")
