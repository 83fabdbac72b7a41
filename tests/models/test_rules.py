"""The pure intent rules: classification, todo planning, profile facts, replies."""

from __future__ import annotations

from datetime import datetime

import pytest

from engine.models.matching import resolve
from engine.models.planner import plan_todo_changes
from engine.models.profile import parse_profile
from engine.models.replies import (
    answer_question,
    parse_prompt_todos,
    reply_after_tool,
    summary_reply,
)
from engine.models.rules import Context, route

WED = datetime(2024, 11, 13, 10, 0)
EXISTING = [
    ("k1", {"task": "Call to make appointment at Yoga"}),
    ("k2", {"task": "Mount dresser to the wall"}),
    ("k3", {"task": "Get cash and pay nanny for 2 weeks", "deadline": "2024-11-15T23:59:59"}),
]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Add a ToDo to follow-up with DI Repairs.", "todo"),
        ("Add a ToDo to mount dresser to the wall.", "todo"),
        ("Send Erik his t-shirt gift this weekend.", "todo"),
        ("Get cash and pay nanny for 2 weeks. Do this by Friday.", "todo"),
        ("Give me a summary of my ToDos due tomrrow.", "question"),
        ("Never mind, create a ToDo to Order Ham for Thanksgiving by next Friday.", "todo"),
        ("Add a ToDo to call to make appointment at Yoga.", "todo"),
        ("Actually, add a ToDo to drop by Yoga in person on Sunday.", "todo"),
        ("what's on my list?", "question"),
        ("My name is Lance", "user"),
        ("I live in San Francisco", "user"),
        ("I work as a nurse", "user"),
        ("When adding todos, always include a local business", "instructions"),
        ("hi", "chat"),
        ("thanks!", "chat"),
        ("mark the dresser one as done", "todo"),
    ],
)
def test_route(text, intent):
    assert route(text, WED) == intent


def _ops(text, existing=()):
    return [(op.kind, op.key, op.fields) for op in plan_todo_changes(text, list(existing), WED)]


def test_plan_creates_with_deadline_and_estimate():
    assert _ops("Buy milk tomorrow, takes 10 minutes") == [
        (
            "create",
            None,
            {"task": "Buy milk", "deadline": "2024-11-14T23:59:59", "time_to_complete": 10},
        )
    ]
    assert _ops("Get cash and pay nanny for 2 weeks. Do this by Friday.") == [
        (
            "create",
            None,
            {"task": "Get cash and pay nanny for 2 weeks", "deadline": "2024-11-15T23:59:59"},
        )
    ]


def test_plan_several_items():
    ops = _ops("Add these todos: buy milk, call mom and book the dentist")
    assert [f["task"] for _, _, f in ops] == ["Buy milk", "Call mom", "Book the dentist"]
    assert len(_ops("Add a ToDo to buy stamps.\nAdd a ToDo to wash the car on Sunday")) == 2


def test_plan_patches_instead_of_duplicating():
    assert _ops("Add a ToDo to mount dresser to the wall by Friday", EXISTING) == [
        ("update", "k2", {"deadline": "2024-11-15T23:59:59"})
    ]
    assert _ops("Get cash and pay nanny for 2 weeks. Do this by Friday.", EXISTING) == [
        ("unchanged", "k3", {})
    ]
    assert _ops("Actually, add a ToDo to drop by Yoga in person on Sunday.", EXISTING) == [
        ("update", "k1", {"task": "Drop by Yoga in person", "deadline": "2024-11-17T23:59:59"})
    ]
    # Without a correction word, one shared word is not enough to call it the same task.
    assert _ops("Add a ToDo to buy a yoga mat", EXISTING)[0][0] == "create"


def test_plan_done_delete_reschedule():
    assert _ops("I finished mounting the dresser", EXISTING) == [
        ("update", "k2", {"status": "done"})
    ]
    assert _ops("delete the yoga todo", EXISTING) == [("delete", "k1", {})]
    (note,) = plan_todo_changes("delete the dentist todo", EXISTING, WED)
    assert (note.kind, note.plan) == ("note", 'I couldn\'t find "dentist" on your ToDo list.')
    assert _ops("change the deadline of the nanny task to Nov 30", EXISTING) == [
        ("update", "k3", {"deadline": "2024-11-30T23:59:59"})
    ]
    assert _ops("Move the yoga appointment to next Friday", EXISTING) == [
        ("update", "k1", {"deadline": "2024-11-22T23:59:59"})
    ]


def test_resolve_todo():
    assert [key for key, _ in resolve("the dresser", EXISTING)] == ["k2"]
    assert resolve("groceries", EXISTING) == []


def test_parse_profile():
    assert parse_profile("My name is Lance and I live in San Francisco") == {
        "name": "Lance",
        "location": "San Francisco",
    }
    assert parse_profile("I'm a nurse and I love hiking and jazz") == {
        "job": "nurse",
        "interests": ["hiking", "jazz"],
    }
    assert parse_profile("my wife is called Jane") == {"connections": ["Jane (wife)"]}
    # typed in lower case: still a name (title-cased), but not a word such as "not" or "back"
    assert parse_profile("my name is lance and i live in paris") == {
        "name": "Lance",
        "location": "paris",
    }
    assert parse_profile("my name's Lance Martin") == {"name": "Lance Martin"}
    assert parse_profile("my name is not important") == {}
    assert parse_profile("call me back tomorrow") == {}


def test_replies_from_tool_messages():
    new = "New ToDo created:\nContent: {'task': 'A', 'deadline': '2024-11-15T23:59:59'}"
    assert reply_after_tool([new], "", WED) == (
        'I\'ve added "A" (due Friday, November 15) to your ToDo list.'
    )
    upd = 'Document k updated:\nPlan: Marked "B" as done.\nAdded content: done'
    assert reply_after_tool([f"{new}\n\n{upd}"], "", WED) == (
        'I\'ve added "A" (due Friday, November 15) to your ToDo list. I\'ve marked "B" as done.'
    )
    assert reply_after_tool([""], "", WED).startswith("I couldn't find")
    assert reply_after_tool(["Cancelled: x"], "", WED).startswith("That update was cancelled")


def test_summary_from_prompt_todos():
    prompt = (
        "<todo>\n{'task': 'A', 'deadline': '2024-11-14T23:59:59', 'status': 'not started'}\n"
        "{'task': 'B', 'deadline': None, 'status': 'done'}\n</todo>"
    )
    todos = parse_prompt_todos(prompt)
    assert [t["task"] for t in todos] == ["A", "B"]
    assert summary_reply("summary of my todos due tomrrow", todos, WED) == (
        "Here's what's due tomorrow (Thursday, November 14):\n- \"A\""
    )
    assert summary_reply("what's on my list", todos, WED).startswith("You have 1 item")


def _tasks(text, existing=()):
    return [op.fields.get("task") for op in plan_todo_changes(text, list(existing), WED)]


@pytest.mark.parametrize(
    ("text", "task"),
    [
        ("Add a todo: book the dentist", "Book the dentist"),
        ("add a todo book the dentist", "Book the dentist"),
        ("todo: book the dentist", "Book the dentist"),
        ("Todo book the dentist", "Book the dentist"),
        ("Add: book the dentist", "Book the dentist"),
        ("add book the dentist", "Book the dentist"),
        ("remind me to book the dentist", "Book the dentist"),
        ("Remind me: book the dentist", "Book the dentist"),
        ("create a todo to book the dentist", "Book the dentist"),
        ("Please add a task - book the dentist", "Book the dentist"),
        # "make"/"schedule" are only a command when a todo word follows.
        ("Make dinner reservations for Saturday", "Make dinner reservations"),
        ("make a todo to book the dentist", "Book the dentist"),
    ],
)
def test_add_prefixes_are_not_part_of_the_task(text, task):
    assert _tasks(text) == [task]


@pytest.mark.parametrize(
    ("text", "task"),
    [
        ("No wait, I need to buy a bike", "Buy a bike"),
        ("I also need to update audioUX", "Update audioUX"),
        ("Oh, and also call mom", "Call mom"),
        ("Actually, call the bank", "Call the bank"),
        ("Never mind, water the plants", "Water the plants"),
        ("Also pick up the dry cleaning", "Pick up the dry cleaning"),
        ("I need to renew my passport", "Renew my passport"),
        ("I have to file taxes", "File taxes"),
        ("I should call grandma", "Call grandma"),
        ("I've got to fix the sink", "Fix the sink"),
        ("don't forget to water the plants", "Water the plants"),
        ("Oh and don't forget to feed the cat", "Feed the cat"),
    ],
)
def test_lead_in_words_are_not_part_of_the_task(text, task):
    assert _tasks(text) == [task]


@pytest.mark.parametrize(
    ("text", "tasks"),
    [
        ("re-film Module 6, lesson 5", ["Re-film Module 6, lesson 5"]),
        ("Add a todo: re-film Module 6, lesson 5", ["Re-film Module 6, lesson 5"]),
        (
            "Add todos: re-film Module 6, lesson 5; call mom",
            ["Re-film Module 6, lesson 5", "Call mom"],
        ),
        (
            "Write the report, section 3 and the appendix",
            ["Write the report, section 3 and the appendix"],
        ),
        ("buy milk, call mom and pay rent", ["Buy milk", "Call mom", "Pay rent"]),
        ("Add todos: buy milk; call mom; pay rent", ["Buy milk", "Call mom", "Pay rent"]),
        ("Add todos: X; Y; Z", ["X", "Y", "Z"]),
        ("Get cash and pay nanny for 2 weeks", ["Get cash and pay nanny for 2 weeks"]),
        ("Buy milk and eggs", ["Buy milk and eggs"]),
        ("Buy milk, eggs and bread", ["Buy milk, eggs and bread"]),
        ("Email Sarah, Tom and Bob about the party", ["Email Sarah, Tom and Bob about the party"]),
        ("Buy milk tomorrow, takes 10 minutes", ["Buy milk"]),
        ("Add these todos: buy milk and eggs, call mom", ["Buy milk and eggs", "Call mom"]),
    ],
)
def test_split_only_real_lists(text, tasks):
    assert _tasks(text) == tasks


@pytest.mark.parametrize(
    "text",
    [
        "What do I have to do?",
        "what do I need to do today?",
        "anything due this week?",
        "show me my todos",
        "what's next?",
        "What should I do next?",
        "Do I have anything due today?",
        "Is there anything left to do?",
        "what's on my plate this week?",
    ],
)
def test_questions_about_the_list_are_summaries(text):
    assert route(text, WED) == "question"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Can you add a todo to buy milk?", "todo"),
        ("I need to do the laundry", "todo"),
        ("No wait, I need to buy a bike", "todo"),
    ],
)
def test_requests_phrased_like_questions_still_add(text, intent):
    assert route(text, WED) == intent


TODOS = [
    {"task": "Pay rent", "deadline": "2024-11-13T23:59:59", "status": "not started"},
    {"task": "Renew passport", "deadline": "2024-11-12T23:59:59", "status": "not started"},
    {"task": "Call mom", "deadline": "2024-11-16T23:59:59", "status": "not started"},
    {"task": "Book flights", "deadline": "2024-11-20T23:59:59", "status": "not started"},
    {"task": "Read a book", "status": "not started"},
    {"task": "Old thing", "deadline": "2024-11-13T23:59:59", "status": "done"},
]


def test_summary_today_includes_overdue_open_items():
    assert summary_reply("what do I need to do today?", TODOS, WED) == (
        "Here's what's due by today (Wednesday, November 13):\n"
        '- "Pay rent" (due today)\n'
        '- "Renew passport" (due Tuesday, November 12)'
    )


def test_summary_this_week_and_next():
    reply = summary_reply("anything due this week?", TODOS, WED)
    assert reply.startswith("Here's what's due this week (by Sunday, November 17):")
    assert "Call mom" in reply and "Pay rent" in reply
    assert "Book flights" not in reply and "Read a book" not in reply
    assert "Old thing" not in reply
    reply = summary_reply("anything due next week?", TODOS, WED)
    assert reply == (
        "Here's what's due next week (Monday, November 18 to Sunday, November 24):\n"
        '- "Book flights" (due Wednesday, November 20)'
    )


def test_summary_whats_next_picks_the_earliest_open_deadline():
    assert answer_question("what's next?", TODOS, WED) == (
        'Next up: "Renew passport" (due Tuesday, November 12). You have 4 other open items.'
    )
    assert answer_question("what's next?", [], WED).startswith("Your ToDo list is empty")


def test_summary_all_open_items():
    reply = summary_reply("What do I have to do?", TODOS, WED)
    assert reply.startswith("You have 5 items on your ToDo list:")


@pytest.mark.parametrize(
    ("text", "task"),
    [
        ("Add a todo: milk", "Milk"),
        ("Add a ToDo to buy milk and eggs", "Buy milk and eggs"),
        ("Add a todo to call mom about Thanksgiving", "Call mom about Thanksgiving"),
    ],
)
def test_a_task_that_only_overlaps_an_existing_one_is_new(text, task):
    existing = [("k1", {"task": "Buy milk"}), ("k2", {"task": "Call mom"})]
    assert _ops(text, existing) == [("create", None, {"task": task})]


def test_a_real_duplicate_is_not_added_twice():
    existing = [("k1", {"task": "Buy milk"})]
    assert _ops("Add a ToDo to buy some milk", existing) == [("unchanged", "k1", {})]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("I'm called bob", "Bob"),
        ("I am called Bob", "Bob"),
        ("call me bob", "Bob"),
        ("you can call me bob", "Bob"),
        ("Please call me Bob.", "Bob"),
        ("I'm Bob", "Bob"),
        ("Hi, I'm Lance", "Lance"),
        ("I am Lance Martin", "Lance Martin"),
        ("my name is lance", "Lance"),
    ],
)
def test_an_introduction_is_a_profile_fact(text, name):
    assert route(text, WED) == "user"
    assert parse_profile(text)["name"] == name


def test_an_introduction_does_not_finish_a_todo_named_like_it():
    existing = [("k1", {"task": "Call Bob"})]
    assert _ops("I'm called Bob", existing) == []
    assert _ops("I called Bob", existing) == [("update", "k1", {"status": "done"})]


@pytest.mark.parametrize(
    "text", ["I'm tired", "I'm done", "I'm Busy", "call me back tomorrow", "call me later"]
)
def test_not_an_introduction(text):
    assert "name" not in parse_profile(text)
    assert route(text, WED) != "user"


@pytest.mark.parametrize(
    ("text", "task"),
    [
        ("Ask Sam to call me back", "Ask Sam to call me back"),
        ("Pick up the book my boss is reading", "Pick up the book my boss is reading"),
    ],
)
def test_a_task_about_me_is_a_task_not_a_profile_fact(text, task):
    assert route(text, WED) == "todo"
    assert _ops(text) == [("create", None, {"task": task})]


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("Call mom on Sunday instead", {"deadline": "2024-11-17T23:59:59"}),
        ("Add a ToDo to call mom too", {}),
        ("Call mom as well", {}),
    ],
)
def test_a_trailing_instead_or_too_is_no_part_of_the_task(text, fields):
    existing = [("k1", {"task": "Call mom"})]
    assert _ops(text, existing) == [("update" if fields else "unchanged", "k1", fields)]
    assert _ops(text) == [("create", None, {"task": "Call mom", **fields})]


@pytest.mark.parametrize(
    "text",
    [
        "can u add water plants",
        "pls add water plants",
        "plz add a todo to water plants",
        "add a to do to water plants",
        "Add a To Do: water plants",
    ],
)
def test_casual_add_commands_are_not_part_of_the_task(text):
    assert route(text, WED) == "todo"
    assert _ops(text) == [("create", None, {"task": "Water plants"})]


def test_a_short_day_name_reschedules():
    existing = [("k1", {"task": "Call mom"})]
    for text in ("move call mom to sat", "push call mom to Sat"):
        assert _ops(text, existing) == [("update", "k1", {"deadline": "2024-11-16T23:59:59"})]


def test_chinese_yes_and_no_answer_should_i_add():
    asked = Context(proposal="买牛奶")
    assert route("好的", WED, asked) == "todo"
    assert route("算了", WED, asked) == "no"
    assert route("不用了", WED, asked) == "no"
    assert route("算了", WED) == "chat"  # never mind: not a task to propose


@pytest.mark.parametrize(
    ("text", "name"), [("我叫Bob", "Bob"), ("我的名字是Lance", "Lance"), ("我叫小明。", "小明")]
)
def test_a_chinese_introduction_is_a_profile_name(text, name):
    assert route(text, WED) == "user"
    assert parse_profile(text) == {"name": name}


def test_a_chinese_sentence_with_jiao_is_no_name():
    assert "name" not in parse_profile("我叫了外卖")  # "I ordered takeout"
    assert "name" not in parse_profile("叫我起床")  # "wake me up"
