"""The storm: many threads, messages at random moments with random strategies, many SSE streams.

Shape (defaults are the issue's: 50 threads × 20 messages, 100 SSE streams):

* At t≈0 the first ``streams`` messages (spread round-robin over the threads) go out as
  ``runs.stream`` with ``enqueue`` (each thread's first on ``slow``), so that many SSE streams
  are open at the same moment; the peak is measured, not assumed.
* The rest go out at random moments in ``[1 s, spread_s]``, each with a random strategy and a
  random way in (``runs.create`` / ``runs.stream`` / ``runs.wait``), on a random graph.
* A monitor samples ``at most one running run per thread`` while the storm blows.
* Then the harness waits (bounded) for every run to be terminal and checks the books
  (``bench.checks``). With ``kill=True`` the server is SIGKILLed midway and restarted on the
  same data dir, and the books must still balance.

Every loop is bounded in count and time; all traffic goes to a loopback server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from langgraph_sdk.client import LangGraphClient

from bench import server as servers
from bench.checks import Books, Sent, check_books
from bench.client import INFLIGHT, RequestStats, human, make_client

STRATEGIES = ("enqueue", "interrupt", "rollback", "reject")
STRATEGY_WEIGHTS = (0.4, 0.25, 0.2, 0.15)
VIAS = ("create", "stream", "wait")
VIA_WEIGHTS = (0.6, 0.25, 0.15)


@dataclass
class StormConfig:
    threads: int = 50
    messages: int = 20
    streams: int = 100
    graphs: tuple[str, ...] = ("halfsec", "noop", "two_step")
    spread_s: float = 10.0
    drain_s: float = 120.0
    seed: int = 6
    kill_at_s: float | None = None  # SIGKILL the server this long after the start
    restart_gap_s: float = 0.3


@dataclass
class Storm:
    cfg: StormConfig
    client: LangGraphClient
    stats: RequestStats
    rng: random.Random
    thread_ids: list[str] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    open_streams: int = 0
    peak_streams: int = 0
    running_violations: list[str] = field(default_factory=list)
    monitor_samples: int = 0
    stream_errors: list[str] = field(default_factory=list)
    kill_events: list[str] = field(default_factory=list)
    server_down: bool = False
    loop_lag_s: list[float] = field(default_factory=list)

    # --- sending -------------------------------------------------------------------------
    async def send(self, msg: Sent) -> None:
        msg.sent_at = time.perf_counter()

        def created(meta: Any) -> None:
            if msg.run_id is not None:  # a reconnect reports the same run again
                return
            msg.run_id = meta["run_id"]
            msg.accepted_at = time.perf_counter()
            msg.outcome = "accepted"
            if msg.via == "stream":  # the SSE response has arrived: the stream is open
                self.open_streams += 1
                self.peak_streams = max(self.peak_streams, self.open_streams)

        tid = msg.thread_id
        kwargs: dict[str, Any] = {"input": human(msg.text), "multitask_strategy": msg.strategy}
        try:
            if msg.via == "create":
                run = await self.client.runs.create(tid, msg.graph, **kwargs)
                msg.run_id, msg.accepted_at, msg.outcome = (
                    run["run_id"],
                    time.perf_counter(),
                    "accepted",
                )
            elif msg.via == "wait":
                await self.client.runs.wait(tid, msg.graph, on_run_created=created, **kwargs)
            else:
                await self._stream(msg, created, kwargs)
        except httpx.HTTPStatusError as exc:  # typed SDK errors and /wait's plain ones
            code = exc.response.status_code
            if code == 409 and msg.outcome != "accepted":
                msg.outcome = "rejected"
            elif msg.outcome != "accepted":
                msg.outcome = f"http {code}"
            if code != 409:
                msg.error = f"{code} {exc.response.text[:200]}"
        except (httpx.TransportError, httpx.StreamError) as exc:
            if msg.outcome != "accepted":
                # Connect errors never reached the server; anything later may have.
                msg.outcome = "failed" if isinstance(exc, httpx.ConnectError) else "unknown"
            msg.error = f"{type(exc).__name__}: {exc}"
            self.stats.transport_errors += 1
        except Exception as exc:  # keep the books even for surprises
            if msg.outcome != "accepted":
                msg.outcome = "client error"
            msg.error = f"{type(exc).__name__}: {exc}"

    async def _stream(self, msg: Sent, created: Any, kwargs: dict[str, Any]) -> None:
        try:
            async for part in self.client.runs.stream(
                msg.thread_id,
                msg.graph,
                stream_mode=["values", "updates"],
                on_run_created=created,
                **kwargs,
            ):
                if part.event == "error":
                    self.stream_errors.append(f"{msg.text}: {part.data}")
        finally:
            if msg.outcome == "accepted":
                self.open_streams -= 1

    def plan(self) -> list[tuple[float, Sent]]:
        """(delay, message) for every message: the stream openers first, the rest random."""
        cfg, rng = self.cfg, self.rng
        plan: list[tuple[float, Sent]] = []
        openers = [0] * len(self.thread_ids)
        for k in range(min(cfg.streams, cfg.threads * cfg.messages)):
            openers[k % cfg.threads] += 1
        for ti, tid in enumerate(self.thread_ids):
            for j in range(cfg.messages):
                text = f"t{ti}-m{j}-{rng.randrange(1 << 30):08x}"
                if j < openers[ti]:
                    graph = "slow" if j == 0 else rng.choice(cfg.graphs)
                    msg = Sent(ti, tid, text, "enqueue", "stream", graph)
                    plan.append((0.0, msg))
                    continue
                strategy = rng.choices(STRATEGIES, STRATEGY_WEIGHTS)[0]
                via = rng.choices(VIAS, VIA_WEIGHTS)[0]
                msg = Sent(ti, tid, text, strategy, via, rng.choice(cfg.graphs))
                plan.append((rng.uniform(1.0, max(1.0, cfg.spread_s)), msg))
        return plan

    # --- watching ------------------------------------------------------------------------
    async def monitor(self, stop: asyncio.Event) -> None:
        """Sample: a thread never has more than one ``running`` run."""
        while not stop.is_set():
            if not self.server_down:
                for tid in self.rng.sample(self.thread_ids, min(5, len(self.thread_ids))):
                    with contextlib.suppress(httpx.HTTPError):
                        running = await self.client.runs.list(tid, status="running", limit=10)
                        self.monitor_samples += 1
                        if len(running) > 1:
                            ids = [r["run_id"] for r in running]
                            self.running_violations.append(f"{tid}: {len(running)} running {ids}")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.05)

    async def lag_meter(self, stop: asyncio.Event) -> None:
        """How late this client's own event loop runs (a busy client inflates latencies)."""
        while not stop.is_set():
            begun = time.perf_counter()
            await asyncio.sleep(0.01)
            self.loop_lag_s.append(time.perf_counter() - begun - 0.01)

    async def drain(self, timeout_s: float) -> list[str]:
        """Wait until no thread has a pending/running run; return threads still busy."""
        deadline = time.perf_counter() + timeout_s
        busy = list(self.thread_ids)
        while busy and time.perf_counter() < deadline:
            still = []
            for tid in busy:
                try:
                    runs = await self.client.runs.list(tid, limit=1000)
                except httpx.HTTPError:
                    still.append(tid)
                    continue
                if any(r["status"] in INFLIGHT for r in runs):
                    still.append(tid)
            busy = still
            if busy:
                await asyncio.sleep(0.2)
        return busy


def _lag_summary(lags: list[float]) -> dict[str, float]:
    if not lags:
        return {}
    ordered = sorted(lags)
    pick = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)  # noqa: E731
    return {"p50": pick(0.5), "p99": pick(0.99), "max": round(ordered[-1] * 1000, 1)}


def _accepted_then_failed(sent: list[Sent]) -> dict[str, int]:
    """Accepted messages whose stream or wait then ended in an error, by way in and error."""
    out: dict[str, int] = {}
    for msg in sent:
        if msg.outcome == "accepted" and msg.error:
            key = f"{msg.via}: {msg.error.split(' ', 1)[0]}"
            out[key] = out.get(key, 0) + 1
    return out


async def _killer(storm: Storm, srv: servers.Server, at_s: float, gap_s: float) -> None:
    await asyncio.sleep(at_s)
    inflight = sum(1 for m in storm.sent if m.outcome == "sending" and m.sent_at > 0)
    storm.server_down = True
    srv.kill9()
    storm.kill_events.append(f"SIGKILL at {at_s:.1f}s with {inflight} requests in flight")
    await asyncio.sleep(gap_s)
    restarted = await asyncio.to_thread(servers.start_ours, workdir=srv.workdir, port=srv.port)
    srv.proc, srv.ready_s = restarted.proc, restarted.ready_s
    storm.server_down = False
    storm.kill_events.append(f"restarted on the same --db, ready in {restarted.ready_s:.2f}s")


async def run_storm(
    url: str, cfg: StormConfig, srv: servers.Server | None = None
) -> dict[str, Any]:
    """Blow the storm at ``url`` and return the books and the figures."""
    stats = RequestStats()
    # Every message may hold a connection (streams, waits): never queue in the client pool.
    client = make_client(url, stats, max_connections=cfg.threads * cfg.messages + 100)
    storm = Storm(cfg, client, stats, random.Random(cfg.seed))
    try:
        for _ in range(cfg.threads):
            storm.thread_ids.append((await client.threads.create())["thread_id"])
        plan = storm.plan()
        storm.sent = [m for _, m in plan]
        stop = asyncio.Event()
        monitor = asyncio.create_task(storm.monitor(stop))
        lag = asyncio.create_task(storm.lag_meter(stop))
        killer = None
        if cfg.kill_at_s is not None and srv is not None:
            killer = asyncio.create_task(_killer(storm, srv, cfg.kill_at_s, cfg.restart_gap_s))
        start = time.perf_counter()

        async def later(delay: float, msg: Sent) -> None:
            await asyncio.sleep(delay)
            await storm.send(msg)

        senders = [asyncio.create_task(later(d, m)) for d, m in plan]
        budget = cfg.spread_s + cfg.drain_s + 60.0
        _done, pending = await asyncio.wait(senders, timeout=budget)
        for task in pending:
            task.cancel()
        if killer is not None:
            await killer
        send_elapsed = time.perf_counter() - start
        http_summary = stats.summary(send_elapsed)  # the storm's own requests, not the audit's
        busy = await storm.drain(cfg.drain_s)
        stop.set()
        await monitor
        await lag
        elapsed = time.perf_counter() - start
        books = Books(storm.thread_ids, storm.sent, kill=cfg.kill_at_s is not None)
        report = await check_books(client, books)
        report["stuck_threads"] = busy
        if busy:
            report["violations"].append(f"{len(busy)} threads still busy after drain")
        report["violations"] += [f"two running: {v}" for v in storm.running_violations]
        report["violations"] += [f"5xx: {e}" for e in stats.server_errors[:20]]
        if pending:
            report["violations"].append(f"{len(pending)} senders did not finish in {budget:.0f}s")
        report.update(
            config=dict(vars(cfg)),
            send_phase_s=round(send_elapsed, 2),
            total_s=round(elapsed, 2),
            http=http_summary,
            accepted_then_failed=_accepted_then_failed(storm.sent),
            peak_open_streams=storm.peak_streams,
            client_loop_lag_ms=_lag_summary(storm.loop_lag_s),
            monitor_samples=storm.monitor_samples,
            stream_error_events=len(storm.stream_errors),
            kill_events=storm.kill_events,
        )
        report["ok"] = not report["violations"] and stats.count_5xx == 0
        return report
    finally:
        await client.http.client.aclose()


def config_from_args(args: argparse.Namespace) -> StormConfig:
    return StormConfig(
        threads=args.threads,
        messages=args.messages,
        streams=args.streams,
        graphs=tuple(g for g in args.graph_mix.split(",") if g),
        spread_s=args.spread_s,
        drain_s=args.drain_s,
        seed=args.seed,
    )


def main(args: argparse.Namespace, kill: bool) -> dict[str, Any]:
    cfg = config_from_args(args)
    if kill:
        cfg.kill_at_s = cfg.spread_s * 0.4
    if args.sub_url:
        if kill:
            raise SystemExit("kill9 needs a server the harness starts (no --url)")
        return asyncio.run(run_storm(args.sub_url, cfg))
    srv = servers.start("reference" if args.reference else "ours")
    try:
        out = asyncio.run(run_storm(srv.url, cfg, srv))
        out["server"] = {"kind": srv.kind, "argv": srv.argv, "alive_at_end": srv.alive()}
        if srv.kind == "ours":
            out["server"]["rss_mb_at_end"] = round(srv.rss_mb() or 0.0, 1)
        return out
    finally:
        srv.stop()
