"""task_maistro: the tutorial's todo assistant with long-term memory (LangChain Academy module 6).

Why this shape: same nodes, routing, namespaces and tool-message texts as the original, so the
tutorial's double-texting scenarios behave the same here and under `langgraph dev`. Differences:
async nodes (cancellable), `ToolMessage` objects (shown in messages-mode streams), all todos read
(not the store's default 10), and no trustcall — the offline model's edits come from the pure
rules in `engine.models.rules`, a real model's from `with_structured_output`.

Use: `graph` has no checkpointer/store (a server injects them). A local engine compiles its own:
`builder.compile(checkpointer=saver, store=store)` (or `make_builder(model)` to inject a model),
and passes `{"recursion_limit": 25}` in each run's config; a normal turn takes 2–4 steps.
Run settings in `configurable`: `user_id`, `todo_category`, `task_maistro_role` (env overrides,
as in the original), plus `doubletext_model`, `doubletext_pace`, `now` (see engine.models.factory).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal, TypedDict

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base.id import uuid6
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.store.base import BaseStore
from pydantic import BaseModel, Field

from engine.graphs import steer
from engine.graphs.steer import release_taken, take_steered
from engine.models.factory import model_from_config
from engine.models.merged import requests
from engine.models.offline import OfflineChatModel
from engine.models.planner import TodoOp, plan_todo_changes
from engine.models.profile import merge_profile, parse_profile
from engine.models.rules import context_from, merge_instructions, route

DEFAULT_ROLE = (
    "You are a helpful task management assistant. You help you create, organize, "
    "and manage the user's ToDo list."
)


@dataclass(kw_only=True)
class Configuration:
    """Per-run settings; an environment variable (e.g. USER_ID) overrides config, as originally."""

    user_id: str = "default-user"
    todo_category: str = "general"
    task_maistro_role: str = DEFAULT_ROLE

    @classmethod
    def from_runnable_config(cls, config: RunnableConfig | None = None) -> Configuration:
        configurable = (config or {}).get("configurable") or {}
        values = {
            f.name: os.environ.get(f.name.upper(), configurable.get(f.name))
            for f in fields(cls)
            if f.init
        }
        return cls(**{k: v for k, v in values.items() if v})


class UpdateMemory(TypedDict):
    """Decision on what memory type to update"""

    update_type: Literal["user", "todo", "instructions"]


class Profile(BaseModel):
    """This is the profile of the user you are chatting with"""

    name: str | None = Field(description="The user's name", default=None)
    location: str | None = Field(description="The user's location", default=None)
    job: str | None = Field(description="The user's job", default=None)
    connections: list[str] = Field(
        default_factory=list,
        description="Personal connections of "
        "the user, such as family members, friends, or coworkers",
    )
    interests: list[str] = Field(default_factory=list, description="Interests that the user has")


class ToDo(BaseModel):
    task: str = Field(description="The task to be completed.")
    time_to_complete: int | None = Field(
        default=None, description="Estimated time to complete the task (minutes)."
    )
    deadline: datetime | None = Field(
        default=None, description="When the task needs to be completed by (if applicable)"
    )
    solutions: list[str] = Field(
        default_factory=list,
        description="List of specific, actionable "
        "solutions (e.g., specific ideas, service providers, or concrete "
        "options relevant to completing the task)",
    )
    status: Literal["not started", "in progress", "done", "archived"] = Field(
        default="not started", description="Current status of the task"
    )


class TodoChange(BaseModel):
    """One change a real model proposes: a new ToDo (no id) or a full edited copy of one."""

    id: str | None = Field(default=None, description="id of the existing ToDo to edit; omit to add")
    planned_edits: str = Field(default="", description="One sentence: what you change and why")
    todo: ToDo


class TodoChanges(BaseModel):
    """All ToDo changes the latest user message asks for (empty if none)."""

    changes: list[TodoChange] = Field(default_factory=list)


MODEL_SYSTEM_MESSAGE = """{task_maistro_role}

You have a long term memory which keeps track of three things:
1. The user's profile (general information about them)
2. The user's ToDo list
3. General instructions for updating the ToDo list

Here is the current User Profile (may be empty if no information has been collected yet):
<user_profile>
{user_profile}
</user_profile>

Here is the current ToDo List (may be empty if no tasks have been added yet):
<todo>
{todo}
</todo>

Here are the current user-specified preferences for updating the ToDo list (may be empty):
<instructions>
{instructions}
</instructions>

Reason carefully about the user's latest message:
- Personal information about the user: call UpdateMemory with type `user`.
- Tasks to add, change, complete or remove: call UpdateMemory with type `todo`.
- Preferences for how to update the ToDo list: call UpdateMemory with type `instructions`.
Tell the user when you updated the ToDo list; don't mention profile or instruction updates.
Err on the side of updating the todo list. No need to ask for explicit permission.
After a tool result, respond naturally in plain text; do not call a tool again.
System Time: {time}"""

EXTRACT_INSTRUCTION = """Reflect on the conversation and apply the ToDo changes the user's latest
message asks for. Edit an existing ToDo (give its id) rather than adding a duplicate.
Existing ToDos as id: value, one per line:
{existing}
Deadlines are end of day (23:59:59). System Time: {time}"""

PROFILE_INSTRUCTION = """Update the user's profile from the conversation. Keep known facts unless
they changed. Current profile: {profile}"""

CREATE_INSTRUCTIONS = """Reflect on the following interaction. Based on it, update your
instructions for how to update ToDo list items. Current instructions:
<current_instructions>
{current_instructions}
</current_instructions>"""


def _namespace(kind: str, config: RunnableConfig) -> tuple[str, str, str]:
    cfg = Configuration.from_runnable_config(config)
    return (kind, cfg.todo_category, cfg.user_id)


async def _todos(store: BaseStore, config: RunnableConfig) -> list[tuple[str, dict[str, Any]]]:
    """Every todo, oldest first (the store returns newest-updated first, 10 by default).

    Keys are uuid6 (time-ordered), so the order is stable even within one second."""
    items = await store.asearch(_namespace("todo", config), limit=1000)
    return [(i.key, i.value) for i in sorted(items, key=lambda i: (i.created_at, i.key))]


def _model(config: RunnableConfig, injected: BaseChatModel | None) -> BaseChatModel:
    return injected if injected is not None else model_from_config(config)


def _now(model: BaseChatModel) -> datetime:
    return model.current_time() if isinstance(model, OfflineChatModel) else datetime.now()


def _last_human(state: MessagesState) -> str:
    return next((m.text for m in reversed(state["messages"]) if isinstance(m, HumanMessage)), "")


def _turns_before_last_human(state: MessagesState) -> list[tuple[str, str]]:
    """(type, text) of the messages before the last human one: what `context_from` reads."""
    messages = state["messages"]
    last = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=0)
    return [(m.type, m.text) for m in messages[:last]]


async def _tool_reply(state: MessagesState, config: RunnableConfig, content: str) -> dict:
    """The tool result, plus the steer messages queued meanwhile (the next model call reads
    both; see engine/graphs/steer.py)."""
    call = state["messages"][-1].tool_calls[0]  # type: ignore[attr-defined]
    steered = await take_steered(config)
    return {"messages": [ToolMessage(content=content, tool_call_id=call["id"]), *steered]}


def route_message(
    state: MessagesState, config: RunnableConfig
) -> Literal["__end__", "update_todos", "update_instructions", "update_profile"]:
    """END unless the last message calls UpdateMemory (a ToolMessage has no tool calls → END)."""
    tool_calls = getattr(state["messages"][-1], "tool_calls", None) or []
    if not tool_calls:
        return END
    update_type = tool_calls[0]["args"].get("update_type")
    targets = {
        "user": "update_profile",
        "todo": "update_todos",
        "instructions": "update_instructions",
    }
    if update_type not in targets:
        raise ValueError(f"unknown update_type {update_type!r}")
    return targets[update_type]  # type: ignore[return-value]


async def _llm_todo_ops(
    model: BaseChatModel, state: MessagesState, existing: list[tuple[str, dict[str, Any]]]
) -> list[TodoOp]:
    """A real model's ToDo edits, as the same ops the offline rules produce."""
    listing = "\n".join(f"{key}: {value}" for key, value in existing) or "(none)"
    prompt = EXTRACT_INSTRUCTION.format(existing=listing, time=datetime.now().isoformat())
    extractor = model.with_structured_output(TodoChanges).with_config(tags=["nostream"])
    result = await extractor.ainvoke([SystemMessage(prompt), *state["messages"][:-1]])
    values = dict(existing)
    ops: list[TodoOp] = []
    for change in result.changes if isinstance(result, TodoChanges) else []:
        new = change.todo.model_dump(mode="json")
        if change.id in values:
            patch = {k: v for k, v in new.items() if values[change.id].get(k) != v}
            kind = "update" if patch else "unchanged"
            added = str(next(iter(patch.values()))) if patch else ""
            ops.append(TodoOp(kind, change.id, patch, change.planned_edits, added))
        else:
            filled = change.todo.model_dump(mode="json", exclude_defaults=True)
            ops.append(TodoOp("create", None, {"task": change.todo.task, **filled}))
    return ops


def tool_block(op: TodoOp) -> str:
    """What `update_todos` reports for one applied op (task_maistro's tool-message formats)."""
    if op.kind == "create":
        return f"New ToDo created:\nContent: {op.fields}"
    if op.kind == "update":
        return f"Document {op.key} updated:\nPlan: {op.plan}\nAdded content: {op.added}"
    if op.kind == "delete":  # the store item is deleted, not just marked
        return f"Document {op.key} deleted:\nPlan: {op.plan}"
    if op.kind == "unchanged":
        return f"Document {op.key} unchanged:\n{op.plan}"
    return f"No change:\n{op.plan}"  # a note: nothing stored, a question or remark for the user


def make_builder(model: BaseChatModel | None = None) -> StateGraph:
    """The task_maistro graph; `model` pins the chat model, else each run picks via its config."""

    async def task_mAIstro(state: MessagesState, config: RunnableConfig, store: BaseStore) -> dict:
        cfg = Configuration.from_runnable_config(config)
        llm = _model(config, model)
        profiles = await store.asearch(_namespace("profile", config), limit=1)
        instructions = await store.aget(_namespace("instructions", config), "user_instructions")
        system = MODEL_SYSTEM_MESSAGE.format(
            task_maistro_role=cfg.task_maistro_role,
            user_profile=profiles[0].value if profiles else None,
            todo="\n".join(f"{value}" for _, value in await _todos(store, config)),
            instructions=instructions.value if instructions else "",
            time=_now(llm).isoformat(),
        )
        await release_taken(config, state["messages"])
        bound = llm.bind_tools([UpdateMemory], parallel_tool_calls=False)
        response = await bound.ainvoke([SystemMessage(system), *state["messages"]])
        return {"messages": [response]}

    async def update_todos(state: MessagesState, config: RunnableConfig, store: BaseStore) -> dict:
        llm = _model(config, model)
        if not isinstance(llm, OfflineChatModel):
            existing = await _todos(store, config)
            ops = await _llm_todo_ops(llm, state, existing)
            return await _tool_reply(
                state, config, "\n\n".join(await apply(ops, existing, config, store))
            )
        # Pure and fast (no file access), so it runs on the event loop. A merged message holds
        # several requests: each todo request is planned on the list the one before it left (a
        # question or remark among them, "Give me a summary …", is no todo).
        turns = _turns_before_last_human(state)
        blocks: list[str] = []
        asked = requests(_last_human(state))
        for request in asked:
            existing = await _todos(store, config)
            context = context_from([*turns, ("human", request)])
            now = llm.current_time()
            if len(asked) > 1 and route(request, now, context) != "todo":
                continue
            ops = plan_todo_changes(request, existing, now, context)
            done = await apply(ops, existing, config, store)
            blocks += done
            turns += [("human", request), ("tool", "\n\n".join(done))]
        return await _tool_reply(state, config, "\n\n".join(blocks))

    async def apply(
        ops: list[TodoOp],
        existing: list[tuple[str, dict[str, Any]]],
        config: RunnableConfig,
        store: BaseStore,
    ) -> list[str]:
        """Write the ops to the store; the tool-message block of each one applied."""
        ns = _namespace("todo", config)
        values = dict(existing)
        blocks: list[str] = []
        for op in ops:
            if op.kind == "create":
                await store.aput(ns, str(uuid6()), ToDo(**op.fields).model_dump(mode="json"))
            elif op.kind == "update" and op.key in values:
                value = ToDo(**{**values[op.key], **op.fields}).model_dump(mode="json")
                await store.aput(ns, op.key, value)
            elif op.kind == "delete" and op.key in values:
                await store.adelete(ns, op.key)
            elif op.kind in ("update", "delete"):
                continue  # the todo is gone (another thread changed the list meanwhile)
            blocks.append(tool_block(op))
        return blocks

    async def update_profile(
        state: MessagesState, config: RunnableConfig, store: BaseStore
    ) -> dict:
        llm = _model(config, model)
        ns = _namespace("profile", config)
        found = await store.asearch(ns, limit=1)
        key, old = (found[0].key, found[0].value) if found else (str(uuid6()), None)
        if isinstance(llm, OfflineChatModel):
            new = merge_profile(old, parse_profile(_last_human(state)))
        else:
            extractor = llm.with_structured_output(Profile).with_config(tags=["nostream"])
            result = await extractor.ainvoke(
                [SystemMessage(PROFILE_INSTRUCTION.format(profile=old)), *state["messages"][:-1]]
            )
            new = Profile.model_validate(result).model_dump(mode="json")
        await store.aput(ns, key, Profile(**new).model_dump(mode="json"))
        return await _tool_reply(state, config, "updated profile")

    async def update_instructions(
        state: MessagesState, config: RunnableConfig, store: BaseStore
    ) -> dict:
        llm = _model(config, model)
        ns = _namespace("instructions", config)
        existing = await store.aget(ns, "user_instructions")
        old = str(existing.value.get("memory", "")) if existing else ""
        if isinstance(llm, OfflineChatModel):
            memory = merge_instructions(old, _last_human(state))
        else:
            result = await llm.with_config(tags=["nostream"]).ainvoke(
                [
                    SystemMessage(CREATE_INSTRUCTIONS.format(current_instructions=old)),
                    *state["messages"][:-1],
                    HumanMessage("Please update the instructions based on the conversation"),
                ]
            )
            memory = result.text
        await store.aput(ns, "user_instructions", {"memory": memory})
        return await _tool_reply(state, config, "updated instructions")

    builder = StateGraph(MessagesState)
    builder.add_node("task_mAIstro", task_mAIstro, metadata=steer.NODE_METADATA)
    builder.add_node("update_todos", update_todos)
    builder.add_node("update_profile", update_profile)
    builder.add_node("update_instructions", update_instructions)
    builder.add_edge(START, "task_mAIstro")
    builder.add_conditional_edges("task_mAIstro", route_message)
    for node in ("update_todos", "update_profile", "update_instructions"):
        builder.add_edge(node, "task_mAIstro")
    return builder


builder = make_builder()
graph = builder.compile()
