"""``python -m bench``: figures (default), ``storm``, ``kill9`` and ``fuzz``.

Figures (each also measured on the floor, the same graphs in-process with no server, and those
that only create, join and get also through a bare client, the same requests on a bare socket;
every figure is printed as ratios to the floor and to the reference)::

    python -m bench                                  # start our server, measure it
    python -m bench --against langgraph-dev          # ... and a `langgraph dev` we start
    python -m bench --against http://127.0.0.1:2024  # ... and a server already running there
    python -m bench --url http://127.0.0.1:8123      # measure a running server as "ours"
    python -m bench --json bench.json --repeats 5 --only seq_run_ms,parallel_s

Load and faults (our server unless ``--url``/``--reference``)::

    python -m bench storm [--threads 50 --messages 20 --streams 100]
    python -m bench kill9 [--threads 50 --messages 20]
    python -m bench fuzz
    python -m bench soak [--checkpoints 600,2400 --slow-readers 200]
    python -m bench profile [--only burst_runs_s] [--out /tmp/profile.html]

What recording the threads' stories costs (two servers, story on and off, side by side)::

    python -m bench story [--repeats 9]

API parity (re-record the reference's answers into tests/parity/fixture.json)::

    python -m bench record-parity [--url URL] [--only assistants,batch]

Does an interrupt ever lose the interrupted run's input (the scenario of issue 16's revert)::

    python -m bench lost-input [--tries 200 --hogs 2 --wait running|input|mixed]

The offline model's rules (no server)::

    python -m bench rules [--repeats 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console

from bench import server as servers
from bench.client import make_client
from bench.figures import BY_NAME, FIGURES, Measured, Result, Target, measure_side_by_side
from bench.floor import floor_figures
from bench.report import BARE, FLOOR, document, markdown, render, write_json
from bench.wire import BareClient, BareConnection
from engine.api.loops import loop_factory

REFERENCE_WORDS = ("langgraph-dev", "reference", "ref")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="doubletext benchmarks (default), load and fault tools, via the SDK over HTTP",
    )
    parser.add_argument(
        "--url", help="measure this running server as 'ours' instead of starting one"
    )
    parser.add_argument(
        "--against",
        help="a second server: a URL, or 'langgraph-dev' to start the reference server",
    )
    parser.add_argument("--json", dest="json_path", help="write the results as JSON here")
    parser.add_argument("--markdown", help="write the table as Markdown here (for the README)")
    parser.add_argument("--repeats", type=int, default=5, help="samples per figure (median kept)")
    parser.add_argument("--only", help="comma-separated figure names: " + ",".join(BY_NAME))
    parser.add_argument(
        "--loop",
        choices=("asyncio", "uvloop"),
        default="asyncio",
        help="this harness's event loop, where the floor and the SDK client run: asyncio's, as "
        "a LangGraph program runs by default, or uvloop, as our server does (a stricter floor)",
    )
    sub = parser.add_subparsers(dest="command")
    prof = sub.add_parser("profile", help="figures against our server running under pyinstrument")
    prof.add_argument("--only", help="figures to run (default: seq_run_ms,burst_runs_s,...)")
    prof.add_argument(
        "--out",
        default=str(Path(tempfile.gettempdir()) / "doubletext-bench-profile.html"),
        help="report path (.html or .txt)",
    )
    prof.add_argument("--repeats", type=int, default=5)
    prof.add_argument("--json", dest="sub_json", help="write the result as JSON here")
    rules = sub.add_parser("rules", help="the offline model's rules: time per message (corpus)")
    rules.add_argument("--repeats", type=int, default=20, help="passes over the corpus")
    rules.add_argument("--json", dest="sub_json", help="write the result as JSON here")
    from bench import soak

    soak.add_arguments(
        sub.add_parser("soak", help="a steady mix of runs: does the server's RSS level off?")
    )
    for name, help_text in (
        ("storm", "many threads, random strategies, many SSE streams; check invariants"),
        ("kill9", "storm, SIGKILL the server midway, restart on the same db, drain, check"),
        ("fuzz", "malformed and hostile bodies over the HTTP surface"),
    ):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("--url", dest="sub_url", help="target a running server")
        cmd.add_argument("--reference", action="store_true", help="start `langgraph dev`")
        cmd.add_argument("--json", dest="sub_json", help="write the result as JSON here")
        cmd.add_argument("--seed", type=int, default=6)
        if name != "fuzz":
            cmd.add_argument("--threads", type=int, default=50)
            cmd.add_argument("--messages", type=int, default=20)
            cmd.add_argument("--streams", type=int, default=100)
            cmd.add_argument("--graph-mix", default="halfsec,noop,two_step")
            cmd.add_argument(
                "--spread-s",
                type=float,
                default=10.0,
                help="messages are sent at random moments within this window",
            )
            cmd.add_argument("--drain-s", type=float, default=120.0)
    return parser


def _selected(only: str | None) -> list[str]:
    if not only:
        return [f.name for f in FIGURES]
    names = [n.strip() for n in only.split(",") if n.strip()]
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise SystemExit(f"unknown figure(s): {', '.join(unknown)}")
    return names


async def _measure_target(
    label: str,
    url: str,
    server: servers.Server | None,
    names: list[str],
    repeats: int,
    console: Console,
    with_floor: bool = False,
) -> tuple[dict[str, dict[str, Result]], dict[str, Any]]:
    """Each figure on this server; `with_floor` (ours): sampled in turns with the floor's
    figure and, for the figures that can be, with the same figure through a bare client, so all
    see the machine in the same state (results under `FLOOR` and `BARE` as well)."""
    client = make_client(url)
    target = Target(label, url, client, server)
    bare_client = BareClient(BareConnection(url))  # connects on its first request
    bare = Target(BARE, url, bare_client, server)
    results: dict[str, dict[str, Result]] = {label: {}, FLOOR: {}, BARE: {}}
    try:
        async with floor_figures(enabled=with_floor) as floor_of:
            for name in names:
                console.log(f"{label}: {name} …")
                figure = BY_NAME[name]
                others: dict[str, Measured] = {}
                if (floor := floor_of(name)) is not None:
                    others[FLOOR] = floor
                if with_floor and figure.bare:
                    others[BARE] = (figure, bare)
                measured = await measure_side_by_side([(figure, target), *others.values()], repeats)
                results[label][name] = measured[0]
                shown = f"{label}: {name} = {measured[0].median} {measured[0].error or ''}"
                for other, result in zip(others, measured[1:], strict=True):
                    results[other][name] = result
                    shown += f"; {other} = {result.median} {result.error or ''}"
                console.log(shown)
    finally:
        await client.http.client.aclose()
        await bare_client.connection.close()
    info: dict[str, Any] = {"url": url, "extras": target.extras}
    if server is not None:
        info.update(kind=server.kind, argv=server.argv, first_ready_s=server.ready_s)
    return results, info


def _start_for(spec: str | None, default_kind: str) -> tuple[str, servers.Server | None]:
    """A URL to measure, starting a server unless ``spec`` is already a URL."""
    if spec and spec.startswith("http"):
        return spec, None
    kind = "reference" if spec in REFERENCE_WORDS else default_kind
    server = servers.start(kind)
    return server.url, server


def run_figures(args: argparse.Namespace, argv: list[str]) -> int:
    console = Console(stderr=True)
    names = _selected(args.only)
    plan: list[tuple[str, str | None, str]] = [("ours", args.url, "ours")]
    if args.against:
        label = "reference" if args.against in REFERENCE_WORDS else args.against
        plan.append((label, args.against, "reference"))
    results: dict[str, dict[str, Result]] = {}
    infos: dict[str, dict[str, Any]] = {}
    for label, spec, kind in plan:
        url, server = _start_for(spec, kind)
        ours = label == "ours"  # the floor in the same run, sampled in turns with ours
        factory = loop_factory() if args.loop == "uvloop" else None
        try:
            with asyncio.Runner(loop_factory=factory) as runner:
                measured, infos[label] = runner.run(
                    _measure_target(
                        label, url, server, names, args.repeats, console, with_floor=ours
                    )
                )
        finally:
            if server is not None:
                server.stop()
        results[label] = measured[label]
        if ours:
            results[FLOOR] = measured[FLOOR]
            infos[FLOOR] = {
                "kind": "floor",
                "what": "in-process LangGraph + AsyncSqliteSaver",
                "loop": args.loop,
            }
            results[BARE] = measured[BARE]
            infos[BARE] = {"kind": "ours", "what": "the same requests on a bare socket"}
    render(results, list(results), Console(width=160))
    doc = document(results, infos, argv, args.repeats)
    if args.json_path:
        write_json(args.json_path, doc)
        console.log(f"wrote {args.json_path}")
    if args.markdown:
        Path(args.markdown).write_text(markdown(doc))
        console.log(f"wrote {args.markdown}")
    return 0


def run_tool(args: argparse.Namespace) -> int:
    if args.command == "profile":
        from bench import profile

        outcome = profile.main(args)
    elif args.command == "rules":
        from bench import rules

        outcome = rules.main(args)
    elif args.command == "fuzz":
        from bench import fuzz

        outcome = fuzz.main(args)
    elif args.command == "soak":
        from bench import soak

        outcome = soak.main(args)
    else:
        from bench import storm

        outcome = storm.main(args, kill=args.command == "kill9")
    print(json.dumps(outcome, indent=2, default=str))
    if args.sub_json:
        with open(args.sub_json, "w") as fh:
            json.dump(outcome, fh, indent=2, default=str)
    return 0 if outcome.get("ok") else 1


def main(argv: list[str] | None = None) -> int:
    # SIGTERM (e.g. from `timeout`) unwinds normally, so spawned servers are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["record-parity"]:
        from bench import parity

        return parity.main(argv[1:])
    if argv[:1] == ["lost-input"]:
        from bench import lost_input

        return lost_input.main(argv[1:])
    if argv[:1] == ["story"]:
        from bench import story_cost

        return story_cost.main(argv[1:])
    args = _parser().parse_args(argv)
    if args.command:
        return run_tool(args)
    return run_figures(args, argv)


if __name__ == "__main__":
    raise SystemExit(main())
