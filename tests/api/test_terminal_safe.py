"""What a server answers reaches the app without control characters, bodies and streams alike:
the real SDK client with `guard_terminal`, against the real engine."""

from __future__ import annotations

from langgraph_sdk import get_client

from tui.terminal_safe import guard_terminal

HOSTILE = "Buy \x1b[41mRED\x1b[0m milk\x1b]2;PWNED\x07 \x9b31m\r\nnext\tline"
CLEAN = "Buy [41mRED[0m milk]2;PWNED 31m\nnext\tline"


async def test_answers_reach_the_app_without_control_characters(server_url: str) -> None:
    raw = get_client(url=server_url, api_key=None)
    guarded = get_client(url=server_url, api_key=None)
    guard_terminal(guarded)
    try:
        namespace = ("todo", "terminal-safe")
        await raw.store.put_item(namespace, "k", {"task": HOSTILE})
        assert (await raw.store.get_item(namespace, "k"))["value"]["task"] == HOSTILE
        assert (await guarded.store.get_item(namespace, "k"))["value"]["task"] == CLEAN

        thread = await raw.threads.create()
        human = {"messages": [{"type": "human", "content": HOSTILE}]}
        contents = [
            message["content"]
            async for part in guarded.runs.stream(
                thread["thread_id"], "noop", input=human, stream_mode="values"
            )
            if part.event == "values"
            for message in part.data["messages"]
        ]
        assert contents[0] == CLEAN and all(c.endswith(CLEAN) for c in contents)  # the reply too
        state = await raw.threads.get_state(thread["thread_id"])
        assert state["values"]["messages"][0]["content"] == HOSTILE  # stored as sent
    finally:
        await raw.aclose()
        await guarded.aclose()
