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


def meets(figure: Figure, value: float | None) -> str:
    match = re.match(r"([≤≥])\s*([\d.]+)", figure.target)
    if value is None or not match:
        return ""
    bound = float(match.group(2))
    ok = value <= bound if match.group(1) == "≤" else value >= bound
    return "[green]yes[/]" if ok else "[red]no[/]"


def _cell(result: Result | None, figure: Figure) -> str:
    if result is None:
        return "—"
    if result.median is not None:
        return _fmt(result.median, figure.unit)
    if result.error:
        return "[red]error[/]"
    return "n/a"


def render(
    results: dict[str, dict[str, Result]],
    labels: list[str],
    console: Console | None = None,
) -> None:
    """Print one row per figure with one column per target (and the ratio for two)."""
    console = console or Console()
    info = machine()
    table = Table(
        title="doubletext benchmarks (medians)",
        caption=(
            f"{info['cores']} cores · {info['cpu']} · {info['memory_gib']} GiB · "
            f"Python {info['python']} · load at start {info['load_avg_1m_at_start']}"
        ),
    )
    table.add_column("figure")
    table.add_column("what")
    for label in labels:
        table.add_column(label, justify="right")
    if len(labels) == 2:
        table.add_column("× better", justify="right")
    table.add_column("target", justify="right")
    table.add_column("met", justify="center")
    first = labels[0]
    for figure in FIGURES:
        row_results = [results.get(label, {}).get(figure.name) for label in labels]
        if all(r is None for r in row_results):
            continue
        row = [figure.name, figure.what]
        row += [_cell(r, figure) for r in row_results]
        if len(labels) == 2:
            a, b = row_results
            ratio = better_ratio(figure, a and a.median, b and b.median)
            row.append("—" if ratio is None else f"{ratio:.1f}×")
        ours = results.get(first, {}).get(figure.name)
        row += [figure.target, meets(figure, ours.median if ours else None)]
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
    if len(labels) == 2:
        ours, other = labels
        out["better_ratio"] = {}
        for figure in FIGURES:
            a, b = results[ours].get(figure.name), results[other].get(figure.name)
            ratio = better_ratio(figure, a and a.median, b and b.median)
            out["better_ratio"][figure.name] = None if ratio is None else round(ratio, 2)
    return out


def write_json(path: str, doc: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(doc, indent=2) + "\n")


def markdown(doc: dict[str, Any]) -> str:
    """The figure table as Markdown (for the README), from a ``document()``."""
    labels = list(doc["targets"])
    info = doc["machine"]
    head = ["figure", "what", *labels]
    if len(labels) == 2:
        head.append("× better")
    head += ["target", "met"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for figure in FIGURES:
        cells = [doc["targets"][label]["results"].get(figure.name) for label in labels]
        if all(c is None for c in cells):
            continue
        row = [f"`{figure.name}`", figure.what]
        row += [_fmt(c["median"], figure.unit) if c else "—" for c in cells]
        if len(labels) == 2:
            a, b = (c["median"] if c else None for c in cells)
            ratio = better_ratio(figure, a, b)
            row.append("—" if ratio is None else f"{ratio:.1f}×")
        ours = cells[0]["median"] if cells[0] else None
        met = re.sub(r"\[/?\w*\]", "", meets(figure, ours))
        row += [figure.target, met]
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    lines.append(
        f"Machine: {info['cores']} cores ({info['cpu']}), {info['memory_gib']} GiB, "
        f"Python {info['python']}; load average {info['load_avg_1m_at_start']} at start. "
        f"Medians of {doc['repeats']} repeats. Command: `{doc['command']}`."
    )
    return "\n".join(lines) + "\n"
