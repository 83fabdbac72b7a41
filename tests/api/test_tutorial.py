"""The tutorial's own code (LangChain Academy 6.3 Double Texting), pasted, run on our server.

Only the URL differs (the tutorial's `http://localhost:8123` becomes our free port). The server
runs the offline model at its realistic pace, so the tutorial's `await asyncio.sleep(1)` lands
while run 1 is still replying, exactly as in the tutorial. Assertions follow each block.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.serve import ServeProcess


@pytest.fixture(scope="module")
def tutorial_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with ServeProcess(tmp_path_factory.mktemp("tutorial") / "data", pace="1") as server:
        yield server.url


def _humans(state: dict) -> list[str]:
    return [m["content"] for m in state["values"]["messages"] if m["type"] == "human"]


async def test_tutorial_code_runs_word_for_word(tutorial_url: str, capsys) -> None:
    # --- 2.2 ---------------------------------------------------------------------------
    from langgraph_sdk import get_client

    url_for_cli_deployment = tutorial_url
    client = get_client(url=url_for_cli_deployment)

    # --- 3.2 Reject --------------------------------------------------------------------
    import httpx
    from langchain_core.messages import HumanMessage

    # 创建线程
    thread = await client.threads.create()

    # 准备两个请求
    user_input_1 = "Add a ToDo to follow-up with DI Repairs."
    user_input_2 = "Add a ToDo to mount dresser to the wall."
    config = {"configurable": {"user_id": "Test-Double-Texting"}}
    graph_name = "task_maistro"

    # 创建第一个运行
    run = await client.runs.create(
        thread["thread_id"],
        graph_name,
        input={"messages": [HumanMessage(content=user_input_1)]},
        config=config,
    )

    # 尝试创建第二个运行(会被拒绝)
    try:
        await client.runs.create(
            thread["thread_id"],
            graph_name,
            input={"messages": [HumanMessage(content=user_input_2)]},
            config=config,
            multitask_strategy="reject",  # 关键参数!
        )
    except httpx.HTTPStatusError as e:
        print("Failed to start concurrent run", e)

    # --- 3.4 ---------------------------------------------------------------------------
    from langchain_core.messages import convert_to_messages

    # 等待第一个运行完成
    await client.runs.join(thread["thread_id"], run["run_id"])

    # 获取线程状态
    state = await client.threads.get_state(thread["thread_id"])
    for m in convert_to_messages(state["values"]["messages"]):
        m.pretty_print()

    printed = capsys.readouterr().out
    # SDK 0.4 raises ConflictError (an httpx.HTTPStatusError) whose str() is the 409 detail.
    assert "Failed to start concurrent run Thread is already running a task." in printed
    assert "New ToDo created:" in printed
    assert _humans(state) == [user_input_1]

    # --- 4.2 Enqueue -------------------------------------------------------------------
    # 创建新线程
    thread = await client.threads.create()

    # 准备两个请求
    user_input_1 = "Send Erik his t-shirt gift this weekend."
    user_input_2 = "Get cash and pay nanny for 2 weeks. Do this by Friday."
    config = {"configurable": {"user_id": "Test-Double-Texting"}}
    graph_name = "task_maistro"

    # 创建第一个运行
    first_run = await client.runs.create(
        thread["thread_id"],
        graph_name,
        input={"messages": [HumanMessage(content=user_input_1)]},
        config=config,
    )

    # 创建第二个运行(会被排队)
    second_run = await client.runs.create(
        thread["thread_id"],
        graph_name,
        input={"messages": [HumanMessage(content=user_input_2)]},
        config=config,
        multitask_strategy="enqueue",  # 排队策略
    )

    # 等待第二个运行完成(会自动等第一个完成)
    await client.runs.join(thread["thread_id"], second_run["run_id"])

    # 获取线程状态
    state = await client.threads.get_state(thread["thread_id"])
    for m in convert_to_messages(state["values"]["messages"]):
        m.pretty_print()

    assert _humans(state) == [user_input_1, user_input_2]
    assert (await client.runs.get(thread["thread_id"], first_run["run_id"]))["status"] == "success"
    assert capsys.readouterr().out.count("New ToDo created:") == 2

    # --- 5.2 Interrupt -----------------------------------------------------------------
    import asyncio

    # 创建新线程
    thread = await client.threads.create()

    # 准备两个请求
    user_input_1 = "Give me a summary of my ToDos due tomrrow."
    user_input_2 = "Never mind, create a ToDo to Order Ham for Thanksgiving by next Friday."
    config = {"configurable": {"user_id": "Test-Double-Texting"}}
    graph_name = "task_maistro"

    # 创建第一个运行
    interrupted_run = await client.runs.create(
        thread["thread_id"],
        graph_name,
        input={"messages": [HumanMessage(content=user_input_1)]},
        config=config,
    )

    # 等待一秒,让第一个运行执行一部分
    await asyncio.sleep(1)

    # 创建第二个运行(会中断第一个)
    second_run = await client.runs.create(
        thread["thread_id"],
        graph_name,
        input={"messages": [HumanMessage(content=user_input_2)]},
        config=config,
        multitask_strategy="interrupt",  # 中断策略
    )

    # 等待第二个运行完成
    await client.runs.join(thread["thread_id"], second_run["run_id"])

    # 获取线程状态
    state = await client.threads.get_state(thread["thread_id"])
    for m in convert_to_messages(state["values"]["messages"]):
        m.pretty_print()

    # --- 5.4 ---------------------------------------------------------------------------
    # 确认第一个运行被中断
    status = (await client.runs.get(thread["thread_id"], interrupted_run["run_id"]))["status"]
    print(status)

    assert status == "interrupted"
    assert capsys.readouterr().out.rstrip().endswith("interrupted")
    messages = state["values"]["messages"]
    assert [m["type"] for m in messages[:2]] == ["human", "human"]  # run 1 got no reply
    assert _humans(state) == [user_input_1, user_input_2]

    # --- 6.2 Rollback ------------------------------------------------------------------
    # 创建新线程
    thread = await client.threads.create()

    # 准备两个请求
    user_input_1 = "Add a ToDo to call to make appointment at Yoga."
    user_input_2 = "Actually, add a ToDo to drop by Yoga in person on Sunday."
    config = {"configurable": {"user_id": "Test-Double-Texting"}}
    graph_name = "task_maistro"

    # 创建第一个运行
    rolled_back_run = await client.runs.create(
        thread["thread_id"],
        graph_name,
        input={"messages": [HumanMessage(content=user_input_1)]},
        config=config,
    )

    # 创建第二个运行(会回滚第一个)
    second_run = await client.runs.create(
        thread["thread_id"],
        graph_name,
        input={"messages": [HumanMessage(content=user_input_2)]},
        config=config,
        multitask_strategy="rollback",  # 回滚策略
    )

    # 等待第二个运行完成
    await client.runs.join(thread["thread_id"], second_run["run_id"])

    # 获取线程状态
    state = await client.threads.get_state(thread["thread_id"])
    for m in convert_to_messages(state["values"]["messages"]):
        m.pretty_print()

    # --- 6.4 ---------------------------------------------------------------------------
    # 确认第一个运行被删除
    try:
        await client.runs.get(thread["thread_id"], rolled_back_run["run_id"])
    except httpx.HTTPStatusError as _:
        print("Original run was correctly deleted")

    assert "Original run was correctly deleted" in capsys.readouterr().out
    assert _humans(state) == [user_input_2]
    await client.aclose()
