"""Profile our server under pyinstrument while figures run against it.

``python -m bench profile --only burst_runs_s,seq_run_ms --out /tmp/profile.html`` starts
``doubletext serve`` under ``pyinstrument``, measures the chosen figures through the SDK as usual,
then stops the server with SIGINT so pyinstrument writes its report (HTML, or text for a path
ending in ``.txt``). Where a figure misses its target, this shows what bounds it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from bench import server as servers
from bench.client import make_client
from bench.figures import BY_NAME, Target, measure

DEFAULT_FIGURES = "seq_run_ms,burst_runs_s,preempt_rb_ms"


def profiled_command(out: Path) -> list[str]:
    renderer = "text" if out.suffix == ".txt" else "html"
    doubletext = servers.ours_command()
    # `python -m doubletext` or the console script (a Python file pyinstrument can run)
    target = ["-m", "doubletext"] if doubletext[0] == sys.executable else [doubletext[0]]
    return [sys.executable, "-m", "pyinstrument", "-r", renderer, "-o", str(out), *target]


async def _measure(url: str, names: list[str], repeats: int) -> dict[str, Any]:
    client = make_client(url)
    target = Target("ours (profiled)", url, client)
    try:
        results = {}
        for name in names:
            result = await measure(BY_NAME[name], target, repeats)
            results[name] = result.median if result.median is not None else result.error
        return results
    finally:
        await client.http.client.aclose()


def main(args: argparse.Namespace) -> dict[str, Any]:
    names = [n.strip() for n in (args.only or DEFAULT_FIGURES).split(",") if n.strip()]
    unknown = [n for n in names if n not in BY_NAME or BY_NAME[n].needs_process]
    if unknown:
        raise SystemExit(f"cannot profile with figure(s): {', '.join(unknown)}")
    out = Path(args.out).resolve()
    srv = servers.start_ours(command=profiled_command(out), timeout_s=60.0)
    try:
        medians = asyncio.run(_measure(srv.url, names, args.repeats))
        srv.interrupt()
    finally:
        srv.stop()
    Console(stderr=True).log(f"profile written to {out}" if out.exists() else "no profile written")
    return {"ok": out.exists(), "profile": str(out), "medians_under_profiler": medians}
