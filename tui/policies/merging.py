"""The merged message of §10.3: earlier texts as context, the new text as the request.

`Context: <earlier>\n\nCurrent request: <new>` is the tutorial's wording; several earlier texts
go one per line, and a text that is itself merged is unwrapped first, so merging twice never
nests. The offline model reads the same shape (engine/models/merged.py).
"""

from __future__ import annotations

import re

CONTEXT = "Context: "
CURRENT = "Current request: "
_MERGED_RE = re.compile(r"^Context: (?P<context>.*?)\n\nCurrent request: (?P<current>.*)$", re.S)


def unwrap(text: str) -> list[str]:
    """The requests a text holds: itself, or a merged text's context lines and request."""
    match = _MERGED_RE.match(text)
    if match is None:
        return [text]
    lines = [line for line in match["context"].split("\n") if line.strip()]
    return [*lines, match["current"]]


def merged_text(earlier: list[str], current: str) -> str:
    """One message holding everything: no earlier text → the current one unchanged."""
    context = [line for text in earlier for line in unwrap(text)]
    if not context:
        return current
    return f"{CONTEXT}{chr(10).join(context)}\n\n{CURRENT}{current}"
