"""What a thread's messages say about steering, for the transcript and the run panel.

A steered message carries `additional_kwargs["steer"] = {"run_id": <queued run>, "taken_by":
<run that took it in>}` (engine/graphs/steer.py); the queued run itself just ends `interrupted`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def taken_runs(messages: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Queued run id → the run that took its message in (messages as the state API gives
    them: dicts with `additional_kwargs`)."""
    found: dict[str, str] = {}
    for message in messages:
        extra = message.get("additional_kwargs") if isinstance(message, Mapping) else None
        mark = extra.get("steer") if isinstance(extra, Mapping) else None
        if isinstance(mark, Mapping) and mark.get("run_id") and mark.get("taken_by"):
            found[str(mark["run_id"])] = str(mark["taken_by"])
    return found
