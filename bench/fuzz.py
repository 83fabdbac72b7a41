"""A fuzz pass over the HTTP surface: malformed and hostile requests must never get a 5xx.

Three families, all sent with plain httpx (the SDK would refuse to build most of them):

* hand-written hostile requests: broken JSON, wrong top-level types, deep nesting, huge strings
  and bodies, invalid UTF-8, bad and hostile ids in paths, bad query parameters;
* field mutations: each field of a valid run-creation body replaced by each hostile value, on
  ``/runs``, ``/runs/stream`` and ``/runs/wait`` (stateful and stateless), and the same for the
  other endpoints that take a body;
* seeded random JSON bodies to random endpoints.

Pass: no response ≥ 500, no dropped connection, and afterwards the server still answers ``/ok``
and still runs a ``noop`` run to the end. Slow answers (a request that legitimately waits, such
as ``/wait`` on a run scheduled far in the future) are cut at a per-request timeout and counted,
not failed. The request count is fixed by the lists and the seed; traffic is loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench import server as servers

HUGE = "x" * 2_000_000
DEEP_LIST = "[" * 100_000 + "]" * 100_000
DEEP_OBJ = '{"a":' * 50_000 + "1" + "}" * 50_000


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"n": value}
    return value


HOSTILE_VALUES: list[Any] = [
    None,
    0,
    -1,
    2**70,
    1.5,
    float("1e308"),
    True,
    "",
    "bogus",
    "\u0000",
    "💥" * 1000,
    "x" * 70_000,
    [],
    [1, "a", None],
    {},
    {"unknown": {"deep": [1, 2, 3]}},
    "../../../../etc/passwd",
    "00000000-0000-0000-0000-000000000000",
    _nested(500),
]
RUN_FIELDS = [
    "assistant_id",
    "input",
    "multitask_strategy",
    "stream_mode",
    "config",
    "context",
    "metadata",
    "checkpoint_id",
    "checkpoint",
    "command",
    "interrupt_before",
    "interrupt_after",
    "on_disconnect",
    "if_not_exists",
    "webhook",
    "after_seconds",
    "stream_subgraphs",
    "stream_resumable",
    "on_completion",
    "durability",
    "feedback_keys",
    "checkpoint_during",
    "__proto__",
    "unknown_field",
]
BAD_IDS = [
    "not-a-uuid",
    "00000000-0000-0000-0000-000000000000",
    "%00",
    "..%2F..%2Fetc",
    "ñ" * 40,
    "1" * 5000,
    "'; DROP TABLE runs; --",
    "%ZZ",
]
BAD_QUERIES = [
    {"limit": "-1"},
    {"limit": "abc"},
    {"limit": "1e99"},
    {"limit": "99999999999999999999"},
    {"offset": "-5"},
    {"status": "bogus"},
    {"stream_mode": "bogus"},
    {"stream_mode": "[1,2"},
    {"action": "bogus"},
    {"wait": "maybe"},
    {"select": "nope"},
    {"cancel_on_disconnect": "x"},
    {"subgraphs": "2"},
    {"namespace": "a..b"},
    {"key": ""},
]


Probe = tuple[str, str, dict[str, Any], str]  # method, path, httpx kwargs, what it tests

NUL = "\u0000"
BAD_FILTER_KEYS = ["a b", "x') OR 1=1 --", 'a"b', f"a{NUL}", "", "é"]


def _filter_probes(tid: str, other: str) -> list[Probe]:
    """Filters, checkpoints and store values that reached SQLite or the JSON encoder raw (500s):
    keys outside [A-Za-z0-9_.-], unknown operators, values nested past 254 levels, NUL in a
    namespace, and a checkpoint naming another thread (which must not be read)."""
    history = f"/threads/{tid}/history"
    deep = _nested(254)
    probes: list[Probe] = []
    for key in BAD_FILTER_KEYS:
        probes += [
            ("POST", history, {"json": {"metadata": {key: 1}}}, "history filter key"),
            ("POST", "/store/items/search", {"json": {"filter": {key: 1}}}, "store filter key"),
            ("POST", "/threads/search", {"json": {"metadata": {key: 1}}}, "thread filter key"),
            ("POST", "/threads/count", {"json": {"metadata": {key: 1}}}, "thread filter key"),
        ]
    for operator in ("$zz", "$where", "n", "", "$eq "):
        body = {"json": {"filter": {"a": {operator: 1}}}}
        probes.append(("POST", "/store/items/search", body, "store filter operator"))
    for condition in (deep, {"$eq": deep}, {"$gt": [deep]}, {"$ne": {"x": deep}}):
        body = {"json": {"filter": {"a": condition}}}
        probes.append(("POST", "/store/items/search", body, "deep filter value"))
    probes += [
        ("POST", history, {"json": {"metadata": {"a": deep}}}, "deep history filter"),
        ("PUT", "/store/items", {"json": {"namespace": ["a"], "key": "k", "value": deep}}, "deep"),
        ("POST", "/threads", {"json": {"metadata": {"a": deep}}}, "deep metadata"),
        ("POST", "/threads/search", {"json": {"metadata": {"a": deep}}}, "deep filter"),
    ]
    for checkpoint in (
        {"thread_id": other},
        {"thread_id": other, "checkpoint_ns": ""},
        {"checkpoint_ns": 5},
        {"checkpoint_id": ["x"]},
        {"checkpoint_map": 5},
        {"checkpoint_map": {"a": 1}},
        {"thread_id": 5},
    ):
        for path in (history, f"/threads/{tid}/state/checkpoint"):
            body = {"json": {"checkpoint": checkpoint}}
            probes.append(("POST", path, body, "foreign or bad checkpoint"))
    for namespace in ([f"a{NUL}b"], [NUL], ["a", f"{NUL}"]):
        probes += [
            ("PUT", "/store/items", {"json": {"namespace": namespace, "key": "k", "value": {}}},
             "NUL namespace"),
            ("DELETE", "/store/items", {"json": {"namespace": namespace, "key": "k"}},
             "NUL namespace"),
            ("POST", "/store/items/search", {"json": {"namespace_prefix": namespace}},
             "NUL namespace"),
            ("POST", "/store/namespaces", {"json": {"prefix": namespace, "suffix": namespace}},
             "NUL namespace"),
            ("GET", "/store/items", {"params": {"namespace": ".".join(namespace), "key": "k"}},
             "NUL namespace"),
        ]  # fmt: skip
    probes.append(("PUT", "/store/items", {"json": {"namespace": ["a"], "key": NUL, "value": {}}},
                   "NUL key"))  # fmt: skip
    return probes


def _hostile_header_probes(tid: str) -> list[Probe]:
    """A DNS-rebound page (foreign Host) and cross-origin simple requests (no preflight)."""
    probes: list[Probe] = []
    for host in ("evil.example", "evil.example:8123", "127.0.0.1.evil.example", "", "[::1"):
        probes.append(("GET", f"/threads/{tid}", {"headers": {"host": host}}, "foreign Host"))
        probes.append(("POST", "/threads/search", {"json": {}, "headers": {"host": host}},
                       "foreign Host"))  # fmt: skip
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        body = _raw('{"status": "all"}', ctype)
        probes.append(("POST", "/runs/cancel?action=rollback", body, "cross-origin cancel"))
        probes.append(("POST", f"/threads/{tid}/copy", _raw("{}", ctype), "cross-origin copy"))
    return probes


@dataclass
class Fuzz:
    client: httpx.AsyncClient
    timeout_s: float
    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    timeouts: list[str] = field(default_factory=list)
    non_json_errors: list[str] = field(default_factory=list)
    client_errors: list[str] = field(default_factory=list)

    async def hit(self, method: str, path: str, tag: str, **kwargs: Any) -> None:
        self.sent += 1
        label = f"{method} {path[:80]} [{tag}] {_describe(kwargs)}"
        try:
            async with asyncio.timeout(self.timeout_s):
                async with self.client.stream(method, path, **kwargs) as response:
                    body = b""
                    async for chunk in response.aiter_bytes():
                        body += chunk
                        if len(body) > 8_000_000:
                            break
        except TimeoutError:
            self.timeouts.append(label)
            return
        except httpx.TransportError as exc:
            self.dropped.append(f"{label}: {type(exc).__name__} {exc}")
            return
        except Exception as exc:  # a request httpx refuses to send is our problem, not theirs
            self.client_errors.append(f"{label}: {type(exc).__name__} {exc}")
            return
        self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            self.server_errors.append(f"{response.status_code} {label}: {body[:200]!r}")
        elif response.status_code >= 400:
            try:
                detail = json.loads(body)
                if not isinstance(detail, dict) or "detail" not in detail:
                    raise ValueError
            except ValueError:
                self.non_json_errors.append(f"{response.status_code} {label}: {body[:80]!r}")


def _describe(kwargs: dict[str, Any]) -> str:
    if "content" in kwargs:
        content = kwargs["content"]
        return f"raw[{len(content)}]:{content[:40]!r}"
    if "json" in kwargs:
        text = json.dumps(kwargs["json"], default=str)
        return f"json[{len(text)}]:{text[:60]}"
    if "params" in kwargs:
        return f"params:{kwargs['params']}"
    return ""


def _raw(body: str | bytes, ctype: str = "application/json") -> dict[str, Any]:
    data = body.encode() if isinstance(body, str) else body
    return {"content": data, "headers": {"content-type": ctype}}


RAW_BODIES: list[dict[str, Any]] = [
    _raw(""),
    _raw("{"),
    _raw("null"),
    _raw("[]"),
    _raw("1"),
    _raw('"x"'),
    _raw("true"),
    _raw(DEEP_LIST),
    _raw(DEEP_OBJ),
    _raw(b'{"assistant_id": "\xff\xfe"}'),
    _raw('{"assistant_id": "noop", "input": NaN}'),
    _raw('{"a":1,"a":2}'),
    _raw('{"assistant_id": "noop"}', "text/plain"),
    _raw("assistant_id=noop", "application/x-www-form-urlencoded"),
    _raw(
        json.dumps(
            {"assistant_id": "noop", "input": {"messages": [{"role": "user", "content": HUGE}]}}
        )
    ),
    _raw(b"\x00" * 1000),
    _raw("x" * 16_000_000),
]


def _random_json(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(8 if depth < 4 else 5)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([0, -1, 1, 2**63, -(2**63), 3.25])
    if kind == 2:
        return rng.choice(["", "noop", "interrupt", "values", str(uuid.uuid4()), "ü" * 50])
    if kind == 3:
        return rng.random() < 0.5
    if kind == 4:
        return rng.choice(HOSTILE_VALUES[:12])
    if kind == 5:
        return [_random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = [*RUN_FIELDS, "thread_id", "namespace", "key", "value", "values", "limit", "run_ids"]
    return {rng.choice(keys): _random_json(rng, depth + 1) for _ in range(rng.randrange(5))}


async def _plan(fz: Fuzz, rng: random.Random, random_count: int, quick: bool) -> list[Probe]:
    c = fz.client
    tid = (await c.post("/threads", json={})).json()["thread_id"]
    run = (await c.post(f"/threads/{tid}/runs", json={"assistant_id": "noop"})).json()
    rid = run["run_id"]
    await c.get(f"/threads/{tid}/runs/{rid}/join")
    other = (await c.post("/threads", json={})).json()["thread_id"]
    body = {"assistant_id": "noop", "input": {"messages": [{"role": "user", "content": "other"}]}}
    await c.post(f"/threads/{other}/runs/wait", json=body)
    body_paths = [
        ("POST", "/threads"),
        ("PATCH", f"/threads/{tid}"),
        ("POST", "/threads/search"),
        ("POST", "/threads/count"),
        ("POST", f"/threads/{tid}/runs"),
        ("POST", f"/threads/{tid}/runs/stream"),
        ("POST", f"/threads/{tid}/runs/wait"),
        ("POST", "/runs"),
        ("POST", "/runs/stream"),
        ("POST", "/runs/wait"),
        ("POST", "/runs/cancel"),
        ("POST", f"/threads/{tid}/state"),
        ("POST", f"/threads/{tid}/history"),
        ("POST", f"/threads/{tid}/copy"),
        ("PUT", "/store/items"),
        ("DELETE", "/store/items"),
        ("POST", "/store/items/search"),
        ("POST", "/store/namespaces"),
        ("POST", "/assistants/search"),
        ("POST", "/assistants"),
    ]
    plan: list[Probe] = []
    big = ("POST", f"/threads/{tid}/runs"), ("POST", "/threads"), ("PUT", "/store/items")
    for method, path in body_paths:
        for i, body in enumerate(RAW_BODIES):
            if quick and len(body["content"]) > 100_000 and (method, path) not in big:
                continue
            plan.append((method, path, body, f"raw#{i}"))
    base = {"assistant_id": "noop", "input": {"messages": [{"role": "user", "content": "hi"}]}}
    run_paths = ["/threads/{fresh}/runs", "/threads/{fresh}/runs/stream"]
    if not quick:
        run_paths += ["/threads/{fresh}/runs/wait", "/runs", "/runs/wait"]
    for path in run_paths:
        for name in RUN_FIELDS:
            for i, value in enumerate(HOSTILE_VALUES):
                plan.append(("POST", path, {"json": {**base, name: value}}, f"{name}=hostile#{i}"))
    fields = ("thread_id", "metadata", "limit", "namespace", "key", "value", "values")
    for method, path in body_paths:
        for i, value in enumerate(HOSTILE_VALUES):
            plan.append((method, path, {"json": value}, f"body=hostile#{i}"))
            if not quick:
                every = {name: value for name in fields}
                plan.append((method, path, {"json": every}, f"all fields=hostile#{i}"))
    for bad in BAD_IDS:
        for suffix in ("", "/runs", f"/runs/{bad}", "/state", "/history", "/side_effects"):
            plan.append(("GET", f"/threads/{bad}{suffix}", {}, "bad id"))
        plan.append(("GET", f"/threads/{tid}/runs/{bad}/side_effects", {}, "bad id"))
        plan.append(("POST", f"/threads/{bad}/copy", {}, "bad id"))
        for suffix in ("/join", "/stream", "/cancel"):
            method = "POST" if suffix == "/cancel" else "GET"
            plan.append((method, f"/threads/{tid}/runs/{bad}{suffix}", {}, "bad id"))
        plan.append(("DELETE", f"/threads/{bad}", {}, "bad id"))
        plan.append(("DELETE", f"/threads/{tid}/runs/{bad}", {}, "bad id"))
        plan.append(("POST", f"/threads/{bad}/runs", {"json": base}, "bad id"))
        plan.append(("GET", f"/assistants/{bad}", {}, "bad id"))
    for params in BAD_QUERIES:
        for method, path in (
            ("GET", f"/threads/{tid}/runs"),
            ("GET", f"/threads/{tid}/runs/{rid}/stream"),
            ("GET", f"/threads/{tid}/runs/{rid}/join"),
            ("POST", f"/threads/{tid}/runs/{rid}/cancel"),
            ("GET", f"/threads/{tid}/history"),
            ("GET", f"/threads/{tid}/state"),
            ("GET", "/store/items"),
        ):
            plan.append((method, path, {"params": params}, "bad query"))
    plan += _filter_probes(tid, other)
    plan += _hostile_header_probes(tid)
    for params in ({"limit": "0"}, {"limit": "x"}, {"offset": "-1"}, {"limit": "99999999"}):
        plan.append(("GET", f"/threads/{tid}/side_effects", {"params": params}, "bad query"))
    bad_header = {"headers": {"Last-Event-ID": ("💥" * 100).encode()}}
    plan.append(("GET", f"/threads/{tid}/runs/{rid}/stream", bad_header, "bad Last-Event-ID"))
    plan += _thread_stream_probes(tid)
    plan.append(("GET", "/" + "a" * 8000, {}, "long path"))
    plan.append(("PUT", "/threads", {"json": {}}, "wrong method"))
    for i in range(random_count):
        method, path = rng.choice(body_paths)
        plan.append((method, path, {"json": _random_json(rng)}, f"random#{i}"))
    return plan


def _thread_stream_probes(tid: str) -> list[Probe]:
    """The thread's story and stream (ours, and the reference's join): bad ids, modes, ids and
    queries must be a 4xx before any stream opens (a good one would stay open)."""
    probes: list[Probe] = []
    for bad in BAD_IDS:
        for suffix in ("/story", "/stream"):
            probes.append(("GET", f"/threads/{bad}{suffix}", {}, "bad id"))
    stream = f"/threads/{tid}/stream"
    for mode in ("bogus", "[1,2", '["story", 3]', "[]x", "story\x00", "💥" * 500, "a" * 10_000):
        for key in ("stream_mode", "stream_modes"):
            probes.append(("GET", stream, {"params": {key: mode}}, "bad thread stream mode"))
    for last in (b"abc", b"-", b"1-x", "💥".encode() * 100, b"9" * 5000 + b"x"):
        headers = {"headers": {"Last-Event-ID": last}, "params": {"stream_mode": "story"}}
        probes.append(("GET", stream, headers, "bad thread Last-Event-ID"))
    for params in [*BAD_QUERIES[:5], {"after": "-1"}, {"after": "x"}, {"after": "1e99"}]:
        probes.append(("GET", f"/threads/{tid}/story", {"params": params}, "bad query"))
    return probes


async def run_fuzz(
    url: str,
    seed: int = 6,
    random_count: int = 300,
    concurrency: int = 8,
    timeout_s: float = 5.0,
    quick: bool = False,
) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(timeout_s + 5)) as client:
        fz = Fuzz(client, timeout_s)
        plan = await _plan(fz, random.Random(seed), random_count, quick)
        gate = asyncio.Semaphore(concurrency)
        start = time.perf_counter()

        async def one(method: str, path: str, kwargs: dict[str, Any], tag: str) -> None:
            async with gate:
                if "{fresh}" in path:  # run bodies get a thread of their own: no queues
                    try:
                        fresh = (await client.post("/threads", json={})).json()["thread_id"]
                    except (httpx.HTTPError, ValueError, KeyError) as exc:
                        fz.dropped.append(f"POST /threads for a fresh thread: {exc!r}")
                        return
                    path = path.replace("{fresh}", fresh)
                await fz.hit(method, path, tag, **kwargs)

        await asyncio.gather(*(one(*probe) for probe in plan))
        elapsed = time.perf_counter() - start
        alive = await _still_serving(client)
    return {
        "requests": fz.sent,
        "quick": quick,
        "elapsed_s": round(elapsed, 2),
        "statuses": {str(k): v for k, v in sorted(fz.statuses.items())},
        "server_errors": fz.server_errors,
        "dropped_connections": fz.dropped,
        "timeouts": len(fz.timeouts),
        "timeout_samples": fz.timeouts[:10],
        "non_json_4xx": len(fz.non_json_errors),
        "non_json_4xx_samples": fz.non_json_errors[:10],
        "harness_errors": fz.client_errors[:10],
        "still_serving": alive,
        "ok": not fz.server_errors and not fz.dropped and alive == "yes",
    }


async def _still_serving(client: httpx.AsyncClient) -> str:
    try:
        if (await client.get("/ok")).status_code != 200:
            return "no: /ok failed"
        tid = (await client.post("/threads", json={})).json()["thread_id"]
        body = {"assistant_id": "noop", "input": {"messages": [{"role": "user", "content": "ok?"}]}}
        result = (await client.post(f"/threads/{tid}/runs/wait", json=body)).json()
        if "reply to: ok?" not in json.dumps(result):
            return f"no: noop run gave {str(result)[:200]}"
        return "yes"
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        return f"no: {type(exc).__name__} {exc}"


def main(args: argparse.Namespace) -> dict[str, Any]:
    if args.sub_url:
        return asyncio.run(run_fuzz(args.sub_url, seed=args.seed))
    srv = servers.start("reference" if args.reference else "ours")
    try:
        out = asyncio.run(run_fuzz(srv.url, seed=args.seed))
        out["server_alive"] = srv.alive()
        out["ok"] = out["ok"] and srv.alive()
        if not srv.alive():
            out["server_log_tail"] = srv.log_tail()
        return out
    finally:
        srv.stop()
