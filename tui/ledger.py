"""Which run wrote which todo: a pure ledger beside `runstate.py`.

With the thread's story every store write arrives as an event naming its run, so attribution is
exact and survives restarts. Without a story the ledger compares the store before and after each
run ends and credits the changes to that run (right for one run at a time; with runs ending
together, the later one gets the credit).

A todo whose last writer was rolled back gets ⚠: rollback deletes the run and its checkpoints,
but not what it already stored (LangGraph does not undo side effects). The latest writing run's
todos get ★.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tui.runstate import Fate

Namespace = tuple[str, ...]

LEGEND = (
    "★ changed by the latest run to change todos"
    " · ⚠ stored by a run that was rolled back (the todo stayed)"
)


def fingerprint(item: Mapping[str, Any]) -> str:
    return json.dumps(item.get("value"), sort_keys=True, default=str)


@dataclass(frozen=True)
class TodoRow:
    key: str
    flag: str  # "", "★" or "⚠"
    task: str
    deadline: str
    status: str
    run: str  # id of the run that last wrote it ("" if unknown)


@dataclass
class TodoLedger:
    writers: dict[tuple[Namespace, str], str] = field(default_factory=dict)
    latest: dict[Namespace, str] = field(default_factory=dict)
    snapshots: dict[Namespace, dict[str, str]] = field(default_factory=dict)

    def record(self, namespace: Sequence[str], key: str, run_id: str | None) -> None:
        """A store write from the story (put or delete) by `run_id`."""
        if not run_id:
            return
        ns = tuple(namespace)
        self.writers[(ns, key)] = run_id
        self.latest[ns] = run_id

    def observe(
        self, namespace: Sequence[str], items: Iterable[Mapping[str, Any]], run_id: str | None
    ) -> set[str]:
        """Fallback attribution: credit what changed since the last look to `run_id`."""
        ns = tuple(namespace)
        now = {str(i["key"]): fingerprint(i) for i in items}
        before = self.snapshots.get(ns)
        self.snapshots[ns] = now
        if before is None or run_id is None:
            return set()
        changed = {k for k, v in now.items() if before.get(k) != v}
        changed |= set(before) - set(now)
        for key in changed:
            self.record(ns, key, run_id)
        return changed

    def rows(
        self,
        namespace: Sequence[str],
        items: Iterable[Mapping[str, Any]],
        fates: Mapping[str, Fate],
    ) -> list[TodoRow]:
        ns = tuple(namespace)
        latest = self.latest.get(ns)
        rows = []
        for item in sorted(items, key=lambda i: i.get("created_at") or ""):
            key = str(item["key"])
            value = item.get("value") or {}
            writer = self.writers.get((ns, key))
            flag = ""
            if writer and fates.get(writer) is Fate.ROLLED_BACK:
                flag = "⚠"
            elif writer and writer == latest:
                flag = "★"
            rows.append(
                TodoRow(
                    key=key,
                    flag=flag,
                    task=str(value.get("task", key)),
                    deadline=str(value.get("deadline") or "")[:10],
                    status=str(value.get("status") or ""),
                    run=writer or "",
                )
            )
        return rows
