"""Server text cannot reach the terminal as control characters (tui/terminal_safe.py)."""

from __future__ import annotations

import itertools
import random

import orjson

from tui.terminal_safe import ControlCutter, cut_controls

CONTROLS = [chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))]
TEXTS = ["Buy milk", "a\\u001b b", "名字 🥛", "tab\there", "line\nnext", "\\", "\\\\u001b", "é"]


def _plain(text: str) -> str:
    return "".join(c for c in text if c not in CONTROLS)


def _cut_in_chunks(data: bytes, cuts: list[int]) -> bytes:
    cutter = ControlCutter()
    edges = [0, *sorted(cuts), len(data)]
    out = b"".join(cutter.feed(data[a:b]) for a, b in itertools.pairwise(edges))
    return out + cutter.end()


def test_control_characters_are_cut_and_the_json_stays_valid() -> None:
    value = {
        "task": "Buy \x1b[41mRED\x1b[0m milk \x1b]2;PWNED\x07",
        "c1": "csi\x9b31m and del\x7f",
        "kept": "tab\tnew\nline",
        "literal": "a backslash then u001b: \\u001b",
    }
    cleaned = orjson.loads(cut_controls(orjson.dumps(value)))
    assert cleaned == {key: _plain(text) for key, text in value.items()}
    assert cleaned["task"] == "Buy [41mRED[0m milk ]2;PWNED"
    assert cleaned["literal"] == value["literal"]  # text that only looks like an escape stays
    # written as \u escapes (as other encoders do), upper-case hex included
    assert (
        cut_controls(b'["a\\u001Bb", "\\u000A", "\\u0009", "\\u009B"]')
        == b'["ab", "\\u000A", "\\u0009", ""]'
    )


def test_an_escape_split_between_chunks_is_judged_whole() -> None:
    data = orjson.dumps({"a": "x\x1by\x9bz\\\x1b\tw", "b": ["\\\\", "\x7f\x85é"]})
    whole = cut_controls(data)
    for cut in range(len(data) + 1):
        assert _cut_in_chunks(data, [cut]) == whole, cut
    for first in range(len(data)):
        for second in range(first, len(data) + 1, 3):
            assert _cut_in_chunks(data, [first, second]) == whole, (first, second)


def test_random_text_in_random_chunks_decodes_to_itself_without_controls() -> None:
    rng = random.Random(16)
    alphabet = [*CONTROLS, *'ab\\"u01\n\t é名🥛']
    for _ in range(300):
        value = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(3)]
        value.append(rng.choice(TEXTS))
        data = orjson.dumps({"v": value})
        cuts = [rng.randint(0, len(data)) for _ in range(rng.randint(0, 6))]
        assert orjson.loads(_cut_in_chunks(data, cuts)) == {"v": [_plain(t) for t in value]}
