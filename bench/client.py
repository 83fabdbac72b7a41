"""An official ``langgraph_sdk`` client over a real loopback socket, with per-request stats.

Every HTTP response (including SSE responses, at header time) is counted by status code and its
latency to headers is recorded, so load tools can report requests/s, p50/p99 and 5xx counts
without wrapping each SDK call.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx
from langgraph_sdk.client import LangGraphClient

from bench.wire import BareClient

_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TERMINAL = frozenset({"success", "error", "interrupted", "timeout"})
INFLIGHT = frozenset({"pending", "running"})


@dataclass
class RequestStats:
    """Counts and latencies of every response a client saw."""

    statuses: Counter[int] = field(default_factory=Counter)
    latencies_s: list[float] = field(default_factory=list)  # requests that answer at once
    waits_s: list[float] = field(default_factory=list)  # /wait and /join: they answer at run end
    by_route: dict[str, list[float]] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    transport_errors: int = 0
    slow: list[str] = field(default_factory=list)  # non-wait responses slower than 1 s
    started_at: float = field(default_factory=time.perf_counter)
    _pending: dict[int, float] = field(default_factory=dict)

    async def on_request(self, request: httpx.Request) -> None:
        self._pending[id(request)] = time.perf_counter()

    async def on_response(self, response: httpx.Response) -> None:
        begun = self._pending.pop(id(response.request), None)
        if begun is not None:
            took = time.perf_counter() - begun
            req = response.request
            if req.url.path.endswith(("/wait", "/join")):
                self.waits_s.append(took)
            else:
                self.latencies_s.append(took)
            self.by_route.setdefault(f"{req.method} {_ID.sub('{id}', req.url.path)}", []).append(
                took
            )
            if took > 1.0 and len(self.slow) < 50 and not req.url.path.endswith(("/wait", "/join")):
                at = begun - self.started_at
                self.slow.append(
                    f"{took:.2f}s (sent at +{at:.1f}s) {response.status_code} {req.method} "
                    f"{req.url.path}"
                )
        self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            self.server_errors.append(
                f"{response.status_code} {response.request.method} {response.request.url.path}"
            )

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    @property
    def count_5xx(self) -> int:
        return sum(n for code, n in self.statuses.items() if code >= 500)

    def percentile_ms(self, q: float, waits: bool = False) -> float | None:
        values = self.waits_s if waits else self.latencies_s
        if not values:
            return None
        ordered = sorted(values)
        index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
        return ordered[index] * 1000.0

    def summary(self, elapsed_s: float) -> dict[str, object]:
        return {
            "requests": self.total,
            "requests_per_s": round(self.total / elapsed_s, 1) if elapsed_s > 0 else None,
            "p50_ms": _round(self.percentile_ms(0.50)),
            "p99_ms": _round(self.percentile_ms(0.99)),
            "max_ms": _round(self.percentile_ms(1.0)),
            "latency_note": "time to response headers; /wait and /join are counted apart",
            "wait_join_p50_ms": _round(self.percentile_ms(0.50, waits=True)),
            "wait_join_p99_ms": _round(self.percentile_ms(0.99, waits=True)),
            "statuses": {str(code): n for code, n in sorted(self.statuses.items())},
            "count_5xx": self.count_5xx,
            "transport_errors": self.transport_errors,
            "by_route_ms": {
                route: {
                    "n": len(v),
                    "p50": _round(sorted(v)[len(v) // 2] * 1000),
                    "p99": _round(sorted(v)[min(len(v) - 1, int(0.99 * len(v)))] * 1000),
                }
                for route, v in sorted(self.by_route.items())
            },
            "slow_over_1s": len(self.slow),
            "slow_samples": self.slow[:5],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def make_client(
    url: str,
    stats: RequestStats | None = None,
    max_connections: int = 400,
    read_timeout_s: float = 300.0,
    retries: int = 0,
) -> LangGraphClient:
    """An SDK client on its own ``httpx.AsyncClient`` (keep-alive pool sized for storms)."""
    hooks: dict[str, list] = {}
    if stats is not None:
        hooks = {"request": [stats.on_request], "response": [stats.on_response]}
    http = httpx.AsyncClient(
        base_url=url,
        transport=httpx.AsyncHTTPTransport(
            retries=retries,
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
        ),
        timeout=httpx.Timeout(connect=5.0, read=read_timeout_s, write=60.0, pool=60.0),
        headers={"User-Agent": "doubletext-bench"},
        event_hooks=hooks,
    )
    return LangGraphClient(http)


async def wait_status(
    client: LangGraphClient | BareClient,
    thread_id: str,
    run_id: str,
    wanted: frozenset[str] | set[str],
    timeout_s: float = 30.0,
    interval_s: float = 0.001,
) -> str:
    """Poll a run until its status is in ``wanted``; return that status."""
    deadline = time.perf_counter() + timeout_s
    while True:
        run = await client.runs.get(thread_id, run_id)
        if run["status"] in wanted:
            return run["status"]
        if time.perf_counter() > deadline:
            raise TimeoutError(f"run {run_id} still {run['status']} after {timeout_s} s")
        await asyncio.sleep(interval_s)


def human(text: str) -> dict[str, list[dict[str, str]]]:
    return {"messages": [{"role": "user", "content": text}]}
