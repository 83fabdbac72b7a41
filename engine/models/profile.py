"""Profile facts from what the user says about themselves ("My name is Lance", "I live in …").

Why apart from the todo rules: the profile is its own memory (task_maistro's `update_profile`);
these rules only read self-descriptions and merge them into the stored profile.
"""

from __future__ import annotations

import re
from typing import Any

from engine.models.dates import WEEKDAYS

PROFILE_RE = re.compile(
    r"\bmy name(?:'s| is)\b|\bi(?:'m| am) called\b|\bcall me\b|\bi live in\b"
    r"|\bi(?:'m| am) (?:from|based in|living in)\b|\bi work (?:as|at|for)\b|\bmy job is\b"
    r"|\bi(?:'m| am) an? (?:\w+ )?\w*(?:er|or|ist"
    r"|ian|ant|ent|ect|eon|nurse|chef|doctor|lawyer|pilot)\b|\bi (?:really )?(?:like|love|enjoy)\b"
    r"|\bmy (?:wife|husband|partner|son|daughter|friend|boss|brother|sister|mom|dad|mother|father)"
    r"(?:'s name)? is\b",
    re.IGNORECASE,
)


# Words that follow "call me" or "I'm" without being a name: "call me back", "I'm Busy".
_NOT_A_NAME_TEXT = """not a an the also still just so really back later tomorrow tonight today
    soon now maybe again sometime anytime when if at on in about before after please asap first
    done busy tired home here there ready sorry fine good great ok okay free sick late new out
    going trying working looking off up down""" + " ".join(WEEKDAYS)
_NOT_A_NAME = frozenset(_NOT_A_NAME_TEXT.split())
_NAME = r"(?P<name>[^\W\d_][\w'-]*(?-i:\s+[A-Z][\w'-]*)?)"  # a surname is always capitalized
_CAPITALIZED_NAME = r"(?P<name>(?-i:[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?))"
_GREETING = r"^\W*(?:(?:hi|hello|hey)(?:\s+there)?\W+)?"
_ALONE = r"(?=\W*$|\s*[,.!;]|\s+and\b)"  # the introduction is all the clause says
# How people introduce themselves, by how sure each phrasing is that a name follows: after "my
# name is" a name may be typed in lower case ("my name is lance"); "call me" is a name only as the
# whole request ("call me bob", not "ask Sam to call me back"); "I'm" only before a capitalized
# word and nothing else ("I'm Bob", not "I'm going" or "I'm Bob's sister").
_NAME_RES = (
    re.compile(rf"\b(?:my name(?:'s| is)|i(?:'m| am) called)\s+{_NAME}", re.I),
    re.compile(
        rf"{_GREETING}(?:(?:you can|you may|please|pls|just|feel free to)\s+)*call me\s+{_NAME}"
        rf"{_ALONE}",
        re.I,
    ),
    re.compile(rf"{_GREETING}i(?:'m| am)\s+{_CAPITALIZED_NAME}{_ALONE}", re.I),
    # Chinese: "我叫Bob", "我的名字是小明"; a Chinese name is short and ends the clause, and
    # "我叫了外卖" ("I ordered takeout") or "叫我起床" ("wake me up") is no introduction.
    re.compile(
        r"^\W*(?:我叫(?!了)|我的名字(?:是|叫))\s*"
        r"(?P<name>[A-Za-z][\w'-]*(?:\s+[A-Z][\w'-]*)?|[\u4e00-\u9fff]{1,4})(?=\W*$|[,.!;，。！；])"
    ),
)


def parse_name(text: str) -> str | None:
    """The user's name, if the text introduces them ("I'm called bob", "call me Bob")."""
    for pattern in _NAME_RES:
        m = pattern.search(text)
        if m and m["name"].split()[0].lower() not in _NOT_A_NAME:
            return m["name"].strip().title()
    return None


def parse_profile(text: str) -> dict[str, Any]:
    """Profile facts in one message → partial Profile fields."""
    out: dict[str, Any] = {}
    name = parse_name(text)
    if name:
        out["name"] = name
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
