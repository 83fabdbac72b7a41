"""A small storm: correctness only (no timing asserted; `python -m bench` measures speed)."""

from __future__ import annotations

import pytest

from bench import server as servers
from bench.storm import StormConfig, run_storm


async def test_storm_books_balance(served: servers.Server) -> None:
    cfg = StormConfig(
        threads=8,
        messages=8,
        streams=16,
        graphs=("noop", "halfsec", "two_step"),
        spread_s=3.0,
        drain_s=20.0,
        seed=11,
    )
    report = await run_storm(served.url, cfg, served)

    assert report["http"]["count_5xx"] == 0, report["http"]
    assert report["violations"] == [], report["violations"]
    assert report["accepted"] > 0
    assert report["tally"].get("LOST", 0) == 0
    assert report["peak_open_streams"] >= cfg.streams  # the openers' SSE streams overlapped
    assert report["monitor_samples"] > 0
    assert served.alive()


@pytest.mark.filterwarnings("ignore:Reconnecting without a Last-Event-ID:UserWarning")
async def test_kill9_mid_storm_loses_nothing(served: servers.Server) -> None:
    cfg = StormConfig(
        threads=6,
        messages=8,
        streams=12,
        graphs=("noop", "halfsec"),
        spread_s=4.0,
        drain_s=25.0,
        seed=12,
        kill_at_s=1.5,
    )
    report = await run_storm(served.url, cfg, served)

    assert len(report["kill_events"]) == 2, report["kill_events"]  # killed, then restarted
    assert report["http"]["count_5xx"] == 0, report["http"]
    assert report["violations"] == [], report["violations"]
    assert report["stuck_threads"] == []
    assert report["tally"].get("LOST", 0) == 0
    assert served.alive()
