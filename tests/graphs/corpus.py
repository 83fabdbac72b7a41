# ruff: noqa: E501  (a data table: one row a line reads better than wrapped rows)
"""What learners type, and what the todo assistant must do with it (run by test_corpus.py).

A row: the kind of message, the message, the changes it must make to the store, a fragment of
the reply, the todos the user has beforehand (a setup below) and earlier messages in the thread.
Changes are written as: `+ Task @ 2026-12-04 17:00 ~30m` (created; deadline day, time if not end
of day, minutes), `- Task` (deleted), `Task: field=value` (changed); several are joined by "; ".
The clock is Monday 2026-11-30 10:00.
"""

from __future__ import annotations

from typing import Any, NamedTuple

NOW = "2026-11-30T10:00:00"


def _todo(task: str, deadline: str | None = None, status: str = "not started") -> dict[str, Any]:
    return {"task": task, "deadline": deadline, "status": status}


SETUPS: dict[str, list[dict[str, Any]]] = {
    "empty": [],
    "home": [
        _todo("Book flights to Denver", "2026-12-04T23:59:59"),
        _todo("Read chapter one"),
        _todo("Take the laundry out", "2026-11-30T18:00:00"),
        _todo("Call mom", "2026-12-01T23:59:59"),
        _todo("Pay rent", "2026-11-28T23:59:59", "done"),
        _todo("Renew passport", "2026-11-27T23:59:59"),
        _todo("Quit test one"),
        _todo("Write the report", status="in progress"),
        _todo("Buy milk", status="done"),
    ],
    "lookalikes": [
        _todo("Call mom"),
        _todo("Call the bank"),
        _todo("Book flights to Denver"),
        _todo("Book hotel in Denver"),
    ],
}


class Row(NamedTuple):
    kind: str
    message: str
    changes: tuple[str, ...]
    reply: str
    setup: str
    before: tuple[str, ...]


def rows(kind: str, *items: tuple[str, str, str], setup: str = "home", before: str = "") -> list:
    """(message, changes, reply fragment) triples; `before` is one earlier message, if any."""
    return [
        Row(
            kind,
            msg,
            tuple(c.strip() for c in changes.split(";") if c.strip()),
            reply,
            setup,
            (before,) if before else (),
        )
        for msg, changes, reply in items
    ]


# fmt: off
CORPUS: list[Row] = [
    # -- the failures reported in issue 14 ------------------------------------------------------
    *rows(
        "issue",
        (
            "Call the plumber on the 8th",
            "+ Call the plumber @ 2026-12-08",
            'added "Call the plumber" (due Tuesday, December 8)',
        ),
        (
            "My call with mom got moved to the 8th",
            "Call mom: deadline=2026-12-08",
            'set the deadline of "Call mom" to Tuesday, December 8',
        ),
        ("Add a ToDo to read chapter two", "+ Read chapter two", 'added "Read chapter two"'),
        ("Add a ToDo to quit test two", "+ Quit test two", 'added "Quit test two"'),
        (
            "I've started working on the Denver flights",
            "Book flights to Denver: status=in progress",
            'marked "Book flights to Denver" as in progress',
        ),
        (
            "set Denver flights to in progress",
            "Book flights to Denver: status=in progress",
            'marked "Book flights to Denver" as in progress',
        ),
        (
            "clear all completed tasks",
            "- Pay rent; - Buy milk",
            'removed "Pay rent" and "Buy milk" from your ToDo list',
        ),
        (
            "Cancel the laundry reminder",
            "- Take the laundry out",
            'removed "Take the laundry out" from your ToDo list',
        ),
        (
            "Rename the Denver task to Book flights to Boston",
            "Book flights to Denver: task=Book flights to Boston",
            'renamed "Book flights to Denver" to "Book flights to Boston"',
        ),
        ("What's overdue?", "", '1 item overdue:\n- "Renew passport" (due Friday, November 27)'),
        (
            "Do I have anything about Denver?",
            "",
            'Found 1 item about "Denver":\n- "Book flights to Denver" (due Friday, December 4, '
            "not started)",
        ),
    ),
    *rows(
        "issue",
        (
            "Remind me in 2 hours to take the laundry out",
            "+ Take the laundry out @ 2026-11-30 12:00",
            'added "Take the laundry out" (due today at 12pm)',
        ),
        (
            "remind me to call mom tomorrow at 5pm",
            "+ Call mom @ 2026-12-01 17:00",
            'added "Call mom" (due tomorrow at 5pm)',
        ),
        setup="empty",
    ),
    # -- adding one task --------------------------------------------------------------------------
    *rows(
        "add",
        (
            "Add a ToDo to follow-up with DI Repairs.",
            "+ Follow-up with DI Repairs",
            'added "Follow-up with DI Repairs" to your ToDo list',
        ),
        ("add a todo: water the plants", "+ Water the plants", 'added "Water the plants"'),
        ("Remind me to book the dentist", "+ Book the dentist", 'added "Book the dentist"'),
        ("I need to renew my passport", "+ Renew my passport", 'added "Renew my passport"'),
        ("Don't forget to feed the cat", "+ Feed the cat", 'added "Feed the cat"'),
        ("Please add buy stamps to my list", "+ Buy stamps", 'added "Buy stamps"'),
        (
            "Can you add a task to email Sarah about the party?",
            "+ Email Sarah about the party",
            'added "Email Sarah about the party"',
        ),
        (
            "Send Erik his t-shirt gift this weekend.",
            "+ Send Erik his t-shirt gift @ 2026-12-06",
            'added "Send Erik his t-shirt gift" (due Sunday, December 6)',
        ),
        ("Call the bank", "+ Call the bank", 'added "Call the bank"'),
        (
            "Dentist appointment on Friday",
            "+ Dentist appointment @ 2026-12-04",
            'added "Dentist appointment" (due Friday, December 4)',
        ),
        (
            "I have to file taxes, it takes 2 hours",
            "+ File taxes ~120m",
            'added "File taxes" (about 120 minutes)',
        ),
        (
            "Buy a birthday card for Anna (15 min)",
            "+ Buy a birthday card for Anna ~15m",
            'added "Buy a birthday card for Anna" (about 15 minutes)',
        ),
        (
            "Get cash and pay nanny for 2 weeks. Do this by Friday.",
            "+ Get cash and pay nanny for 2 weeks @ 2026-12-04",
            'added "Get cash and pay nanny for 2 weeks" (due Friday, December 4)',
        ),
        (
            "Never mind, create a ToDo to Order Ham for Thanksgiving by next Friday.",
            "+ Order Ham for Thanksgiving @ 2026-12-11",
            'added "Order Ham for Thanksgiving" (due Friday, December 11)',
        ),
        (
            "Make dinner reservations for Saturday",
            "+ Make dinner reservations @ 2026-12-05",
            'added "Make dinner reservations" (due Saturday, December 5)',
        ),
        ("Add a ToDo.", "", "What should I add to your ToDo list?"),
        (
            "Drop off the package at the post office",
            "+ Drop off the package at the post office",
            'added "Drop off the package at the post office"',
        ),
        setup="empty",
    ),
    *rows(
        "add",
        ("Add a todo to buy milk", "+ Buy milk", 'added "Buy milk"'),  # the old one is done
        (
            "Add a ToDo to call mom",
            "",
            '"Call mom" is already on your ToDo list. Nothing to change',
        ),
        (
            "Add a todo to call mom on Wednesday",
            "Call mom: deadline=2026-12-02",
            'set the deadline of "Call mom" to Wednesday, December 2',
        ),
        (
            "Start the diet next Monday",
            "+ Start the diet @ 2026-12-07",
            'added "Start the diet" (due Monday, December 7)',
        ),
        (
            "Cancel the gym membership",
            "+ Cancel the gym membership",
            'added "Cancel the gym membership"',
        ),
        (
            "Actually, add a ToDo to read chapter one by Friday",
            "Read chapter one: deadline=2026-12-04",
            'set the deadline of "Read chapter one" to Friday, December 4',
        ),
    ),
    # -- adding a real list -----------------------------------------------------------------------
    *rows(
        "list",
        (
            "Add these todos: buy eggs, call grandma and book the vet",
            "+ Buy eggs; + Call grandma; + Book the vet",
            'added 3 tasks: "Buy eggs", "Call grandma" and "Book the vet"',
        ),
        (
            "buy bread, call the school and pay the phone bill",
            "+ Buy bread; + Call the school; + Pay the phone bill",
            "added 3 tasks",
        ),
        (
            "Add todos: re-film Module 6, lesson 5; call the printer",
            "+ Re-film Module 6, lesson 5; + Call the printer",
            'added 2 tasks: "Re-film Module 6, lesson 5" and "Call the printer"',
        ),
        (
            "Buy apples, pears and grapes",
            "+ Buy apples, pears and grapes",
            'added "Buy apples, pears and grapes"',
        ),
        ("- wash the car\n- mow the lawn", "+ Wash the car; + Mow the lawn", "added 2 tasks"),
        (
            "Email Sarah, Tom and Bob about the picnic",
            "+ Email Sarah, Tom and Bob about the picnic",
            'added "Email Sarah, Tom and Bob about the picnic"',
        ),
        (
            "Add a ToDo to buy stamps.\nAdd a ToDo to wash the dog on Sunday",
            "+ Buy stamps; + Wash the dog @ 2026-12-06",
            "added 2 tasks",
        ),
        setup="empty",
    ),
    # -- date phrases (clock: Monday 2026-11-30 10:00) --------------------------------------------
    *rows(
        "date",
        (
            "Pay the gas bill by Friday",
            "+ Pay the gas bill @ 2026-12-04",
            "(due Friday, December 4)",
        ),
        (
            "Pay the water bill next Friday",
            "+ Pay the water bill @ 2026-12-11",
            "(due Friday, December 11)",
        ),
        (
            "Clean the garage this weekend",
            "+ Clean the garage @ 2026-12-06",
            "(due Sunday, December 6)",
        ),
        ("Visit grandma next weekend", "+ Visit grandma @ 2026-12-13", "(due Sunday, December 13)"),
        (
            "Renew the car insurance by the 15th",
            "+ Renew the car insurance @ 2026-12-15",
            "(due Tuesday, December 15)",
        ),
        ("Pay the credit card on the 1st", "+ Pay the credit card @ 2026-12-01", "(due tomorrow)"),
        ("Water the plants on the 30th", "+ Water the plants @ 2026-11-30", "(due today)"),
        ("Book the venue by Dec 15", "+ Book the venue @ 2026-12-15", "(due Tuesday, December 15)"),
        (
            "Submit the visa form by January 5th",
            "+ Submit the visa form @ 2027-01-05",
            "(due Tuesday, January 5)",
        ),
        (
            "Send the invoice on 5 Jan",
            "+ Send the invoice @ 2027-01-05",
            "(due Tuesday, January 5)",
        ),
        (
            "Renew the lease by March 3rd, 2027",
            "+ Renew the lease @ 2027-03-03",
            "(due Wednesday, March 3)",
        ),
        (
            "Return the library books in 3 days",
            "+ Return the library books @ 2026-12-03",
            "(due Thursday, December 3)",
        ),
        (
            "Take the cake out in 30 minutes",
            "+ Take the cake out @ 2026-11-30 10:30",
            "(due today at 10:30am)",
        ),
        ("Call the vet in an hour", "+ Call the vet @ 2026-11-30 11:00", "(due today at 11am)"),
        (
            "Finish the slides in a week",
            "+ Finish the slides @ 2026-12-07",
            "(due Monday, December 7)",
        ),
        (
            "File the expense report 2 weeks from now",
            "+ File the expense report @ 2026-12-14",
            "(due Monday, December 14)",
        ),
        (
            "Finish the essay by the end of the month",
            "+ Finish the essay @ 2026-11-30",
            "(due today)",
        ),
        (
            "Clean the fridge by end of the week",
            "+ Clean the fridge @ 2026-12-06",
            "(due Sunday, December 6)",
        ),
        (
            "Plan the party by end of next month",
            "+ Plan the party @ 2026-12-31",
            "(due Thursday, December 31)",
        ),
        (
            "Call the plumber tomorrow at 9am",
            "+ Call the plumber @ 2026-12-01 09:00",
            "(due tomorrow at 9am)",
        ),
        (
            "Pick up the kids at 3:30pm",
            "+ Pick up the kids @ 2026-11-30 15:30",
            "(due today at 3:30pm)",
        ),
        ("Call the doctor at 9am", "+ Call the doctor @ 2026-12-01 09:00", "(due tomorrow at 9am)"),
        (
            "Submit the timesheet by noon",
            "+ Submit the timesheet @ 2026-11-30 12:00",
            "(due today at 12pm)",
        ),
        (
            "Meet Sam on Friday at 3pm",
            "+ Meet Sam @ 2026-12-04 15:00",
            "(due Friday, December 4 at 3pm)",
        ),
        (
            "Join the standup at 17:00",
            "+ Join the standup @ 2026-11-30 17:00",
            "(due today at 5pm)",
        ),
        ("Pay the nanny today", "+ Pay the nanny @ 2026-11-30", "(due today)"),
        ("Book a table for tonight", "+ Book a table @ 2026-11-30", "(due today)"),
        (
            "Buy a gift for Anna by 12/24",
            "+ Buy a gift for Anna @ 2026-12-24",
            "(due Thursday, December 24)",
        ),
        (
            "Mail the package on 2026-12-10",
            "+ Mail the package @ 2026-12-10",
            "(due Thursday, December 10)",
        ),
        (
            "Call the landlord the day after tomorrow",
            "+ Call the landlord @ 2026-12-02",
            "(due Wednesday, December 2)",
        ),
        ("Read the 5th chapter", "+ Read the 5th chapter", 'added "Read the 5th chapter" to'),
        (
            "Schedule a review next month",
            "+ Schedule a review @ 2026-12-30",
            "(due Wednesday, December 30)",
        ),
        ("Buy a new bike next week", "+ Buy a new bike @ 2026-12-07", "(due Monday, December 7)"),
        (
            "Remind me in 2 hours to take out the trash",
            "+ Take out the trash @ 2026-11-30 12:00",
            'added "Take out the trash" (due today at 12pm)',
        ),
        setup="empty",
    ),
    # -- completing -------------------------------------------------------------------------------
    *rows(
        "complete",
        ("Mark call mom as done", "Call mom: status=done", 'marked "Call mom" as done'),
        (
            "I finished the report",
            "Write the report: status=done",
            'marked "Write the report" as done',
        ),
        (
            "check off the laundry",
            "Take the laundry out: status=done",
            'marked "Take the laundry out" as done',
        ),
        (
            "tick off chapter one",
            "Read chapter one: status=done",
            'marked "Read chapter one" as done',
        ),
        ("the passport is done", "Renew passport: status=done", 'marked "Renew passport" as done'),
        (
            "Denver flights done",
            "Book flights to Denver: status=done",
            'marked "Book flights to Denver" as done',
        ),
        ("I'm done with the report", "Write the report: status=done", "as done"),
        ("I called mom, mark it as done", "Call mom: status=done", 'marked "Call mom" as done'),
        (
            "Quit test one is finished",
            "Quit test one: status=done",
            'marked "Quit test one" as done',
        ),
        (
            "mark the laundry and the passport as done",
            "Take the laundry out: status=done; Renew passport: status=done",
            'marked "Take the laundry out" as done. I\'ve marked "Renew passport" as done',
        ),
        ("Mark pay rent as done", "", '"Pay rent" is already done. Nothing to change'),
        ("done with chapter one", "Read chapter one: status=done", 'marked "Read chapter one"'),
        (
            "please mark chapter two as complete",
            "",
            'I couldn\'t find "chapter two" on your ToDo list.',
        ),
    ),
    # -- starting ---------------------------------------------------------------------------------
    *rows(
        "start",
        (
            "I'm working on the passport now",
            "Renew passport: status=in progress",
            'marked "Renew passport" as in progress',
        ),
        (
            "start the laundry",
            "Take the laundry out: status=in progress",
            'marked "Take the laundry out" as in progress',
        ),
        (
            "mark chapter one as in progress",
            "Read chapter one: status=in progress",
            'marked "Read chapter one" as in progress',
        ),
        (
            "I'm starting on the Denver flights",
            "Book flights to Denver: status=in progress",
            "as in progress",
        ),
        ("Begin working on quit test one", "Quit test one: status=in progress", "as in progress"),
        ("the report is in progress", "", '"Write the report" is already in progress.'),
        ("I began calling mom", "Call mom: status=in progress", 'marked "Call mom" as in progress'),
    ),
    # -- reopening --------------------------------------------------------------------------------
    *rows(
        "reopen",
        ("reopen pay rent", "Pay rent: status=not started", 'marked "Pay rent" as not started'),
        ("mark buy milk as not done", "Buy milk: status=not started", 'marked "Buy milk" as not'),
        ("Pay rent isn't done after all", "Pay rent: status=not started", "as not started"),
        ("uncheck the milk", "Buy milk: status=not started", "as not started"),
        ("I didn't finish the rent after all", "Pay rent: status=not started", "as not started"),
        ("mark chapter one as not done", "", '"Read chapter one" is not done yet.'),
    ),
    # -- deleting ---------------------------------------------------------------------------------
    *rows(
        "delete",
        ("delete the passport task", "- Renew passport", 'removed "Renew passport" from your'),
        ("remove chapter one from my list", "- Read chapter one", 'removed "Read chapter one"'),
        (
            "get rid of the Denver flights",
            "- Book flights to Denver",
            'removed "Book flights to Denver"',
        ),
        ("Forget about quit test one", "- Quit test one", 'removed "Quit test one"'),
        ("I don't need to call mom anymore", "- Call mom", 'removed "Call mom"'),
        ("Take the report off my list", "- Write the report", 'removed "Write the report"'),
        ("scrap the milk", "- Buy milk", 'removed "Buy milk"'),
        ("drop the rent", "- Pay rent", 'removed "Pay rent"'),
        ("delete the dentist todo", "", 'I couldn\'t find "dentist" on your ToDo list.'),
        ("delete chapter two", "", 'I couldn\'t find "chapter two" on your ToDo list.'),
        ("Delete milk and rent", "- Buy milk; - Pay rent", 'removed "Buy milk" and "Pay rent"'),
        (
            "The Denver trip is cancelled",
            "- Book flights to Denver",
            'removed "Book flights to Denver"',
        ),
    ),
    # -- renaming ---------------------------------------------------------------------------------
    *rows(
        "rename",
        (
            "Change the name of the laundry task to Fold the laundry",
            "Take the laundry out: task=Fold the laundry",
            'renamed "Take the laundry out" to "Fold the laundry"',
        ),
        (
            "Rename quit test one as Quit smoking test",
            "Quit test one: task=Quit smoking test",
            'renamed "Quit test one" to "Quit smoking test"',
        ),
        (
            "change the report to say Write the quarterly report",
            "Write the report: task=Write the quarterly report",
            'to "Write the quarterly report"',
        ),
        (
            "The passport task should be called Renew passport and visa",
            "Renew passport: task=Renew passport and visa",
            'to "Renew passport and visa"',
        ),
        (
            "rename book flights to denver to book flights to boston",
            "Book flights to Denver: task=Book flights to boston",
            'renamed "Book flights to Denver" to "Book flights to boston"',
        ),
        (
            "rename chapter one to Read chapter one twice",
            "Read chapter one: task=Read chapter one twice",
            'to "Read chapter one twice"',
        ),
    ),
    # -- rescheduling -----------------------------------------------------------------------------
    *rows(
        "reschedule",
        (
            "Move the call with mom to next Friday",
            "Call mom: deadline=2026-12-11",
            'set the deadline of "Call mom" to Friday, December 11',
        ),
        (
            "push the Denver flights to next Monday",
            "Book flights to Denver: deadline=2026-12-07",
            "to Monday, December 7",
        ),
        (
            "Postpone the passport until the 10th",
            "Renew passport: deadline=2026-12-10",
            "to Thursday, December 10",
        ),
        (
            "change the deadline of the report to Dec 15",
            "Write the report: deadline=2026-12-15",
            'set the deadline of "Write the report" to Tuesday, December 15',
        ),
        (
            "The laundry is now due at 8pm",
            "Take the laundry out: deadline=2026-11-30 20:00",
            "to today at 8pm",
        ),
        (
            "Reschedule chapter one for tomorrow",
            "Read chapter one: deadline=2026-12-01",
            "to tomorrow",
        ),
        (
            "Call mom should be done by Thursday",
            "Call mom: deadline=2026-12-03",
            "to Thursday, December 3",
        ),
        ("bump the rent to the 1st", "Pay rent: deadline=2026-12-01", "to tomorrow"),
        ("Move mom to 5pm", "Call mom: deadline=2026-12-01 17:00", "to tomorrow at 5pm"),
        (
            "set the due date for quit test one to January 5th",
            "Quit test one: deadline=2027-01-05",
            "to Tuesday, January 5",
        ),
        (
            "The Denver flights got pushed to the 8th",
            "Book flights to Denver: deadline=2026-12-08",
            "to Tuesday, December 8",
        ),
        ("move the dentist to Friday", "", 'I couldn\'t find "dentist" on your ToDo list.'),
    ),
    # -- clearing ---------------------------------------------------------------------------------
    *rows(
        "clear",
        ("delete all done todos", "- Pay rent; - Buy milk", 'removed "Pay rent" and "Buy milk"'),
        ("remove the finished ones", "- Pay rent; - Buy milk", 'removed "Pay rent" and "Buy milk"'),
        ("clean up my list", "- Pay rent; - Buy milk", 'removed "Pay rent" and "Buy milk"'),
        (
            "clear my list",
            "- Book flights to Denver; - Read chapter one; - Take the laundry out; - Call mom; "
            "- Pay rent; - Renew passport; - Quit test one; - Write the report; - Buy milk",
            'removed "Book flights to Denver", "Read chapter one"',
        ),
        (
            "delete everything",
            "- Book flights to Denver; - Read chapter one; - Take the laundry out; - Call mom; "
            "- Pay rent; - Renew passport; - Quit test one; - Write the report; - Buy milk",
            'and "Buy milk" from your ToDo list.',
        ),
    ),
    *rows(
        "clear",
        ("Clear the done items", "", "There are no finished tasks to clear."),
        ("start over", "", "Your ToDo list is already empty."),
        setup="empty",
    ),
    # -- questions: no change, an answer ----------------------------------------------------------
    *rows(
        "summary",
        (
            "What's on my list?",
            "",
            'You have 7 items on your ToDo list:\n- "Book flights to Denver"',
        ),
        ("show me my todos", "", "You have 7 items on your ToDo list:"),
        ("Give me a summary of my ToDos", "", "You have 7 items on your ToDo list:"),
        ("list my tasks", "", '- "Write the report" (in progress)'),
    ),
    *rows(
        "due",
        (
            "what's due today?",
            "",
            "Here's what's due by today (Monday, November 30):\n"
            '- "Take the laundry out" (due today at 6pm)\n- "Renew passport"',
        ),
        (
            "Give me a summary of my ToDos due tomrrow.",
            "",
            "Here's what's due tomorrow (Tuesday, December 1):\n- \"Call mom\"",
        ),
        (
            "anything due this week?",
            "",
            "Here's what's due this week (by Sunday, December 6):\n- \"Book flights to Denver\"",
        ),
        ("what's due next week?", "", "Nothing on your ToDo list is due next week"),
        ("What do I need to do by Friday?", "", "Here's what's due by Friday, December 4:"),
    ),
    *rows(
        "overdue",
        ("anything overdue?", "", '1 item overdue:\n- "Renew passport"'),
        ("am I behind on anything?", "", "1 item overdue:"),
        ("which tasks are past due?", "", '- "Renew passport" (due Friday, November 27)'),
    ),
    *rows(
        "overdue", ("Is anything late?", "", "Nothing on your ToDo list is overdue."), setup="empty"
    ),
    *rows(
        "count",
        ("how many todos do I have?", "", "You have 7 open items and 2 done on your ToDo list."),
        ("How many tasks are left?", "", "You have 7 open items"),
        ("how many things are done?", "", "and 2 done"),
    ),
    *rows(
        "search",
        ("is there a todo about the laundry?", "", 'Found 1 item about "laundry":'),
        ("anything about chapter two?", "", 'Nothing on your ToDo list mentions "chapter two".'),
        ("Is milk on my list?", "", 'Found 1 item about "milk":\n- "Buy milk" (done)'),
        (
            "Is the passport task done?",
            "",
            '- "Renew passport" (due Friday, November 27, not started)',
        ),
        ("find mom", "", 'Found 1 item about "mom":\n- "Call mom"'),
        ("When is the report due?", "", 'Found 1 item about "report":'),
        ("do I have anything for Boston?", "", 'Nothing on your ToDo list mentions "Boston".'),
    ),
    *rows(
        "next",
        ("what's next?", "", 'Next up: "Renew passport" (due Friday, November 27).'),
        ("What should I do first?", "", 'Next up: "Renew passport"'),
        ("what should I focus on?", "", 'Next up: "Renew passport"'),
    ),
    *rows(
        "summary",
        ("what have I finished?", "", '2 items done:\n- "Pay rent"'),
        ("what am I working on?", "", '1 item in progress:\n- "Write the report"'),
    ),
    # -- not understood: a short question back, nothing added -------------------------------------
    *rows(
        "unclear",
        ("the weather is nice today", "", "Sorry, I didn't catch that."),
        ("milk", "", 'Do you mean "Buy milk"?'),
        ("groceries", "", 'Should I add "Groceries" to your ToDo list?'),
        ("I'm tired", "", "Sorry, I didn't catch that."),
        ("it is raining", "", "Sorry, I didn't catch that."),
        ("hmm", "", "What would you like to do?"),
        ("I'm done", "", "Sorry, I didn't catch that."),
        ("The meeting went well", "", "Sorry, I didn't catch that."),
    ),
    # -- follow-ups that lean on the turn before ---------------------------------------------------
    *rows(
        "unclear",
        ("yes", "+ Dentist appointment", 'added "Dentist appointment"'),
        setup="empty",
        before="dentist appointment",
    ),
    *rows("unclear", ("no", "", "OK, I won't add it."), setup="empty", before="new shoes"),
    *rows(
        "complete",
        ("Mark it as done", "Call the plumber: status=done", 'marked "Call the plumber" as done'),
        setup="empty",
        before="Add a ToDo to call the plumber",
    ),
    *rows(
        "date",
        (
            "Do this by Friday",
            "Water the plants: deadline=2026-12-04",
            'set the deadline of "Water the plants" to Friday, December 4',
        ),
        setup="empty",
        before="Add a todo to water the plants",
    ),
    *rows(
        "reschedule",
        (
            "move it to the 15th",
            "Pay the phone bill: deadline=2026-12-15",
            "to Tuesday, December 15",
        ),
        setup="empty",
        before="Add a todo to pay the phone bill",
    ),
    *rows(
        "delete",
        ("actually, delete that", "- Book the vet", 'removed "Book the vet"'),
        setup="empty",
        before="Add a todo to book the vet",
    ),
    # -- which one? --------------------------------------------------------------------------------
    *rows(
        "complete",
        ("mark the call done", "", 'Which one do you mean: "Call mom" or "Call the bank"?'),
        ("mark the Denver flights done", "Book flights to Denver: status=done", "as done"),
        setup="lookalikes",
    ),
    *rows(
        "delete",
        (
            "delete the Denver task",
            "",
            'Which one do you mean: "Book flights to Denver" or "Book hotel in Denver"?',
        ),
        setup="lookalikes",
    ),
    *rows(
        "add",
        ("Add a todo to call the bank", "", '"Call the bank" is already on your ToDo'),
        setup="lookalikes",
    ),
    # -- the rest of what the assistant hears -------------------------------------------------------
    *rows(
        "other",
        ("My name is Lance", "", "Nice to meet you, Lance!"),
        ("When adding todos, always include a local business", "", "I'll follow that"),
        ("thanks!", "", "You're welcome!"),
        ("help", "", "I keep your ToDo list."),
        ("hi", "", "Hi! I'm your task assistant."),
        setup="empty",
    ),
]
# fmt: on
