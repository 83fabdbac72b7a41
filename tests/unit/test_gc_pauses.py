"""`bench.tui_bench.GcPauses` times each collection by generation, and only while entered."""

from __future__ import annotations

import gc

from bench.tui_bench import GcPauses


def test_each_collection_is_timed_under_its_generation_while_entered() -> None:
    with GcPauses() as pauses:
        gc.collect(0)
        gc.collect(2)
        gc.collect(2)
    seen = {generation: len(found) for generation, found in pauses.by_generation.items()}
    gc.collect(1)  # after the exit: not seen
    gc.collect(2)
    assert {generation: len(found) for generation, found in pauses.by_generation.items()} == seen
    report = pauses.report()
    assert report["gen0"]["n"] >= 1 and report["gen2"]["n"] >= 2
    assert report["gen2"]["max"] >= report["gen2"]["p50"] >= 0.0
    assert pauses._note not in gc.callbacks
