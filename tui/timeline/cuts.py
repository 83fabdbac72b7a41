"""What stopped a run, read from the story's `cause` or the reference's `reason` wording. Pure.

A cut is one of: superseded by a newer run (and with which strategy), an API cancel (the app's
Esc is `action=interrupt`, Ctrl+B `action=rollback`), a client disconnect, an engine shutdown,
crash recovery, or unknown; `inferred` marks a client-side guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# What the app's keys do on the API: Esc cancels with interrupt, Ctrl+B with rollback.
CANCEL_KEYS = {"interrupt": "Esc", "rollback": "Ctrl+B"}


@dataclass(frozen=True)
class Cut:
    """What stopped a run. `action`: interrupt (it stays, interrupted) or rollback (deleted)."""

    kind: str  # superseded | cancel | disconnect | shutdown | crash | unknown
    action: str
    by_run: str | None = None
    strategy: str | None = None
    request: str | None = None
    reason: str | None = None
    inferred: bool = False  # guessed by a client without the story


_SUPERSEDED = re.compile(
    r"superseded by run (?P<run>[0-9a-fA-F-]+).*?multitask_strategy=(?P<s>\w+)"
)


def cut_from(action: str, cause: Any, reason: Any, inferred: bool = False) -> Cut:
    """Read a story `cause` (or, lacking one, the reference's `reason` wording) as a Cut."""
    text = reason if isinstance(reason, str) else None
    if isinstance(cause, Mapping) and cause.get("run_id"):
        strategy = cause.get("strategy")
        return Cut("superseded", action, str(cause["run_id"]), strategy, None, text, inferred)
    if isinstance(cause, Mapping) and cause.get("request"):
        return Cut("cancel", action, None, action, str(cause["request"]), text, inferred)
    lowered = (text or "").lower()
    if match := _SUPERSEDED.search(text or ""):
        return Cut("superseded", action, match["run"], match["s"], None, text, inferred)
    if "requested via" in lowered:
        request = text.split("via", 1)[1].strip() if text else None
        return Cut("cancel", action, None, action, request, text, inferred)
    for needle, kind in (
        ("disconnect", "disconnect"),
        ("shutdown", "shutdown"),
        ("crash", "crash"),
    ):
        if needle in lowered:
            return Cut(kind, action, None, None, None, text, inferred)
    return Cut("unknown", action, None, None, None, text, inferred)
