"""Where our answers may differ from the reference's, and why (mirrored in README
"Compatibility notes"). Anything else that differs fails tests/parity/test_parity.py, and so
does a deviation that no longer explains anything (it must then be removed here and there).
"""

from __future__ import annotations

from bench.parity import Deviation

_AFTER_EXECUTION = r"kwargs\.config\.metadata\.(run_attempt|langgraph_\w+)$"

DEVIATIONS: list[Deviation] = [
    Deviation(
        r".*",
        r"(^|\.)attempt$",
        "Run objects also carry `attempt`: how many times the run was started (2 or more after a "
        "crash resumed it), which a durable engine has and an in-memory one does not.",
    ),
    Deviation(
        r".*",
        r"(^|\.)cancel_reason$",
        "Run objects also carry `cancel_reason`: why the run was cancelled (the run that "
        "superseded it, or the request that asked), or null; the reference keeps it internal.",
    ),
    Deviation(
        r".*/(get run|list runs|get first)",
        _AFTER_EXECUTION,
        "A stored run keeps the config it was accepted with; `run_attempt` and the `langgraph_*` "
        "keys are added for each attempt (checkpoints and stream metadata have them). The "
        "reference's in-memory store shows them because it mutates the stored run while running.",
    ),
    Deviation(
        r".*",
        r"\.langgraph_api_url$",
        "`langgraph_api_url` is null (so absent from checkpoint metadata) unless "
        "LANGGRAPH_API_URL is set: the engine does not know the URL clients reach it by "
        "(`langgraph dev` sets it to its own address).",
    ),
    Deviation(
        r".*/get thread.*",
        r"^body\.config\.configurable$",
        "A thread's `config` stays what it was created with; the reference copies the first "
        "run's assistant `configurable` into it (see the next deviation).",
    ),
    Deviation(
        r"assistants/run with version 2",
        r"^body\.messages\.\d+\.content$",
        "A run uses its assistant's current version. The reference pins the assistant's "
        "`configurable` into the thread at its first run, so an updated assistant never reaches "
        "threads it already ran on.",
    ),
    Deviation(
        r"assistants/set latest 1",
        r"^body\.context",
        "Making an older version current restores its `context` too. The reference restores "
        "`config` but keeps the newer `context`, so the two disagree.",
    ),
    Deviation(
        r"(batch/.*|join_interrupted/interrupt it)",
        r"metadata\.graph_id$",
        "Run metadata names the run's own graph. The reference copies the thread's, which names "
        "an earlier run's graph when the thread was busy, and nothing on stateless runs.",
    ),
    Deviation(
        r"human_in_the_loop/join",
        r"^body\.messages$",
        "Joining a run that stopped at `interrupt()` returns its values with `__interrupt__`, "
        "as `/wait` does; a late join on the reference returns `__interrupt__` alone.",
    ),
    Deviation(
        r"join_interrupted/join first",
        r"^body\.messages",
        "Joining a finished run returns that run's own final values (state at its last "
        "checkpoint), so the same join gives the same answer later; the reference returns "
        "whatever the thread holds now, e.g. a later run's reply.",
    ),
    Deviation(
        r"not_supported/.*",
        r".*",
        "`webhook` and `feedback_keys` are refused with 422: this server makes no outbound HTTP "
        "calls and has no LangSmith to collect feedback in (the reference calls webhooks on "
        "public hosts and accepts feedback keys).",
    ),
    Deviation(
        r"streams/events",
        r"\.data\.(chunk|output)\.messages\.\d+\.id$",
        "`events` frames are serialised when emitted: a message a node returned without an id "
        "shows `id: null` in that node's events; the reference serialises them later, after "
        "LangGraph's reducer gave the message an id.",
    ),
]
