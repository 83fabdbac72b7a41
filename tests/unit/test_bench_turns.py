"""`measure_side_by_side`: targets take turns, warm-ups are not kept, a broken one drops out."""

from __future__ import annotations

from dataclasses import replace

from bench.figures import BY_NAME, Figure, Target, measure_side_by_side


def _figure(
    calls: list[str], label: str, values: list[float], fail_at: int | None = None
) -> Figure:
    async def sample(_: Target) -> float:
        calls.append(label)
        if fail_at is not None and len([c for c in calls if c == label]) == fail_at:
            raise RuntimeError("broken")
        return values.pop(0)

    base = BY_NAME["seq_run_ms"]
    return replace(base, sample=sample)


def _target(label: str) -> Target:
    return Target(label, "", None)  # type: ignore[arg-type]


async def test_targets_take_turns_and_the_first_moves_along() -> None:
    calls: list[str] = []
    a = _figure(calls, "a", [100.0, 1.0, 2.0, 3.0])
    b = _figure(calls, "b", [100.0, 10.0, 20.0, 30.0])
    ra, rb = await measure_side_by_side([(a, _target("a")), (b, _target("b"))], 3)
    assert calls == ["a", "b", "a", "b", "b", "a", "a", "b"]
    assert ra.samples == [1.0, 2.0, 3.0] and ra.median == 2.0  # the warm-up (100) is not kept
    assert rb.samples == [10.0, 20.0, 30.0] and rb.median == 20.0


async def test_a_broken_target_drops_out_and_the_other_goes_on() -> None:
    calls: list[str] = []
    a = _figure(calls, "a", [0.0, 1.0, 2.0, 3.0])
    b = _figure(calls, "b", [0.0, 10.0], fail_at=3)
    ra, rb = await measure_side_by_side([(a, _target("a")), (b, _target("b"))], 3)
    assert ra.samples == [1.0, 2.0, 3.0]
    assert rb.samples == [10.0] and rb.error == "RuntimeError: broken"
    assert calls.count("b") == 3  # warm-up, one kept, the failure: never asked again
