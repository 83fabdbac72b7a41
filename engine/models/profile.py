"""Profile facts from what the user says about themselves ("My name is Lance", "I live in …").

Why apart from the todo rules: the profile is its own memory (task_maistro's `update_profile`);
these rules only read self-descriptions and merge them into the stored profile.
"""

from __future__ import annotations

import re
from typing import Any

PROFILE_RE = re.compile(
    r"\bmy name(?:'s| is)\b|\bi(?:'m| am) called\b|\bcall me\b|\bi live in\b"
    r"|\bi(?:'m| am) (?:from|based in|living in)\b|\bi work (?:as|at|for)\b|\bmy job is\b"
    r"|\bi(?:'m| am) an? (?:\w+ )?\w*(?:er|or|ist"
    r"|ian|ant|ent|ect|eon|nurse|chef|doctor|lawyer|pilot)\b|\bi (?:really )?(?:like|love|enjoy)\b"
    r"|\bmy (?:wife|husband|partner|son|daughter|friend|boss|brother|sister|mom|dad|mother|father)"
    r"(?:'s name)? is\b",
    re.IGNORECASE,
)


def parse_profile(text: str) -> dict[str, Any]:
    """Profile facts in one message → partial Profile fields."""
    out: dict[str, Any] = {}
    # After "my name is" a name may be typed in lower case ("my name is lance"); after "call me"
    # only a capitalized one is a name ("call me back"). A surname is always capitalized.
    name = re.search(
        r"\b(?:my name(?:'s| is)|i(?:'m| am) called)\s+(?!(?:not|a|an|the|also|still|just)\b)"
        r"([^\W\d_][\w'-]*(?-i:\s+[A-Z][\w'-]*)?)"
        r"|\bcall me\s+((?-i:[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?))",
        text,
        re.I,
    )
    if name:
        out["name"] = (name.group(1) or name.group(2)).strip().title()
    loc = re.search(
        r"\bi(?:'m| am)? (?:live|living|based|from)\s+(?:in\s+)?"
        r"([A-Z][\w .'-]*?)(?=[,.!?]|\s+and\b|$)",
        text,
        re.I,
    )
    if loc:
        out["location"] = loc.group(1).strip()
    job = re.search(
        r"\b(?:i work as|my job is|i(?:'m| am))\s+an?\s+"
        r"([\w -]+?)(?=[,.!?]|\s+and\b|\s+at\b|$)",
        text,
        re.I,
    )
    if job and re.search(PROFILE_RE, job.group(0)) and "called" not in job.group(0).lower():
        out["job"] = job.group(1).strip()
    work = re.search(r"\bi work (?:at|for)\s+([\w &.'-]+?)(?=[,.!?]|\s+and\b|$)", text, re.I)
    if work and "job" not in out:
        out["job"] = f"works at {work.group(1).strip()}"
    likes = re.search(r"\bi (?:really )?(?:like|love|enjoy)\s+([\w ,'-]+?)(?=[.!?]|$)", text, re.I)
    if likes:
        parts = re.split(r",\s*(?:and\s+)?|\s+and\s+", likes.group(1))
        out["interests"] = [i.strip() for i in parts if i.strip()]
    rel = re.search(
        r"\bmy (wife|husband|partner|son|daughter|friend|boss|brother|sister|mom"
        r"|dad|mother|father)(?:'s name)? is(?: called| named)?\s+((?-i:[A-Z][\w'-]*))",
        text,
        re.I,
    )
    if rel:
        out["connections"] = [f"{rel.group(2).title()} ({rel.group(1).lower()})"]
    return out


def merge_profile(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """New facts replace scalars and extend lists (no duplicates)."""
    merged = {"name": None, "location": None, "job": None, "connections": [], "interests": []}
    merged.update(old or {})
    for k, v in new.items():
        if isinstance(v, list):
            merged[k] = [*merged.get(k, []), *[x for x in v if x not in merged.get(k, [])]]
        else:
            merged[k] = v
    return merged
