"""``python -m bench story``: what recording the threads' stories costs.

Two of our servers run side by side, one with the story (the default) and one with
``--no-story``; the figures alternate between them round by round (in alternating order), so
both see the same machine load, and each figure's median is reported with the ratio story on /
story off. The goal (issue 10): at most 10 % more ``seq_run_ms`` and at most 10 % less
``burst_runs_s``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
from typing import Any

from bench import server as servers
from bench.client import make_client
from bench.figures import BY_NAME, Target

FIGURES = ("seq_run_ms", "burst_runs_s")
MODES = {"story on": [], "story off": ["--no-story"]}


async def _rounds(urls: dict[str, str], names: list[str], repeats: int) -> dict[str, Any]:
    clients = {label: make_client(url) for label, url in urls.items()}
    targets = {label: Target(label, urls[label], client) for label, client in clients.items()}
    samples: dict[str, dict[str, list[float]]] = {n: {label: [] for label in urls} for n in names}
    try:
        for name in names:
            figure = BY_NAME[name]
            for label in urls:  # one warm-up each
                await figure.sample(targets[label])
            for round_ in range(repeats):
                order = list(urls) if round_ % 2 == 0 else list(reversed(urls))  # no order bias
                for label in order:
                    value = await figure.sample(targets[label])
                    if value is not None:
                        samples[name][label].append(value)
    finally:
        for client in clients.values():
            await client.http.client.aclose()
    out: dict[str, Any] = {}
    for name, by_label in samples.items():
        on, off = (statistics.median(by_label[label]) for label in MODES)
        out[name] = {"story on": on, "story off": off, "on / off": round(on / off, 3)}
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench story", description=__doc__)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--only", default=",".join(FIGURES))
    parser.add_argument("--json", dest="json_path")
    args = parser.parse_args(argv)
    names = [n for n in args.only.split(",") if n]
    started = {label: servers.start_ours(extra_args=extra) for label, extra in MODES.items()}
    try:
        result = asyncio.run(
            _rounds({label: s.url for label, s in started.items()}, names, args.repeats)
        )
    finally:
        for server in started.values():
            server.stop()
    print(json.dumps(result, indent=2))
    if args.json_path:
        with open(args.json_path, "w") as fh:
            json.dump(result, fh, indent=2)
    return 0
