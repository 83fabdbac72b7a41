"""API parity: the same calls against two servers, answers normalised for ids and times.

`record(url)` plays every scenario against a server over plain HTTP and returns what it answered
(status, body, the headers clients use; streams as `[event, data]` lists). Ids become `<id:N>`
in order of first appearance within a scenario (so "the run id create returned" stays equal to
"the run id get returned"), timestamps `<time>`; values that differ by nature (request ids,
versions, URLs) become `<volatile>`. `python -m bench record-parity` stores the reference's
answers in `tests/parity/fixture.json`; `tests/parity/test_parity.py` replays the scenarios
against our server and compares field by field (see `compare`).
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
FIXTURE = REPO / "tests" / "parity" / "fixture.json"
PARITY_GRAPHS = REPO / "tests" / "parity" / "graphs.py"
HEADERS = ("location", "content-location", "x-pagination-total", "x-pagination-next")
# Values that differ between any two servers (or two runs) by nature; only their presence counts.
VOLATILE = {
    "langgraph_request_id",
    "langgraph_version",
    "langgraph_api_version",
    "langgraph_api_url",
    "langgraph_plan",
    "langgraph_host",
}
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
# Ids as UUIDs, or 32 hex digits (interrupt ids are hashes of their task's path).
_ID = re.compile(rf"{_UUID.pattern}|\b[0-9a-f]{{32}}\b", re.I)
_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)?$")


def write_config(directory: Path) -> Path:
    """The repo's langgraph.json plus the parity graphs, with absolute paths."""
    data = json.loads((REPO / "langgraph.json").read_text())
    graphs = {
        name: str((REPO / spec).resolve()) if spec.startswith(".") else spec
        for name, spec in data["graphs"].items()
    }
    graphs["hitl"] = f"{PARITY_GRAPHS}:hitl"
    graphs["configured"] = f"{PARITY_GRAPHS}:configured"
    data["graphs"] = graphs
    data["dependencies"] = [str(REPO)]
    path = directory / "langgraph.json"
    path.write_text(json.dumps(data, indent=2))
    return path


# -- normalising -----------------------------------------------------------------------------


class Ids:
    """Maps each distinct id to `<id:N>` in order of first appearance."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def __call__(self, match: re.Match[str]) -> str:
        value = match[0].lower()
        if value not in self.seen:
            self.seen[value] = f"<id:{len(self.seen) + 1}>"
        return self.seen[value]


def normalise(value: Any, ids: Ids, key: str = "") -> Any:
    """Ids, times and volatile values replaced; dict keys visited in sorted order."""
    if key in VOLATILE:
        return "<volatile>" if value is not None else None
    if isinstance(value, dict):
        return {
            _ID.sub(ids, k): normalise(value[k], ids, k)
            for k in sorted(value)
            if not (k.startswith("__") and k not in ("__interrupt__", "__error__"))
        }
    if isinstance(value, list):
        return [normalise(v, ids) for v in value]
    if isinstance(value, str):
        if _TIME.match(value):
            return "<time>"
        return _ID.sub(ids, value)
    return value


# -- a scenario session ----------------------------------------------------------------------


@dataclass
class Session:
    """Plays calls against one server and keeps what it answered, already normalised."""

    http: httpx.AsyncClient
    steps: list[dict[str, Any]] = field(default_factory=list)
    ids: Ids = field(default_factory=Ids)

    def _keep(self, label: str, call: str, status: int, body: Any, headers: Any) -> None:
        kept = {h: headers[h] for h in HEADERS if h in headers}
        self.steps.append(
            {
                "label": label,
                "call": call,
                "status": status,
                "headers": normalise(kept, self.ids),
                "body": normalise(body, self.ids),
            }
        )

    async def call(
        self, label: str, method: str, path: str, body: Any = None, *, keep: bool = True
    ) -> Any:
        response = await self.http.request(method, path, json=body)
        data = response.json() if response.content.strip() else None
        if keep:
            self._keep(label, f"{method} {_template(path)}", response.status_code, data,
                       response.headers)  # fmt: skip
        return data

    async def stream(self, label: str, path: str, body: Any) -> list[list[Any]]:
        events: list[list[Any]] = []
        async with self.http.stream("POST", path, json=body) as response:
            name, data = None, []
            async for line in response.aiter_lines():
                if line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
                elif not line and name is not None:
                    events.append([name, json.loads("\n".join(data))])
                    name, data = None, []
            status, headers = response.status_code, response.headers
        self._keep(label, f"POST {_template(path)}", status, events, headers)
        return events


def _template(path: str) -> str:
    return _UUID.sub("{id}", path)


def human(text: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


async def _until(probe: Callable[[], Awaitable[Any]], check: Callable[[Any], bool]) -> Any:
    deadline = time.monotonic() + 30
    while True:
        value = await probe()
        if check(value) or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.05)


# -- scenarios -------------------------------------------------------------------------------


async def threads_and_runs(s: Session) -> None:
    thread = await s.call("create thread", "POST", "/threads", {"metadata": {"owner": "me"}})
    tid = thread["thread_id"]
    await s.call("get fresh thread", "GET", f"/threads/{tid}")
    run = await s.call(
        "create run",
        "POST",
        f"/threads/{tid}/runs",
        {
            "assistant_id": "noop",
            "input": human("hi"),
            "config": {"configurable": {"user_id": "u1"}},
            "metadata": {"note": "first"},
        },
    )
    rid = run["run_id"]
    await s.call("join", "GET", f"/threads/{tid}/runs/{rid}/join")
    await s.call("get run", "GET", f"/threads/{tid}/runs/{rid}")
    await s.call("list runs", "GET", f"/threads/{tid}/runs")
    await s.call("get thread", "GET", f"/threads/{tid}")
    await s.call("get state", "GET", f"/threads/{tid}/state")
    await s.call("history", "POST", f"/threads/{tid}/history", {"limit": 10})


async def streams(s: Session) -> None:
    thread = await s.call("create thread", "POST", "/threads", {})
    tid = thread["thread_id"]
    await s.stream(
        "values, updates, messages-tuple",
        f"/threads/{tid}/runs/stream",
        {
            "assistant_id": "noop",
            "input": human("one"),
            "stream_mode": ["values", "updates", "messages-tuple"],
        },
    )
    await s.stream(
        "messages",
        f"/threads/{tid}/runs/stream",
        {"assistant_id": "noop", "input": human("two"), "stream_mode": "messages"},
    )
    await s.stream(
        "events",
        f"/threads/{tid}/runs/stream",
        {"assistant_id": "noop", "input": human("three"), "stream_mode": ["events"]},
    )


async def failed_run(s: Session) -> None:
    thread = await s.call("create thread", "POST", "/threads", {})
    tid = thread["thread_id"]
    await s.call(
        "wait", "POST", f"/threads/{tid}/runs/wait", {"assistant_id": "boom", "input": human("x")}
    )
    await s.call("get thread", "GET", f"/threads/{tid}")
    runs = await s.call("list runs", "GET", f"/threads/{tid}/runs")
    await s.stream("stream a failing run", f"/threads/{tid}/runs/stream", {"assistant_id": "boom"})
    assert runs


async def human_in_the_loop(s: Session) -> None:
    thread = await s.call("create thread", "POST", "/threads", {})
    tid = thread["thread_id"]
    await s.stream(
        "stream to the interrupt",
        f"/threads/{tid}/runs/stream",
        {"assistant_id": "hitl", "input": human("start")},
    )
    await s.call("get thread", "GET", f"/threads/{tid}")
    await s.call("get state", "GET", f"/threads/{tid}/state")
    runs = await s.call("list runs", "GET", f"/threads/{tid}/runs", keep=False)
    await s.call("join", "GET", f"/threads/{tid}/runs/{runs[0]['run_id']}/join")
    await s.call(
        "resume",
        "POST",
        f"/threads/{tid}/runs/wait",
        {"assistant_id": "hitl", "command": {"resume": "yes"}},
    )
    await s.call("get thread after resume", "GET", f"/threads/{tid}")


async def assistants(s: Session) -> None:
    created = await s.call(
        "create",
        "POST",
        "/assistants",
        {
            "graph_id": "configured",
            "config": {"configurable": {"persona": "pirate"}},
            "metadata": {"team": "parity"},
            "name": "Pirate",
        },
    )
    aid = created["assistant_id"]
    await s.call("get", "GET", f"/assistants/{aid}")
    thread = await s.call("create thread", "POST", "/threads", {})
    tid = thread["thread_id"]
    await s.call(
        "run with its config",
        "POST",
        f"/threads/{tid}/runs/wait",
        {"assistant_id": aid, "input": human("ahoy")},
    )
    runs = await s.call("list runs", "GET", f"/threads/{tid}/runs")
    assert runs
    await s.call("get state", "GET", f"/threads/{tid}/state")
    await s.call(
        "update", "PATCH", f"/assistants/{aid}", {"context": {"persona": "poet"}, "name": "Poet"}
    )
    await s.call(
        "run with version 2", "POST", f"/threads/{tid}/runs/wait",
        {"assistant_id": aid, "input": human("verse")},
    )  # fmt: skip
    await s.call("versions", "POST", f"/assistants/{aid}/versions", {})
    await s.call(
        "search by metadata", "POST", "/assistants/search", {"metadata": {"team": "parity"}}
    )
    await s.call("count by graph", "POST", "/assistants/count", {"graph_id": "configured"})
    await s.call("set latest 1", "POST", f"/assistants/{aid}/latest", {"version": 1})
    await s.call("schemas", "GET", f"/assistants/{aid}/schemas")
    await s.call("system assistant", "GET", f"/assistants/{system_assistant_id('noop')}")
    await s.call("delete", "DELETE", f"/assistants/{aid}")
    await s.call("get deleted", "GET", f"/assistants/{aid}")
    await s.call("create on unknown graph", "POST", "/assistants", {"graph_id": "nope"})


def system_assistant_id(graph_id: str) -> str:
    """The system assistant of a graph: uuid5 of its name, as the reference names them."""
    return str(uuid.uuid5(uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8"), graph_id))


async def batch(s: Session) -> None:
    await s.call(
        "batch of two",
        "POST",
        "/runs/batch",
        [
            {"assistant_id": "noop", "input": human("a")},
            {"assistant_id": "noop", "input": human("b"), "metadata": {"n": 2}},
        ],
    )


async def join_interrupted(s: Session) -> None:
    """Join a run interrupted by a later one, after that one finished."""
    thread = await s.call("create thread", "POST", "/threads", {})
    tid = thread["thread_id"]
    first = await s.call(
        "create slow run", "POST", f"/threads/{tid}/runs",
        {"assistant_id": "slow", "input": human("first")},
    )  # fmt: skip
    await _until(  # running, with its input checkpoint written
        lambda: s.call("poll", "GET", f"/threads/{tid}/state", keep=False),
        lambda state: bool((state.get("values") or {}).get("messages")),
    )
    second = await s.call(
        "interrupt it",
        "POST",
        f"/threads/{tid}/runs",
        {"assistant_id": "noop", "input": human("second"), "multitask_strategy": "interrupt"},
    )
    await s.call("join second", "GET", f"/threads/{tid}/runs/{second['run_id']}/join")
    await s.call("get first", "GET", f"/threads/{tid}/runs/{first['run_id']}")
    await s.call("join first", "GET", f"/threads/{tid}/runs/{first['run_id']}/join")


async def not_supported(s: Session) -> None:
    thread = await s.call("create thread", "POST", "/threads", {}, keep=False)
    tid = thread["thread_id"]
    await s.call(
        "webhook",
        "POST",
        f"/threads/{tid}/runs",
        {"assistant_id": "noop", "webhook": "http://127.0.0.1:9/hook"},
    )
    await s.call(
        "feedback_keys",
        "POST",
        f"/threads/{tid}/runs",
        {"assistant_id": "noop", "feedback_keys": ["score"]},
    )


async def errors(s: Session) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    await s.call("missing thread", "GET", f"/threads/{missing}")
    await s.call("bad thread id", "GET", "/threads/not-a-uuid")
    await s.call("missing run", "GET", f"/threads/{missing}/runs/{missing}")


SCENARIOS: dict[str, Callable[[Session], Awaitable[None]]] = {
    "threads_and_runs": threads_and_runs,
    "streams": streams,
    "failed_run": failed_run,
    "human_in_the_loop": human_in_the_loop,
    "assistants": assistants,
    "batch": batch,
    "join_interrupted": join_interrupted,
    "not_supported": not_supported,
    "errors": errors,
}


async def record(url: str, only: list[str] | None = None) -> dict[str, Any]:
    """Every scenario (or `only` those) against the server at `url`, normalised."""
    scenarios: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        for name, play in SCENARIOS.items():
            if only and name not in only:
                continue
            session = Session(http)
            await play(session)
            scenarios[name] = session.steps
        openapi = await http.get("/openapi.json")
        routes = sorted(
            f"{method.upper()} {path}"
            for path, item in openapi.json().get("paths", {}).items()
            for method in item
        )
        info = (await http.get("/info")).json()
    return {"scenarios": scenarios, "routes": routes, "version": info.get("version")}


# -- comparing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deviation:
    """An allowed difference: at steps matching `steps` (regex on `scenario/label`), at paths
    matching `path` (regex on e.g. `body.kwargs.config`), the two answers may differ."""

    steps: str
    path: str
    reason: str

    def covers(self, step: str, path: str) -> bool:
        return re.fullmatch(self.steps, step) is not None and re.search(self.path, path) is not None


def differences(reference: Any, ours: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """Every path at which the two normalised answers differ (missing keys included)."""
    if isinstance(reference, dict) and isinstance(ours, dict):
        found = []
        for key in sorted(set(reference) | set(ours)):
            sub = f"{path}.{key}" if path else key
            if key not in reference:
                found.append((sub, "<absent>", ours[key]))
            elif key not in ours:
                found.append((sub, reference[key], "<absent>"))
            else:
                found += differences(reference[key], ours[key], sub)
        return found
    if isinstance(reference, list) and isinstance(ours, list) and len(reference) == len(ours):
        return [
            d for i, (r, o) in enumerate(zip(reference, ours, strict=True))
            for d in differences(r, o, f"{path}.{i}")
        ]  # fmt: skip
    return [] if reference == ours else [(path, reference, ours)]


def compare(
    reference: dict[str, Any], ours: dict[str, Any], allowed: list[Deviation]
) -> tuple[list[str], set[Deviation]]:
    """Unexplained differences (one line each) and the deviations that explained something."""
    problems: list[str] = []
    used: set[Deviation] = set()
    for name, ref_steps in reference["scenarios"].items():
        our_steps = ours["scenarios"].get(name)
        if our_steps is None:
            problems.append(f"{name}: scenario not played")
            continue
        if [s["label"] for s in ref_steps] != [s["label"] for s in our_steps]:
            problems.append(f"{name}: steps differ")
            continue
        for ref_step, our_step in zip(ref_steps, our_steps, strict=True):
            step = f"{name}/{ref_step['label']}"
            for where, theirs, mine in differences(ref_step, our_step):
                excuse = next((d for d in allowed if d.covers(step, where)), None)
                if excuse is None:
                    problems.append(
                        f"{step}: {where}: reference={_short(theirs)} ours={_short(mine)}"
                    )
                else:
                    used.add(excuse)
    missing = sorted(set(ours["routes"]) - set(reference["routes"]) - UNLISTED_ROUTES - OUR_ROUTES)
    problems += [f"route not in the reference: {r}" for r in missing]
    return problems, used


# The reference serves these too, but does not list them in its own openapi.json.
UNLISTED_ROUTES = {"GET /openapi.json"}
# Routes of ours the reference does not have (README "Compatibility notes" says so).
OUR_ROUTES = {
    "GET /threads/{thread_id}/side_effects",
    "GET /threads/{thread_id}/runs/{run_id}/side_effects",
    "GET /threads/{thread_id}/story",
}


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 160 else text[:157] + "..."


# -- the bench command -----------------------------------------------------------------------


def main(argv: list[str]) -> int:
    """`python -m bench record-parity [--url URL] [--out PATH] [--only a,b]`: re-record the
    fixture from a live reference (started here with `langgraph dev` unless --url)."""
    import argparse
    import tempfile

    from bench import server as servers

    parser = argparse.ArgumentParser(prog="python -m bench record-parity")
    parser.add_argument("--url", help="a reference server already running (with the parity graphs)")
    parser.add_argument("--out", default=str(FIXTURE))
    parser.add_argument("--only", help="comma-separated scenario names")
    args = parser.parse_args(argv)
    only = [n for n in (args.only or "").split(",") if n] or None
    server = None
    if args.url:
        url = args.url
    else:
        config = write_config(Path(tempfile.mkdtemp(prefix="dt-parity-")))
        server = servers.start_reference(config=config)
        url = server.url
    try:
        fixture = asyncio.run(record(url, only))
    finally:
        if server is not None:
            server.stop()
    fixture["recorded_from"] = "langgraph dev" if server is not None else args.url
    Path(args.out).write_text(json.dumps(fixture, indent=1, sort_keys=True) + "\n")
    count = sum(len(steps) for steps in fixture["scenarios"].values())
    print(
        f"wrote {args.out}: {len(fixture['scenarios'])} scenarios, {count} steps", file=sys.stderr
    )
    return 0
