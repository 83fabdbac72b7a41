"""The figure table (rich) and the JSON document, with the machine they were measured on."""

from __future__ import annotations

import json
import os
import platform
import re
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.figures import FIGURES, Figure, Result

LOAD_AT_START = round(os.getloadavg()[0], 2)  # taken when the harness is imported


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        kb = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
        mem_gib = round(int(kb.group(1)) / 1024 / 1024, 1) if kb else None
    except OSError:
        pass
    return {
        "cores": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "cpu": model,
        "memory_gib": mem_gib,
        "load_avg_1m_at_start": LOAD_AT_START,  # others' work on the box skews the figures
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit in ("s",):
        return f"{value:.2f} s"
    if unit == "ms":
        if value < 1:
            return f"{value:.2f} ms"
        return f"{value:.1f} ms" if value < 100 else f"{value:.0f} ms"
    if unit == "runs/s":
        return f"{value:.0f} runs/s"
    if unit == "MiB":
        return f"{value:.0f} MiB"
    return f"{value:.3g} {unit}"


def better_ratio(figure: Figure, ours: float | None, other: float | None) -> float | None:
    """How many times better ours is than the other column (>1 means ours wins)."""
    if ours is None or other is None or ours <= 0 or other <= 0:
        return None
    return other / ours if figure.lower_is_better else ours / other


def cost_ratio(figure: Figure, ours: float | None, other: float | None) -> float | None:
    """Ours' cost as a multiple of the other's: time over time, or for a rate the inverse
    (1.0 = as cheap; 2.0 = twice the time per unit of work; 0.5 = twice as fast)."""
    better = better_ratio(figure, ours, other)
    return None if better is None else 1.0 / better


def _ratio_text(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio:.2f}×"


def meets(results: dict[str, dict[str, Any]], labels: list[str], figure: Figure) -> str:
    """Whether ours met the figure's goals in this run, as the table shows it ("" if unknown)."""
    ours, _, _ = _layout(labels)
    x_floor, *rest = _ratios(results, labels, figure)
    ok = figure.meets(_median(results, ours, figure.name), x_floor, rest[0] if rest else None)
    return "" if ok is None else "[green]yes[/]" if ok else "[red]no[/]"


def _cell(result: Result | None, figure: Figure) -> str:
    if result is None:
        return "—"
    if result.median is not None:
        return _fmt(result.median, figure.unit)
    if result.error:
        return "[red]error[/]"
    return "n/a"


FLOOR = "floor"
RATIO_NOTE = (
    "× floor / × ref: ours as a multiple of the floor / the reference (time or memory; for "
    "runs/s the inverse), so below 1 is better. floor: the same graphs in-process in LangGraph "
    "with AsyncSqliteSaver, no server, on asyncio's loop (`--loop uvloop`: on ours). "
    "Ours and `langgraph dev` serve on uvloop with httptools. "
    "bare: ours again, the same requests written on a bare socket with no client library "
    "(`bench/wire.py`), sampled in turns with the SDK and the floor: what the server and the "
    "loopback wire cost without what the SDK client adds to each request "
    "(`sdk_trip_ms` - `raw_trip_ms`)."
)
SDK_TRIP, RAW_TRIP = "sdk_trip_ms", "raw_trip_ms"
BARE = "bare"


def _layout(labels: list[str]) -> tuple[str, list[str], str | None]:
    """(ours, the absolute columns in order, the reference's label or None)."""
    ours = labels[0]
    others = [label for label in labels[1:] if label not in (FLOOR, BARE)]
    reference = others[0] if others else None
    columns = [ours] + [label for label in (BARE, FLOOR) if label in labels] + others
    return ours, columns, reference


def _median(results: dict[str, dict[str, Any]], label: str | None, name: str) -> float | None:
    found = results.get(label or "", {}).get(name)
    if found is None:
        return None
    return found.median if isinstance(found, Result) else found.get("median")


def _ratios(
    results: dict[str, dict[str, Any]], labels: list[str], figure: Figure
) -> list[float | None]:
    ours, _, reference = _layout(labels)
    mine = _median(results, ours, figure.name)
    out = [cost_ratio(figure, mine, _median(results, FLOOR, figure.name))]
    if reference is not None:
        out.append(cost_ratio(figure, mine, _median(results, reference, figure.name)))
    return out


def client_ms(results: dict[str, dict[str, Any]], labels: list[str]) -> float | None:
    """What the SDK client adds to one request on its own, measured on ours in this run."""
    ours, _, _ = _layout(labels)
    sdk, raw = _median(results, ours, SDK_TRIP), _median(results, ours, RAW_TRIP)
    return None if sdk is None or raw is None else max(0.0, sdk - raw)


def _all_ratios(
    results: dict[str, dict[str, Any]], labels: list[str], figure: Figure
) -> list[float | None]:
    """The table's ratio cells in column order: × floor, × floor by the bare client, × ref."""
    x_floor, *rest = _ratios(results, labels, figure)
    bare = cost_ratio(
        figure, _median(results, BARE, figure.name), _median(results, FLOOR, figure.name)
    )
    return [x_floor, bare, *rest]


def _head(labels: list[str]) -> list[str]:
    _, columns, reference = _layout(labels)
    ratio_heads = ["× floor", "bare × floor"] + (["× ref"] if reference else [])
    return ["figure", "what", *ratio_heads, *columns, "goal", "met"]


def render(
    results: dict[str, dict[str, Result]],
    labels: list[str],
    console: Console | None = None,
) -> None:
    """One row per figure: ratios first (× floor, × reference), then each column's median."""
    console = console or Console()
    info = machine()
    table = Table(
        title="doubletext benchmarks (medians)",
        caption=(
            f"{RATIO_NOTE}\nAbsolute times are this machine's: "
            f"{info['cores']} cores · {info['cpu']} · {info['memory_gib']} GiB · "
            f"Python {info['python']} · load at start {info['load_avg_1m_at_start']}"
        ),
    )
    _, columns, _ = _layout(labels)
    for index, name in enumerate(_head(labels)):
        table.add_column(name, justify="left" if index < 2 else "right")
    for figure in FIGURES:
        row_results = [results.get(label, {}).get(figure.name) for label in columns]
        if all(r is None for r in row_results):
            continue
        row = [figure.name, figure.what]
        row += [_ratio_text(r) for r in _all_ratios(results, labels, figure)]
        row += [_cell(r, figure) for r in row_results]
        row += [figure.target, meets(results, labels, figure)]
        table.add_row(*row)
    console.print(table)
    for label in labels:
        for result in results.get(label, {}).values():
            if result.error:
                console.print(f"[red]{label} {result.name}: {result.error}[/]")
            elif result.note and result.median is None:
                console.print(f"[yellow]{label} {result.name}: {result.note}[/]")


def document(
    results: dict[str, dict[str, Result]],
    targets: dict[str, dict[str, Any]],
    argv: list[str],
    repeats: int,
) -> dict[str, Any]:
    labels = list(results)
    out: dict[str, Any] = {
        "machine": machine(),
        "command": "python -m bench " + " ".join(argv),
        "repeats": repeats,
        "ratio_note": RATIO_NOTE,
        "figures": {
            f.name: {
                "unit": f.unit,
                "what": f.what,
                "target": f.target,
                "lower_is_better": f.lower_is_better,
            }
            for f in FIGURES
        },
        "targets": {},
    }
    for label in labels:
        out["targets"][label] = {
            **targets.get(label, {}),
            "results": {name: r.as_json() for name, r in results[label].items()},
        }
    _, _, reference = _layout(labels)
    out["x_floor"], out["x_reference"], out["met"] = {}, {}, {}
    client = client_ms(results, labels)
    out["client_ms_per_request"] = None if client is None else round(client, 3)
    out["bare_x_floor"] = {}
    for figure in FIGURES:
        x_floor, bare, *x_ref = _all_ratios(results, labels, figure)
        if bare is not None:
            out["bare_x_floor"][figure.name] = round(bare, 2)
        met = meets(results, labels, figure)
        out["met"][figure.name] = "yes" in met if met else None
        out["x_floor"][figure.name] = None if x_floor is None else round(x_floor, 2)
        if reference is not None:
            ratio = x_ref[0]
            out["x_reference"][figure.name] = None if ratio is None else round(ratio, 2)
    return out


def write_json(path: str, doc: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(doc, indent=2) + "\n")


def emit(doc: dict[str, Any], path: str | None) -> None:
    """Print a small tool's result as JSON, and write it to `path` too when given."""
    print(json.dumps(doc, indent=2))
    if path:
        write_json(path, doc)


def markdown(doc: dict[str, Any]) -> str:
    """The figure table as Markdown (for the README), from a ``document()``."""
    labels = list(doc["targets"])
    results = {label: doc["targets"][label]["results"] for label in labels}
    info = doc["machine"]
    _, columns, _ = _layout(labels)
    head = _head(labels)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for figure in FIGURES:
        cells = [results[label].get(figure.name) for label in columns]
        if all(c is None for c in cells):
            continue
        row = [f"`{figure.name}`", figure.what]
        row += [_ratio_text(r) for r in _all_ratios(results, labels, figure)]
        row += [_fmt(c["median"], figure.unit) if c else "—" for c in cells]
        met = re.sub(r"\[/?\w*\]", "", meets(results, labels, figure))
        row += [figure.target, met]
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    lines.append(RATIO_NOTE)
    lines.append("")
    lines.append(
        f"Absolute times are this machine's: {info['cores']} cores ({info['cpu']}), "
        f"{info['memory_gib']} GiB, Python {info['python']}; load average "
        f"{info['load_avg_1m_at_start']} at start. Medians of {doc['repeats']} repeats. "
        f"Command: `{doc['command']}`."
    )
    return "\n".join(lines) + "\n"
